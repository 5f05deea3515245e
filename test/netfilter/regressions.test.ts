import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PathResult, receive } from '../../src/node/index.js';
import { Packet } from '../../src/packet/index.js';
import { emptyNamespace } from '../support/emulated.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/regressions/${name}`, import.meta.url), 'utf8');

describe('engine regressions', () => {
  it('runs a side-effecting match before a later port match fails (nfacct counts the packet)', () => {
    const ns = emptyNamespace();
    ns.ensureCounter('probe');
    ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
    ns.addAddress('eth0', 0x0a000001, 24);
    ns.iptables.restoreAll(fixture('nfacct-before-port.rules'), { noflush: false, counters: false });
    const p = new Packet();
    p.src = 0x0a000002;
    p.dst = 0x0a000001;
    p.proto = 17;
    p.sport = 5000;
    p.dport = 53;
    receive(ns, p, 'eth0', new PathResult());
    expect(ns.nfacct.get('probe')?.packets).toBe(1);
  });
});

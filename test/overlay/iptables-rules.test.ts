import { describe, expect, it } from 'vitest';
import type { Node } from '../../src/kube/index.js';
import { flannelIptablesRestore, flannelIptablesRules, nodeLease, renderIptablesRule } from '../../src/overlay/index.js';
import { exampleNodes, MAC_SEED, netConf } from './objects.js';

const node1 = nodeLease(exampleNodes()[1] as Node, netConf(), { macSeed: MAC_SEED });

/** Reference §6c, verbatim: Network 10.244.0.0/16, lease 10.244.1.0/24, --random-fully supported. */
const REFERENCE_6C = [
  '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
  '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
  '-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
  '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
  '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
  '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD',
  '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
  '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT',
];

describe("flannel's iptables rules (reference §6c)", () => {
  it('are the reference rules, in order, with the kube-proxy mark RETURN first', () => {
    expect(flannelIptablesRules(node1, netConf()).map(renderIptablesRule)).toEqual(REFERENCE_6C);
  });

  it('render as an iptables-restore --noflush payload with chain lines and jumps', () => {
    expect(flannelIptablesRestore(node1, netConf())).toBe(
      ['*nat', ':FLANNEL-POSTRTG - [0:0]', ...REFERENCE_6C.slice(0, 7), 'COMMIT', '*filter', ':FLANNEL-FWD - [0:0]', ...REFERENCE_6C.slice(7), 'COMMIT', ''].join('\n'),
    );
  });

  it('drop --random-fully when iptables lacks it', () => {
    const rules = flannelIptablesRules(node1, netConf(), { randomFully: false }).map(renderIptablesRule);
    expect(rules.filter((r) => r.includes('--random-fully'))).toEqual([]);
    expect(rules[5]).toBe('-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE');
    expect(rules[6]).toBe('-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE');
  });

  it('follow --ip-masq and --iptables-forward-rules', () => {
    expect(flannelIptablesRestore(node1, netConf(), { ipMasq: false })).toBe(['*filter', ':FLANNEL-FWD - [0:0]', ...REFERENCE_6C.slice(7), 'COMMIT', ''].join('\n'));
    expect(flannelIptablesRestore(node1, netConf(), { forwardRules: false })).not.toContain('*filter');
    expect(flannelIptablesRestore(node1, netConf(), { ipMasq: false, forwardRules: false })).toBe('');
  });

  it('use the node lease and the Network of the net-conf', () => {
    const other = nodeLease(exampleNodes()[2] as Node, netConf(), { macSeed: MAC_SEED });
    expect(flannelIptablesRules(other, netConf()).map(renderIptablesRule)[2]).toBe(
      '-A FLANNEL-POSTRTG -s 10.244.2.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
    );
  });
});

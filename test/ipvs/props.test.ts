import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { applyIpvsadmCommands, CONN_FLAGS, type Ipvs, parseIpvsadmSave, renderIpvsadmSave, SVC_FLAGS } from '../../src/ipvs/index.js';
import { Packet } from '../../src/packet/index.js';
import { type IpvsOp, ipvsadmTextArb, ipvsOpArb } from '../arbitraries/ipvs.js';
import { newIpvs } from './support.js';

function apply(ipvs: Ipvs, op: IpvsOp): void {
  try {
    switch (op.op) {
      case 'addService':
        ipvs.addService(op.svc);
        break;
      case 'delService':
        ipvs.deleteService(op.svc.protocol, op.svc.addr, op.svc.port);
        break;
      case 'addDest':
        ipvs.addDest(op.svc.protocol, op.svc.addr, op.svc.port, { addr: op.addr, port: op.port, weight: op.weight });
        break;
      case 'editDest':
        ipvs.editDest(op.svc.protocol, op.svc.addr, op.svc.port, { addr: op.addr, port: op.port, weight: op.weight });
        break;
      case 'delDest':
        ipvs.deleteDest(op.svc.protocol, op.svc.addr, op.svc.port, op.addr, op.port);
        break;
      case 'packet':
      case 'tick':
        break;
      default: {
        const never: never = op;
        return never;
      }
    }
  } catch (e) {
    if (!isKpemuError(e)) throw e;
  }
}

/** Recounts every destination's counters from the connection table. */
function recount(ipvs: Ipvs): Map<number, [number, number, number]> {
  const m = new Map<number, [number, number, number]>();
  const c = ipvs.conns;
  c.forEach((i) => {
    const id = c.dest[i] as number;
    if (id < 0) return;
    const r = m.get(id) ?? [0, 0, 0];
    const f = c.flags[i] as number;
    if (f & CONN_FLAGS.TEMPLATE) r[2]++;
    else if (f & CONN_FLAGS.INACTIVE) r[1]++;
    else r[0]++;
    m.set(id, r);
  });
  return m;
}

describe('IPVS properties', () => {
  it('keeps counters equal to the connection table, connections on their server, and new ones on usable servers', () => {
    fc.assert(
      fc.property(fc.array(ipvsOpArb, { maxLength: 150 }), fc.boolean(), fc.boolean(), (ops, expireNodestConn, expireQuiescentTemplate) => {
        const { ipvs, clock } = newIpvs({ expireNodestConn, expireQuiescentTemplate });
        const bound = new Map<string, number>();
        const p = new Packet();
        for (const op of ops) {
          if (op.op === 'tick') {
            clock.advanceSeconds(op.seconds);
            continue;
          }
          if (op.op !== 'packet') {
            apply(ipvs, op);
            continue;
          }
          p.reset();
          p.proto = op.svc.protocol;
          p.src = op.src;
          p.sport = op.sport;
          p.dst = op.svc.addr;
          p.dport = op.svc.port;
          p.tcpFlags = p.proto === 6 ? op.flags : 0;
          const key = `${p.proto}/${p.src}:${p.sport}>${p.dst}:${p.dport}`;
          const v = ipvs.schedule(p);
          if (v.kind === 'new') {
            const svc = ipvs.findService(p.proto, p.dst, p.dport);
            expect(svc).toBeDefined();
            expect(v.dest?.available).toBe(true);
            if (svc !== undefined && (svc.flags & SVC_FLAGS.PERSISTENT) === 0) {
              expect(v.dest?.weight).toBeGreaterThan(0);
              expect(v.dest?.overloaded).toBe(false);
            }
            bound.set(key, v.destAddr);
          } else if (v.kind === 'hit') {
            const was = bound.get(key);
            if (was !== undefined) expect(v.destAddr).toBe(was);
          }
        }
        ipvs.expire();
        const counted = recount(ipvs);
        for (const svc of ipvs.listServices()) {
          for (const d of svc.dests) {
            expect([d.activeConns, d.inactConns, d.persistConns]).toEqual(counted.get(d.id) ?? [0, 0, 0]);
            expect(d.refcnt).toBe(((counted.get(d.id) ?? [0, 0, 0]) as number[]).reduce((a, b) => a + b, 0));
          }
        }
        // Far in the future everything has expired and every counter is back to zero.
        clock.advanceSeconds(100_000);
        ipvs.expire();
        expect(ipvs.conns.size).toBe(0);
        for (const svc of ipvs.listServices()) for (const d of svc.dests) expect(d.totalConns + d.persistConns).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('hashing schedulers answer the same client the same way until the configuration changes', () => {
    fc.assert(
      fc.property(fc.array(ipvsOpArb, { maxLength: 60 }), fc.constantFrom('sh', 'dh', 'mh'), fc.array(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 1, maxLength: 10 }), (ops, sched, clients) => {
        const { ipvs } = newIpvs();
        ipvs.addService({ protocol: 6, addr: 0x0a600064, port: 80, scheduler: sched });
        for (const op of ops) if (op.op === 'addDest' || op.op === 'editDest' || op.op === 'delDest') apply(ipvs, { ...op, svc: { protocol: 6, addr: 0x0a600064, port: 80, scheduler: 'rr', flags: 0, timeout: 0 } });
        const svc = ipvs.findService(6, 0x0a600064, 80);
        if (svc === undefined) throw new Error('service missing');
        const p = new Packet();
        p.proto = 6;
        p.dst = 0x0a600064;
        p.dport = 80;
        for (const c of clients) {
          p.src = c;
          const a = svc.scheduler.schedule(svc, p);
          const b = svc.scheduler.schedule(svc, p);
          expect(b).toBe(a);
          if (a !== null) expect(a.weight).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('-Sn output reads back to the same output', () => {
    fc.assert(
      fc.property(fc.array(ipvsOpArb, { maxLength: 80 }), (ops) => {
        const { ipvs } = newIpvs();
        for (const op of ops) apply(ipvs, op);
        const text = renderIpvsadmSave(ipvs);
        const { ipvs: again } = newIpvs();
        applyIpvsadmCommands(again, parseIpvsadmSave(text));
        expect(renderIpvsadmSave(again)).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it('the -Sn reader throws nothing but KpemuError', () => {
    fc.assert(
      fc.property(ipvsadmTextArb, (text) => {
        const { ipvs } = newIpvs();
        try {
          applyIpvsadmCommands(ipvs, parseIpvsadmSave(text));
        } catch (e) {
          if (!isKpemuError(e)) throw e;
          expect(e.location?.line).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });
});

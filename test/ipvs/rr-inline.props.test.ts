import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import type { Ipvs } from '../../src/ipvs/index.js';
import { Packet } from '../../src/packet/index.js';
import { type IpvsOp, rsAddrArb, type ServiceArb } from '../arbitraries/ipvs.js';
import { newIpvs } from './support.js';

/** IPVS operations, with rr services most of the time and real servers that overload quickly. */
type Op = IpvsOp | { readonly op: 'addDestThreshold'; readonly svc: ServiceArb; readonly addr: number; readonly port: number; readonly weight: number; readonly uThreshold: number };

// Two rr services and one of another scheduler at fixed keys, so that packets find them.
const fixed = (i: number, scheduler: ServiceArb['scheduler']): ServiceArb => ({ protocol: i === 1 ? 17 : 6, addr: (0x0a600000 + i) >>> 0, port: 80, scheduler, flags: 0, timeout: 0 });
const SERVICES = [fixed(0, 'rr'), fixed(1, 'rr'), fixed(2, 'wrr')];
const svcArb = fc.constantFrom(...SERVICES);
const destArb = { svc: svcArb, addr: rsAddrArb, port: fc.constantFrom(8080, 9090) };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: svcArb.map((svc): Op => ({ op: 'addService', svc })) },
  { weight: 1, arbitrary: svcArb.map((svc): Op => ({ op: 'delService', svc })) },
  // Many real servers on one service: past the inline capacity of its store record and back.
  { weight: 4, arbitrary: fc.record({ ...destArb, weight: fc.integer({ min: 0, max: 3 }) }).map((r): Op => ({ op: 'addDest', ...r })) },
  { weight: 2, arbitrary: fc.record({ ...destArb, weight: fc.integer({ min: 0, max: 3 }), uThreshold: fc.integer({ min: 1, max: 3 }) }).map((r): Op => ({ op: 'addDestThreshold', ...r })) },
  { weight: 2, arbitrary: fc.record({ ...destArb, weight: fc.integer({ min: 0, max: 3 }) }).map((r): Op => ({ op: 'editDest', ...r })) },
  { weight: 2, arbitrary: fc.record(destArb).map((r): Op => ({ op: 'delDest', ...r })) },
  {
    weight: 10,
    arbitrary: fc
      .record({ svc: svcArb, src: fc.integer({ min: 1, max: 40 }).map((i) => (0x0b000000 + i) >>> 0), sport: fc.integer({ min: 30000, max: 30003 }), flags: fc.constantFrom(0x02, 0x02, 0x10, 0x11, 0x04) })
      .map((r): Op => ({ op: 'packet', ...r })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }).map((seconds): Op => ({ op: 'tick', seconds })) },
);

function configure(ipvs: Ipvs, op: Op): string {
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
      case 'addDestThreshold':
        ipvs.addDest(op.svc.protocol, op.svc.addr, op.svc.port, { addr: op.addr, port: op.port, weight: op.weight, uThreshold: op.uThreshold });
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
    return 'ok';
  } catch (e) {
    if (!isKpemuError(e)) throw e;
    return e.code;
  }
}

/** Everything a scheduling decision can change, as plain data. */
function state(ipvs: Ipvs): unknown {
  return ipvs.listServices().map((s) => ({
    id: s.id,
    conns: s.conns,
    flags: s.flags,
    dests: s.dests.map((d) => [d.id, d.addr, d.port, d.weight, d.flags, d.activeConns, d.inactConns, d.persistConns, d.refcnt, d.conns]),
  }));
}

describe('inline rr over the store records', () => {
  it('schedules exactly as the RoundRobin object does, and leaves the same counters', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 40, maxLength: 250 }), (ops) => {
        const inline = newIpvs({ expireNodestConn: true, conntrack: true });
        const objects = newIpvs({ expireNodestConn: true, conntrack: true });
        objects.ipvs.inlineRr = false;
        const p = new Packet();
        // The services exist from the start (the ops delete and re-add them).
        const start: Op[] = SERVICES.map((svc) => ({ op: 'addService', svc }));
        for (const op of [...start, ...ops]) {
          if (op.op === 'tick') {
            inline.clock.advanceSeconds(op.seconds);
            objects.clock.advanceSeconds(op.seconds);
            continue;
          }
          if (op.op !== 'packet') {
            expect(configure(inline.ipvs, op)).toBe(configure(objects.ipvs, op));
            continue;
          }
          const decide = (ipvs: Ipvs) => {
            p.reset();
            p.proto = op.svc.protocol;
            p.src = op.src;
            p.sport = op.sport;
            p.dst = op.svc.addr;
            p.dport = op.svc.port;
            p.tcpFlags = p.proto === 6 ? op.flags : 0;
            const v = ipvs.schedule(p);
            return { kind: v.kind, reason: v.reason, conn: v.conn, service: v.service, dest: v.dest?.id ?? null, destAddr: v.destAddr, destPort: v.destPort };
          };
          expect(decide(inline.ipvs)).toEqual(decide(objects.ipvs));
        }
        expect(state(inline.ipvs)).toEqual(state(objects.ipvs));
      }),
      { numRuns: 200 },
    );
  });
});

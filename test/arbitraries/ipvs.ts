/**
 * fast-check arbitraries for IPVS: service configurations (small address pools so services and
 * real servers collide), configuration operations and client packets.
 */
import fc from 'fast-check';
import { SCHEDULER_NAMES, type SchedulerName } from '../../src/ipvs/index.js';

export const vipArb = fc.integer({ min: 1, max: 6 }).map((i) => (0x0a600000 + i) >>> 0);
export const rsAddrArb = fc.integer({ min: 1, max: 12 }).map((i) => (0x0af40000 + i) >>> 0);
export const protoArb = fc.constantFrom(6, 17);
export const schedulerArb = fc.constantFrom<SchedulerName>(...SCHEDULER_NAMES);

export interface ServiceArb {
  readonly protocol: number;
  readonly addr: number;
  readonly port: number;
  readonly scheduler: SchedulerName;
  readonly flags: number;
  readonly timeout: number;
}

export const serviceArb: fc.Arbitrary<ServiceArb> = fc.record({
  protocol: protoArb,
  addr: vipArb,
  port: fc.constantFrom(53, 80, 443),
  scheduler: schedulerArb,
  flags: fc.constantFrom(0, 0, 1, 0x08, 0x10, 0x18, 0x11),
  timeout: fc.constantFrom(0, 30, 10800),
});

export type IpvsOp =
  | { readonly op: 'addService'; readonly svc: ServiceArb }
  | { readonly op: 'delService'; readonly svc: ServiceArb }
  | { readonly op: 'addDest' | 'editDest'; readonly svc: ServiceArb; readonly addr: number; readonly port: number; readonly weight: number }
  | { readonly op: 'delDest'; readonly svc: ServiceArb; readonly addr: number; readonly port: number }
  | { readonly op: 'packet'; readonly svc: ServiceArb; readonly src: number; readonly sport: number; readonly flags: number }
  | { readonly op: 'tick'; readonly seconds: number };

export const ipvsOpArb: fc.Arbitrary<IpvsOp> = fc.oneof(
  serviceArb.map((svc) => ({ op: 'addService' as const, svc })),
  serviceArb.map((svc) => ({ op: 'delService' as const, svc })),
  fc.record({ svc: serviceArb, addr: rsAddrArb, port: fc.constantFrom(8080, 9090), weight: fc.integer({ min: 0, max: 5 }) }).map((r) => ({ op: 'addDest' as const, ...r })),
  fc.record({ svc: serviceArb, addr: rsAddrArb, port: fc.constantFrom(8080, 9090), weight: fc.integer({ min: 0, max: 5 }) }).map((r) => ({ op: 'editDest' as const, ...r })),
  fc.record({ svc: serviceArb, addr: rsAddrArb, port: fc.constantFrom(8080, 9090) }).map((r) => ({ op: 'delDest' as const, ...r })),
  fc
    .record({ svc: serviceArb, src: fc.integer({ min: 1, max: 30 }).map((i) => (0x0b000000 + i) >>> 0), sport: fc.integer({ min: 30000, max: 30010 }), flags: fc.constantFrom(0x02, 0x10, 0x11, 0x04, 0x12) })
    .map((r) => ({ op: 'packet' as const, ...r })),
  fc.integer({ min: 1, max: 400 }).map((seconds) => ({ op: 'tick' as const, seconds })),
);

/** Lines that look like `ipvsadm -Sn` output, plus noise. */
export const ipvsadmTextArb = fc
  .array(
    fc.oneof(
      fc.array(
        fc.constantFrom('-A', '-a', '-t', '-u', '--sctp-service', '10.0.0.1:80', '10.0.0.2', '-s', 'rr', 'mh', 'lblc', '-p', '300', '-M', '255.255.0.0', '-b', 'mh-port', 'bogus', '-r', '10.1.0.1:8080', '-m', '-g', '-w', '3', '-1', '-x', '65536', '-f', '1'),
        { maxLength: 9 },
      ).map((ws) => ws.join(' ')),
      fc.string({ maxLength: 20 }),
    ),
    { maxLength: 12 },
  )
  .map((ls) => ls.join('\n'));

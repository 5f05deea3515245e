import fc from 'fast-check';
import { CT_INFO, Packet } from '../../src/packet/index.js';

/** Random packets over the fields rules look at (addresses from a small pool so rules hit). */
export const ADDRESS_POOL = [0x0a000002, 0x0a000001, 0xac1e0029, 0xc0a80002, 0x7f000001, 0xcb007102, 0x01020304, 0];

export interface PacketSpec {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  readonly tcpFlags: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly mark: number;
  readonly ctInfo: number;
  readonly ctIndex: number;
  readonly inDev: string;
  readonly outDev: string;
  readonly ttl: number;
}

const addr = fc.oneof(fc.constantFrom(...ADDRESS_POOL), fc.integer({ min: 0, max: 0xffffffff }));
const port = fc.oneof(fc.constantFrom(0, 22, 53, 80, 443, 3001, 8080, 65535), fc.integer({ min: 0, max: 65535 }));

export const packetSpecArb: fc.Arbitrary<PacketSpec> = fc.record({
  src: addr,
  dst: addr,
  proto: fc.constantFrom(1, 6, 17, 132, 47),
  sport: port,
  dport: port,
  tcpFlags: fc.integer({ min: 0, max: 255 }),
  icmpType: fc.constantFrom(0, 3, 8, 11, 255),
  icmpCode: fc.integer({ min: 0, max: 15 }),
  mark: fc.oneof(fc.constantFrom(0, 0x4000, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff })),
  ctInfo: fc.constantFrom(CT_INFO.NEW, CT_INFO.ESTABLISHED, CT_INFO.RELATED, CT_INFO.INVALID, CT_INFO.UNTRACKED),
  ctIndex: fc.constantFrom(-1, 0, 7),
  inDev: fc.constantFrom('', 'eth0', 'cni0', 'veth1', 'lo'),
  outDev: fc.constantFrom('', 'eth0', 'cni0', 'flannel.1'),
  ttl: fc.integer({ min: 1, max: 255 }),
});

export function packetOf(s: PacketSpec): Packet {
  const p = new Packet();
  p.src = s.src >>> 0;
  p.dst = s.dst >>> 0;
  p.proto = s.proto;
  p.sport = s.sport;
  p.dport = s.dport;
  p.tcpFlags = s.tcpFlags;
  p.icmpType = s.icmpType;
  p.icmpCode = s.icmpCode;
  p.mark = s.mark >>> 0;
  p.ctInfo = s.ctInfo as Packet['ctInfo'];
  p.ctIndex = s.ctIndex;
  p.inDev = s.inDev;
  p.outDev = s.outDev;
  p.ttl = s.ttl;
  return p;
}

import { parseIpv4 } from '../../src/addr/index.js';
import { ManualClock } from '../../src/core/index.js';
import { Ipvs, type IpvsOptions } from '../../src/ipvs/index.js';
import { Packet, TCP_FLAGS } from '../../src/packet/index.js';

export function ip(text: string): number {
  return parseIpv4(text);
}

export const SYN = TCP_FLAGS.SYN;
export const ACK = TCP_FLAGS.ACK;
export const FIN = TCP_FLAGS.FIN;
export const RST = TCP_FLAGS.RST;

/** An IPVS model on a manual clock. */
export function newIpvs(opts: Partial<Omit<IpvsOptions, 'clock'>> = {}): { ipvs: Ipvs; clock: ManualClock } {
  const clock = new ManualClock(0);
  return { ipvs: new Ipvs({ clock, ...opts }), clock };
}

/** A packet; TCP with SYN by default. */
export function pkt(src: string, sport: number, dst: string, dport: number, proto = 6, tcpFlags: number = SYN): Packet {
  const p = new Packet();
  p.src = ip(src);
  p.sport = sport;
  p.dst = ip(dst);
  p.dport = dport;
  p.proto = proto;
  p.tcpFlags = proto === 6 ? tcpFlags : 0;
  return p;
}

/** Adds a TCP service and real servers in the given order (the kernel lists them newest first). */
export function service(ipvs: Ipvs, vip: string, port: number, scheduler: string, dests: readonly [string, number][], flags = 0, timeout = 0, proto = 6): void {
  ipvs.addService({ protocol: proto, addr: ip(vip), port, scheduler, flags, timeout });
  for (const [addr, weight] of dests) ipvs.addDest(proto, ip(vip), port, { addr: ip(addr), port: 8080, weight, fwd: 'masq' });
}

export function dotted(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

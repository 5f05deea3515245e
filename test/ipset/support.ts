import { ManualClock, SeededRng } from '../../src/core/index.js';
import { IpsetRegistry } from '../../src/ipset/index.js';
import { Packet } from '../../src/packet/index.js';
import { parseIpv4 } from '../../src/addr/index.js';

/** A registry on a manual clock with a fixed Rng. */
export function newRegistry(seed = 1): { reg: IpsetRegistry; clock: ManualClock } {
  const clock = new ManualClock(1_000_000);
  return { reg: new IpsetRegistry(clock, new SeededRng(seed)), clock };
}

export function ip(text: string): number {
  return parseIpv4(text);
}

/** A packet from src:sport to dst:dport with protocol (default TCP). */
export function pkt(src: string, dst: string, sport = 40000, dport = 80, proto = 6): Packet {
  const p = new Packet();
  p.src = ip(src);
  p.dst = ip(dst);
  p.sport = sport;
  p.dport = dport;
  p.proto = proto;
  return p;
}

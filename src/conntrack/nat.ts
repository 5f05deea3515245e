import type { Rng } from '../core/index.js';
import { CT_STATUS } from './status.js';
import type { ConntrackTable } from './table.js';

/** Which side of a tuple a NAT hook rewrites: SRC at POSTROUTING/INPUT, DST at PREROUTING/OUTPUT. */
export const MANIP = { SRC: 0, DST: 1 } as const;
export type ManipType = (typeof MANIP)[keyof typeof MANIP];

/**
 * A NAT range as nf_nat_range2 carries it. Addresses are uint32; ports are host order.
 * With `hasAddr` false the current address is kept (a null binding or a ports-only range).
 */
export interface NatRequest {
  hasAddr: boolean;
  addrLo: number;
  addrHi: number;
  hasPorts: boolean;
  portLo: number;
  portHi: number;
  /** --random / --random-fully: skip "keep the original port" and start the search at random. */
  randomAll: boolean;
  persistent: boolean;
}

/** Reusable request object: filled per new connection, never allocated per packet. */
export function emptyNatRequest(): NatRequest {
  return { hasAddr: false, addrLo: 0, addrHi: 0, hasPorts: false, portLo: 0, portHi: 0, randomAll: false, persistent: false };
}

/** Candidate original-direction tuple being built by setupNat. */
const cand = { src: 0, dst: 0, sport: 0, dport: 0 };

/**
 * True when the candidate (as an original-direction tuple) would give a reply tuple that another
 * connection already owns (nf_nat_used_tuple).
 */
function usedTuple(t: ConntrackTable, idx: number, proto: number): boolean {
  // The reply of the candidate is (dst -> src); ICMP keeps its identifier in the sport slot.
  if (proto === 1) return t.tupleTaken(cand.dst, cand.src, cand.sport, cand.dport, proto, idx);
  return t.tupleTaken(cand.dst, cand.src, cand.dport, cand.sport, proto, idx);
}

function keyPort(m: ManipType, proto: number): number {
  if (proto === 1) return cand.sport; // ICMP echo identifier
  return m === MANIP.SRC ? cand.sport : cand.dport;
}

function setKeyPort(m: ManipType, proto: number, port: number): void {
  if (proto === 1 || m === MANIP.SRC) cand.sport = port;
  else cand.dport = port;
}

/**
 * The last chance of get_unique_tuple (nf_nat_l4proto_unique_tuple): walk the port range from an
 * offset until a free tuple is found, in rounds of at most 128 attempts. Returns false when none
 * is free (the kernel then keeps the clashing tuple and the packet is dropped at confirmation).
 */
function uniquePort(t: ConntrackTable, idx: number, proto: number, m: ManipType, req: NatRequest, rng: Rng): boolean {
  if (proto !== 6 && proto !== 17 && proto !== 132 && proto !== 1) return !usedTuple(t, idx, proto);
  let min: number;
  let size: number;
  const current = keyPort(m, proto);
  if (!req.hasPorts) {
    // Without a port range a destination rewrite cannot move the port.
    if (m === MANIP.DST && proto !== 1) return !usedTuple(t, idx, proto);
    if (proto === 1) {
      min = 0;
      size = 65536;
    } else if (current < 1024) {
      // Privileged source ports stay privileged (512-1023 are left for credential passing).
      if (current < 512) {
        min = 1;
        size = 511;
      } else {
        min = 600;
        size = 1023 - 600 + 1;
      }
    } else {
      min = 1024;
      size = 65535 - 1024 + 1;
    }
  } else {
    min = req.portLo;
    size = req.portHi - req.portLo + 1;
  }
  let off = req.randomAll || m !== MANIP.DST ? rng.nextU32() & 0xffff : 0;
  let attempts = Math.min(size, 128);
  for (let round = 0; round < 16; round++) {
    for (let i = 0; i < attempts; i++, off++) {
      setKeyPort(m, proto, min + (off % size));
      if (!usedTuple(t, idx, proto)) return true;
    }
    if (attempts >= size || attempts < 16) return false;
    attempts = attempts >> 1;
    off = rng.nextU32() & 0xffff;
  }
  return false;
}

function inRange(m: ManipType, proto: number, req: NatRequest): boolean {
  const addr = m === MANIP.SRC ? cand.src : cand.dst;
  if (req.hasAddr && (addr < req.addrLo || addr > req.addrHi)) return false;
  if (req.hasPorts) {
    const p = keyPort(m, proto);
    if (p < req.portLo || p > req.portHi) return false;
  }
  return true;
}

/** A stable choice of address in the range for a tuple (the kernel hashes the source address). */
function pickAddress(req: NatRequest): number {
  if (req.addrLo === req.addrHi) return req.addrLo;
  let h = Math.imul(cand.src ^ (req.persistent ? 0 : cand.dst), 0x9e3779b1) >>> 0;
  h ^= h >>> 15;
  const dist = req.addrHi - req.addrLo + 1;
  return (req.addrLo + Math.floor(((h >>> 0) / 4294967296) * dist)) >>> 0;
}

/**
 * Sets up the NAT binding of a new connection for one manip type (nf_nat_setup_info +
 * get_unique_tuple). Updates the reply tuple and the status bits.
 */
export function setupNat(t: ConntrackTable, idx: number, m: ManipType, req: NatRequest, rng: Rng): void {
  const proto = t.proto[idx] as number;
  // The current original-direction tuple is the inverse of the reply tuple.
  cand.src = t.rDst[idx] as number;
  cand.dst = t.rSrc[idx] as number;
  if (proto === 1) {
    cand.sport = t.rSport[idx] as number;
    cand.dport = t.rDport[idx] as number;
  } else {
    cand.sport = t.rDport[idx] as number;
    cand.dport = t.rSport[idx] as number;
  }
  const origSrc = cand.src;
  const origDst = cand.dst;
  const origSport = cand.sport;
  const origDport = cand.dport;

  let done = false;
  if (m === MANIP.SRC && !req.randomAll && inRange(m, proto, req) && !usedTuple(t, idx, proto)) done = true;
  if (!done) {
    if (req.hasAddr) {
      if (m === MANIP.SRC) cand.src = pickAddress(req);
      else cand.dst = pickAddress(req);
    }
    let needSearch = true;
    if (!req.randomAll) {
      if (req.hasPorts) {
        const p = keyPort(m, proto);
        if (p >= req.portLo && p <= req.portHi && (req.portLo === req.portHi || !usedTuple(t, idx, proto))) needSearch = false;
      } else if (!usedTuple(t, idx, proto)) needSearch = false;
    }
    // When no free tuple exists the kernel keeps the last candidate; the clash then drops the
    // packet when the connection is confirmed.
    if (needSearch) uniquePort(t, idx, proto, m, req, rng);
  }

  // Reply tuple = inverse of the chosen original-direction tuple.
  t.rSrc[idx] = cand.dst;
  t.rDst[idx] = cand.src;
  if (proto === 1) {
    t.rSport[idx] = cand.sport;
    t.rDport[idx] = cand.dport;
  } else {
    t.rSport[idx] = cand.dport;
    t.rDport[idx] = cand.sport;
  }
  let st = t.status[idx] as number;
  const changed = cand.src !== origSrc || cand.dst !== origDst || cand.sport !== origSport || cand.dport !== origDport;
  if (changed) st |= m === MANIP.SRC ? CT_STATUS.SRC_NAT : CT_STATUS.DST_NAT;
  st |= m === MANIP.SRC ? CT_STATUS.SRC_NAT_DONE : CT_STATUS.DST_NAT_DONE;
  t.status[idx] = st;
}

/** True when the connection's binding for manip type `m` is already set up. */
export function natInitialized(t: ConntrackTable, idx: number, m: ManipType): boolean {
  return ((t.status[idx] as number) & (m === MANIP.SRC ? CT_STATUS.SRC_NAT_DONE : CT_STATUS.DST_NAT_DONE)) !== 0;
}

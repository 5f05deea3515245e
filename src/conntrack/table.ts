import type { Clock } from '../core/index.js';
import { CT_STATUS, DEFAULT_TIMEOUTS, TCP_STATE, type ConntrackTimeouts } from './status.js';
import { TupleHash } from './tuple-hash.js';

/**
 * The connection table of one network namespace. Each connection has an original and a reply
 * tuple (src, dst, sport, dport, proto); confirmed connections are findable by either tuple in
 * an open-addressing hash. Columns are typed arrays indexed by connection index; a free list
 * recycles indexes. Expiry is lazy: an expired connection is freed when a lookup finds it.
 *
 * For ICMP echo the "ports" are the echo identifier (sport) and 0 (dport) in both directions.
 */
export class ConntrackTable {
  private capacity = 0;
  oSrc = new Uint32Array(0);
  oDst = new Uint32Array(0);
  oSport = new Uint16Array(0);
  oDport = new Uint16Array(0);
  rSrc = new Uint32Array(0);
  rDst = new Uint32Array(0);
  rSport = new Uint16Array(0);
  rDport = new Uint16Array(0);
  proto = new Uint8Array(0);
  status = new Uint16Array(0);
  mark = new Uint32Array(0);
  tcpState = new Uint8Array(0);
  /** Expiry time in ms on the table's clock. */
  expires = new Float64Array(0);
  inUse = new Uint8Array(0);
  private readonly freeList: number[] = [];
  private nextFresh = 0;
  private readonly hash = new TupleHash(64, 0x2545f491);
  /** Connections allocated (confirmed or not), compared with `max`. */
  count = 0;
  /** Probes of the last lookup (machine-independent cost). */
  lastProbes = 0;

  constructor(
    readonly clock: Clock,
    /** nf_conntrack_max. */
    public max = 262144,
    readonly timeouts: ConntrackTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.grow(64);
  }

  private grow(min: number): void {
    let cap = Math.max(64, this.capacity * 2);
    while (cap < min) cap *= 2;
    const g32 = (a: Uint32Array) => {
      const n = new Uint32Array(cap);
      n.set(a);
      return n;
    };
    const g16 = (a: Uint16Array) => {
      const n = new Uint16Array(cap);
      n.set(a);
      return n;
    };
    const g8 = (a: Uint8Array) => {
      const n = new Uint8Array(cap);
      n.set(a);
      return n;
    };
    this.oSrc = g32(this.oSrc);
    this.oDst = g32(this.oDst);
    this.oSport = g16(this.oSport);
    this.oDport = g16(this.oDport);
    this.rSrc = g32(this.rSrc);
    this.rDst = g32(this.rDst);
    this.rSport = g16(this.rSport);
    this.rDport = g16(this.rDport);
    this.proto = g8(this.proto);
    this.status = g16(this.status);
    this.mark = g32(this.mark);
    this.tcpState = g8(this.tcpState);
    this.inUse = g8(this.inUse);
    const e = new Float64Array(cap);
    e.set(this.expires);
    this.expires = e;
    this.capacity = cap;
  }

  /**
   * Finds a confirmed, unexpired connection with this tuple in either direction.
   * Returns `index * 2 + direction` (0 original, 1 reply) or -1.
   */
  find(src: number, dst: number, sport: number, dport: number, proto: number): number {
    const v = this.hash.get(src, dst, sport, dport, proto);
    this.lastProbes = this.hash.lastProbes;
    if (v < 0) return -1;
    const idx = v >> 1;
    if ((this.expires[idx] as number) <= this.clock.nowMs()) {
      this.free(idx);
      return -1;
    }
    return v;
  }

  /** True when another live connection than `exclude` owns this tuple (nf_conntrack_tuple_taken). */
  tupleTaken(src: number, dst: number, sport: number, dport: number, proto: number, exclude: number): boolean {
    const v = this.find(src, dst, sport, dport, proto);
    return v >= 0 && v >> 1 !== exclude;
  }

  /**
   * Allocates an unconfirmed connection whose reply tuple is the inverse of the original.
   * Returns -1 when the table is full (the kernel drops the packet: "table full").
   */
  allocate(src: number, dst: number, sport: number, dport: number, proto: number, timeoutSeconds: number): number {
    if (this.count >= this.max) return -1;
    let idx = this.freeList.pop();
    if (idx === undefined) {
      if (this.nextFresh >= this.capacity) this.grow(this.nextFresh + 1);
      idx = this.nextFresh++;
    }
    this.count++;
    this.inUse[idx] = 1;
    this.oSrc[idx] = src;
    this.oDst[idx] = dst;
    this.oSport[idx] = sport;
    this.oDport[idx] = dport;
    this.proto[idx] = proto;
    // ICMP echo: the reply tuple keeps the identifier in the sport slot.
    const icmp = proto === 1;
    this.rSrc[idx] = dst;
    this.rDst[idx] = src;
    this.rSport[idx] = icmp ? sport : dport;
    this.rDport[idx] = icmp ? dport : sport;
    this.status[idx] = 0;
    this.mark[idx] = 0;
    this.tcpState[idx] = TCP_STATE.NONE;
    this.expires[idx] = this.clock.nowMs() + timeoutSeconds * 1000;
    return idx;
  }

  /**
   * Inserts both tuples into the hash. Returns false on a clash (another connection already
   * owns one of the tuples); the kernel then drops the packet.
   */
  confirm(idx: number): boolean {
    if (((this.status[idx] as number) & CT_STATUS.CONFIRMED) !== 0) return true;
    const p = this.proto[idx] as number;
    const oSrc = this.oSrc[idx] as number;
    const oDst = this.oDst[idx] as number;
    const oSport = this.oSport[idx] as number;
    const oDport = this.oDport[idx] as number;
    const rSrc = this.rSrc[idx] as number;
    const rDst = this.rDst[idx] as number;
    const rSport = this.rSport[idx] as number;
    const rDport = this.rDport[idx] as number;
    if (this.find(oSrc, oDst, oSport, oDport, p) >= 0) return false;
    if (this.find(rSrc, rDst, rSport, rDport, p) >= 0) return false;
    // Both tuples were just found absent (find frees an expired owner on the way), so they go in
    // without another probe walk; a connection whose reply tuple is its original tuple (a packet
    // from an address and port to themselves) has one entry, the reply direction, as before.
    this.hash.insertAbsent(oSrc, oDst, oSport, oDport, p, idx * 2);
    if (rSrc === oSrc && rDst === oDst && rSport === oSport && rDport === oDport) this.hash.set(rSrc, rDst, rSport, rDport, p, idx * 2 + 1);
    else this.hash.insertAbsent(rSrc, rDst, rSport, rDport, p, idx * 2 + 1);
    this.status[idx] = (this.status[idx] as number) | CT_STATUS.CONFIRMED;
    return true;
  }

  /** Releases a connection (confirmed or not). */
  free(idx: number): void {
    if (this.inUse[idx] !== 1) return;
    if (((this.status[idx] as number) & CT_STATUS.CONFIRMED) !== 0) {
      const p = this.proto[idx] as number;
      this.hash.delete(this.oSrc[idx] as number, this.oDst[idx] as number, this.oSport[idx] as number, this.oDport[idx] as number, p);
      this.hash.delete(this.rSrc[idx] as number, this.rDst[idx] as number, this.rSport[idx] as number, this.rDport[idx] as number, p);
    }
    this.inUse[idx] = 0;
    this.status[idx] = 0;
    this.count--;
    this.freeList.push(idx);
  }

  /** Sets a connection's timeout from now. */
  refresh(idx: number, seconds: number): void {
    this.expires[idx] = this.clock.nowMs() + seconds * 1000;
  }

  /** Indexes of live connections (expired ones are freed on the way), for listings. */
  liveIndexes(): number[] {
    const now = this.clock.nowMs();
    const out: number[] = [];
    for (let i = 0; i < this.nextFresh; i++) {
      if (this.inUse[i] !== 1) continue;
      if ((this.expires[i] as number) <= now) {
        this.free(i);
        continue;
      }
      out.push(i);
    }
    return out;
  }

  /**
   * Removes every connection (conntrack -F). The same end state as freeing each one in index
   * order, without removing their tuples from the hash one by one.
   */
  flush(): void {
    for (let i = 0; i < this.nextFresh; i++) {
      if (this.inUse[i] !== 1) continue;
      this.inUse[i] = 0;
      this.status[i] = 0;
      this.count--;
      this.freeList.push(i);
    }
    this.hash.clear();
  }

  /** Bytes held by the columns and hash (for memory reports). */
  get byteLength(): number {
    return this.capacity * (4 * 5 + 2 * 5 + 1 * 3 + 8) + this.hash.byteLength;
  }
}

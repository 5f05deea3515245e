import { ConnIndex } from './conn-index.js';
import { ExpiryHeap } from './expiry-heap.js';

/**
 * IPVS connections (struct ip_vs_conn) as columns of typed arrays, with two open-addressing
 * indexes: by client tuple (protocol, client addr/port, virtual addr/port) for requests, templates
 * included under their own key kind, and by reply tuple (protocol, real server addr/port, client
 * addr/port) for responses. Slots are recycled through a free list; a generation counter tells a
 * recycled slot from the connection an old heap entry refers to.
 */
export class ConnTable {
  private cap: number;
  flags: Uint16Array;
  proto: Uint8Array;
  state: Uint8Array;
  caddr: Uint32Array;
  vaddr: Uint32Array;
  daddr: Uint32Array;
  cport: Uint16Array;
  vport: Uint16Array;
  dport: Uint16Array;
  /** Destination id (see Ipvs), -1 when none. */
  dest: Int32Array;
  /** Service id that scheduled the connection. */
  svc: Int32Array;
  /** Controlling template's slot, -1 when none. */
  control: Int32Array;
  /** Connections this template controls. */
  nControl: Int32Array;
  /** Absolute expiry, ms on the IPVS clock. */
  expires: Float64Array;
  /** Current timeout in ms (set by the state machine). */
  timeout: Float64Array;
  gen: Uint32Array;
  /** 1 while in the request index (an invalidated template is taken out but lives on). */
  hashed: Uint8Array;
  live: Uint8Array;
  private free: Int32Array;
  private freeTop = 0;
  private next = 0;
  private count = 0;
  private readonly inIndex = new ConnIndex(1024, 0x2f8a9c31);
  private readonly outIndex = new ConnIndex(1024, 0x7d1e3b55);
  readonly heap = new ExpiryHeap(1024);
  /** Slots inspected by the most recent lookup. */
  lastProbes = 0;

  constructor(capacity = 1024) {
    this.cap = capacity;
    this.flags = new Uint16Array(capacity);
    this.proto = new Uint8Array(capacity);
    this.state = new Uint8Array(capacity);
    this.caddr = new Uint32Array(capacity);
    this.vaddr = new Uint32Array(capacity);
    this.daddr = new Uint32Array(capacity);
    this.cport = new Uint16Array(capacity);
    this.vport = new Uint16Array(capacity);
    this.dport = new Uint16Array(capacity);
    this.dest = new Int32Array(capacity);
    this.svc = new Int32Array(capacity);
    this.control = new Int32Array(capacity);
    this.nControl = new Int32Array(capacity);
    this.expires = new Float64Array(capacity);
    this.timeout = new Float64Array(capacity);
    this.gen = new Uint32Array(capacity);
    this.hashed = new Uint8Array(capacity);
    this.live = new Uint8Array(capacity);
    this.free = new Int32Array(capacity);
  }

  /** Live connections and templates. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the columns and indexes. */
  get byteLength(): number {
    return this.cap * 61 + this.inIndex.byteLength + this.outIndex.byteLength;
  }

  /** A fresh slot (allocation only when the table grows). */
  alloc(): number {
    let i: number;
    if (this.freeTop > 0) i = this.free[--this.freeTop] as number;
    else {
      if (this.next === this.cap) this.grow();
      i = this.next++;
    }
    this.live[i] = 1;
    this.gen[i] = ((this.gen[i] as number) + 1) >>> 0;
    this.control[i] = -1;
    this.nControl[i] = 0;
    this.hashed[i] = 0;
    this.count++;
    return i;
  }

  release(i: number): void {
    this.live[i] = 0;
    this.hashed[i] = 0;
    this.free[this.freeTop++] = i;
    this.count--;
  }

  /** Index of a request-direction entry (kind 0 connection, 1 template), or -1. */
  lookupIn(kind: number, proto: number, caddr: number, cport: number, vaddr: number, vport: number): number {
    const r = this.inIndex.get((kind << 8) | proto, caddr, (cport << 16) | vport, vaddr);
    this.lastProbes = this.inIndex.lastProbes;
    return r;
  }

  /** Index of the connection a reply from daddr:dport to caddr:cport belongs to, or -1. */
  lookupOut(proto: number, daddr: number, dport: number, caddr: number, cport: number): number {
    const r = this.outIndex.get(proto, daddr, (dport << 16) | cport, caddr);
    this.lastProbes = this.outIndex.lastProbes;
    return r;
  }

  /** Puts slot `i` in the indexes; `kind` 1 marks a template (no reply index). */
  hash(i: number, kind: number): void {
    const proto = this.proto[i] as number;
    const caddr = this.caddr[i] as number;
    const cport = this.cport[i] as number;
    this.inIndex.set((kind << 8) | proto, caddr, (cport << 16) | (this.vport[i] as number), this.vaddr[i] as number, i);
    if (kind === 0) this.outIndex.set(proto, this.daddr[i] as number, ((this.dport[i] as number) << 16) | cport, caddr, i);
    this.hashed[i] = 1;
  }

  /** Takes slot `i` out of the indexes. */
  unhash(i: number, kind: number): void {
    if (this.hashed[i] !== 1) return;
    const proto = this.proto[i] as number;
    const caddr = this.caddr[i] as number;
    const cport = this.cport[i] as number;
    this.inIndex.delete((kind << 8) | proto, caddr, (cport << 16) | (this.vport[i] as number), this.vaddr[i] as number);
    if (kind === 0) this.outIndex.delete(proto, this.daddr[i] as number, ((this.dport[i] as number) << 16) | cport, caddr);
    this.hashed[i] = 0;
  }

  /** Calls `fn` for every live slot (listing order: slot order). */
  forEach(fn: (i: number) => void): void {
    for (let i = 0; i < this.next; i++) if (this.live[i] === 1) fn(i);
  }

  clear(): void {
    this.inIndex.clear();
    this.outIndex.clear();
    this.heap.clear();
    this.live.fill(0);
    this.hashed.fill(0);
    this.freeTop = 0;
    this.next = 0;
    this.count = 0;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    this.flags = g(this.flags, (n) => new Uint16Array(n));
    this.proto = g(this.proto, (n) => new Uint8Array(n));
    this.state = g(this.state, (n) => new Uint8Array(n));
    this.caddr = g(this.caddr, (n) => new Uint32Array(n));
    this.vaddr = g(this.vaddr, (n) => new Uint32Array(n));
    this.daddr = g(this.daddr, (n) => new Uint32Array(n));
    this.cport = g(this.cport, (n) => new Uint16Array(n));
    this.vport = g(this.vport, (n) => new Uint16Array(n));
    this.dport = g(this.dport, (n) => new Uint16Array(n));
    this.dest = g(this.dest, (n) => new Int32Array(n));
    this.svc = g(this.svc, (n) => new Int32Array(n));
    this.control = g(this.control, (n) => new Int32Array(n));
    this.nControl = g(this.nControl, (n) => new Int32Array(n));
    this.expires = g(this.expires, (n) => new Float64Array(n));
    this.timeout = g(this.timeout, (n) => new Float64Array(n));
    this.gen = g(this.gen, (n) => new Uint32Array(n));
    this.hashed = g(this.hashed, (n) => new Uint8Array(n));
    this.live = g(this.live, (n) => new Uint8Array(n));
    this.free = g(this.free, (n) => new Int32Array(n));
    this.cap = cap;
  }
}

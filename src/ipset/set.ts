import { type ErrorCode, maskOfLength } from '../core/index.js';
import type { Packet } from '../packet/index.js';
import { decodeKey, encodeKey, formatElement, IPPROTO_ICMP, netCodecOf, protoHasPorts } from './element.js';
import type { ParsedElement } from './entry-parse.js';
import { ADD_EXISTS, ADD_FULL, ADD_OK, ADD_RESIZE, COUNTER_UNSET, KernelHashTable } from './hash-table.js';
import { ipWord, portBits } from './jhash.js';
import { NetPrefixes } from './net-prefixes.js';
import { PortBitmap } from './port-bitmap.js';
import { type ElementValue, type EntryExtensions, type ListedEntry, SET_TYPES, type SetOptions, type SetTypeInfo, type SetTypeName } from './types.js';

/** An error the kernel returns for one element (the registry turns it into a KpemuError). */
export interface ElementError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Flags of the `-m set` directions: bit i set means dimension i+1 reads the source side. */
export const DIR_SRC_1 = 1;
export const DIR_SRC_2 = 2;
export const DIR_SRC_3 = 4;

const ERR_EXISTS: ElementError = { code: 'IPSET_EXISTS', message: "Element cannot be added to the set: it's already added" };
const ERR_FULL: ElementError = { code: 'IPSET_FULL', message: 'Hash is full, cannot add more elements' };
const ERR_NOT_ADDED: ElementError = { code: 'IPSET_NOT_MEMBER', message: "Element cannot be deleted from the set: it's not added" };

/**
 * One ipset's contents in the kernel: its type, create options, and storage (a kernel-layout hash
 * table, or a port bitmap). Names and references live in the registry. Element operations follow
 * the kernel's uadt functions (userspace add/del/test, with range loops); {@link testPacket} is the
 * kadt side that `-m set` calls per packet, allocation-free.
 */
export class IpSet {
  readonly info: SetTypeInfo;
  private table: KernelHashTable | null;
  private bitmap: PortBitmap | null;
  private readonly nets: NetPrefixes | null;
  /** Scratch key, reused by every lookup. */
  private readonly key = new Uint32Array(3);
  /** Buckets hashed by the most recent packet test (1, or one per stored prefix length for net types). */
  lastProbes = 0;
  /** Stored elements compared by the most recent packet test. */
  lastCompares = 0;

  constructor(
    readonly type: SetTypeName,
    readonly options: SetOptions,
  ) {
    this.info = SET_TYPES[type];
    const codec = netCodecOf(type);
    this.nets = codec !== undefined ? new NetPrefixes(32) : null;
    if (this.info.kind === 'bitmap') {
      this.table = null;
      this.bitmap = new PortBitmap(options.rangeFrom, options.rangeTo, options.timeout !== undefined, options.counters, options.comment);
    } else {
      this.bitmap = null;
      const nets = this.nets;
      this.table = new KernelHashTable({
        keyWords: this.info.keyWords,
        hashsize: options.hashsize,
        bucketsize: options.bucketsize,
        maxelem: options.maxelem,
        initval: options.initval,
        withTimeout: options.timeout !== undefined,
        withCounters: options.counters,
        withComment: options.comment,
        ...(codec !== undefined && nets !== null
          ? { net: { codec, add: (len: number) => nets.add(len), del: (len: number) => nets.delete(len) } }
          : {}),
      });
    }
  }

  /** Current number of hash buckets (0 for bitmaps). */
  get hashsize(): number {
    return this.table?.hashsize ?? 0;
  }

  /** Live elements (timed-out ones excluded). */
  size(nowMs: number): number {
    return this.table?.liveCount(nowMs) ?? this.bitmap?.liveCount(nowMs) ?? 0;
  }

  get byteLength(): number {
    return this.table?.byteLength ?? this.bitmap?.byteLength ?? 0;
  }

  /** Checks the extensions an element carries against the set's (kernel ip_set_get_extensions). */
  private checkExtensions(ext: EntryExtensions): ElementError | null {
    if (ext.timeout !== undefined && this.options.timeout === undefined)
      return { code: 'IPSET_BAD_ENTRY', message: 'Timeout cannot be used: set was created without timeout support' };
    if ((ext.packets !== undefined || ext.bytes !== undefined) && !this.options.counters)
      return { code: 'IPSET_BAD_ENTRY', message: 'Packet/byte counters cannot be used: set was created without counter support' };
    if (ext.comment !== undefined && !this.options.comment)
      return { code: 'IPSET_BAD_ENTRY', message: 'Comment cannot be used: set was created without comment support' };
    return null;
  }

  /** Kernel checks of one element's values. */
  private checkElement(e: ElementValue): ElementError | null {
    if (this.info.netDimension !== 0 && (e.cidr < 1 || e.cidr > 32))
      return { code: 'IPSET_BAD_ENTRY', message: 'The value of the CIDR parameter of the IP address is invalid' };
    // The kernel refuses a zero first address in these two types (and only these).
    if (this.type === 'hash:ip' && e.ip === 0) return { code: 'IPSET_BAD_ENTRY', message: 'Null-valued element, cannot be stored in a hash type of set' };
    if (this.type === 'hash:ip,port' && e.ip === 0) return { code: 'IPSET_BAD_ENTRY', message: 'Kernel error received: Invalid argument' };
    if (this.bitmap !== null && !this.bitmap.inRange(e.port)) return { code: 'IPSET_BAD_ENTRY', message: 'Element is out of the range of the set' };
    return null;
  }

  /** Adds one element (no ranges). Returns null on success. */
  addElement(e: ElementValue, ext: EntryExtensions, nowMs: number, exist: boolean): ElementError | null {
    const bad = this.checkExtensions(ext) ?? this.checkElement(e);
    if (bad !== null) return bad;
    const timeout = ext.timeout ?? this.options.timeout ?? 0;
    const packets = ext.packets ?? COUNTER_UNSET;
    const bytes = ext.bytes ?? COUNTER_UNSET;
    if (this.bitmap !== null) {
      return this.bitmap.add(e.port, nowMs, exist, timeout, packets, bytes, ext.comment) ? null : ERR_EXISTS;
    }
    const table = this.table as KernelHashTable;
    encodeKey(this.type, e, this.key);
    for (;;) {
      const r = table.add(this.key, nowMs, exist, timeout, packets, bytes, ext.comment, ext.nomatch === true);
      switch (r) {
        case ADD_OK:
          return null;
        case ADD_EXISTS:
          return exist ? null : ERR_EXISTS;
        case ADD_FULL:
          return ERR_FULL;
        case ADD_RESIZE:
          if (!table.resize(nowMs)) return ERR_FULL;
          continue;
        default:
          throw new Error(`unexpected add result ${r}`);
      }
    }
  }

  /** Deletes one element. Returns null on success. */
  delElement(e: ElementValue, nowMs: number, exist: boolean): ElementError | null {
    const bad = this.checkElement(e);
    if (bad !== null) return bad;
    let ok: boolean;
    if (this.bitmap !== null) ok = this.bitmap.del(e.port, nowMs);
    else {
      encodeKey(this.type, e, this.key);
      ok = (this.table as KernelHashTable).del(this.key, nowMs);
    }
    return ok || exist ? null : ERR_NOT_ADDED;
  }

  /**
   * Adds a parsed element, expanding address and port ranges as the kernel's uadt loops do
   * (address outer, port inner), stopping at the first error that `-exist` does not excuse.
   */
  addParsed(p: ParsedElement, ext: EntryExtensions, nowMs: number, exist: boolean): ElementError | null {
    return this.loop(p, (e) => this.addElement(e, ext, nowMs, exist));
  }

  delParsed(p: ParsedElement, nowMs: number, exist: boolean): ElementError | null {
    return this.loop(p, (e) => this.delElement(e, nowMs, exist));
  }

  private loop(p: ParsedElement, fn: (e: ElementValue) => ElementError | null): ElementError | null {
    const cidr = this.info.netDimension !== 0 ? p.cidr : 0;
    for (let ip = p.ipFrom; ip <= p.ipTo; ip++) {
      for (let port = p.portFrom; port <= p.portTo; port++) {
        const err = fn({ ip, proto: p.proto, port, ip2: p.ip2, cidr });
        if (err !== null) return err;
      }
    }
    return null;
  }

  /** `ipset test` of a parsed element (the first address and port of a range, as the kernel does). */
  testParsed(p: ParsedElement, nowMs: number): boolean {
    const e: ElementValue = {
      ip: this.info.netDimension === 1 ? p.ipFrom : p.ip,
      proto: p.proto,
      port: p.portFrom,
      ip2: p.ip2,
      cidr: this.info.netDimension !== 0 ? p.cidr : 0,
    };
    if (this.bitmap !== null) return this.bitmap.inRange(e.port) && this.bitmap.has(e.port, nowMs);
    if (this.checkElement(e) !== null) return false;
    // A host-sized network is tested against every stored prefix length; an explicit shorter
    // prefix must be stored exactly.
    if (this.info.netDimension !== 0 && e.cidr === 32) return this.testCidrs(e.ip, e.proto, e.port, e.ip2, nowMs, 0) === 1;
    encodeKey(this.type, e, this.key);
    const slot = (this.table as KernelHashTable).find(this.key);
    return slot >= 0 && !(this.table as KernelHashTable).isExpired(slot, nowMs) && !(this.table as KernelHashTable).isNomatch(slot);
  }

  /**
   * mtype_test_cidrs: probes the stored prefix lengths longest first; the first stored network
   * containing the address decides (a `nomatch` one says no). Returns 1 (match), 0 (none) or -1
   * (nomatch). Counts matched packets when `countBytes` > 0.
   */
  private testCidrs(ip: number, proto: number, port: number, ip2: number, nowMs: number, countBytes: number): number {
    const table = this.table as KernelHashTable;
    const nets = this.nets as NetPrefixes;
    const key = this.key;
    let probes = 0;
    let compares = 0;
    let result = 0;
    for (let j = 0; ; j++) {
      const len = nets.lengthAt(j);
      if (len === 0) break;
      const mask = maskOfLength(len);
      if (this.type === 'hash:net') {
        key[0] = ipWord((ip & mask) >>> 0);
        key[1] = (len << 24) >>> 0;
      } else {
        key[0] = ipWord(ip);
        key[1] = ipWord((ip2 & mask) >>> 0);
        key[2] = (portBits(port) | ((len - 1) << 16) | (proto << 24)) >>> 0;
      }
      probes++;
      const slot = table.find(key);
      compares += table.lastCompares;
      if (slot < 0 || table.isExpired(slot, nowMs)) continue;
      if (countBytes > 0) table.countPacket(slot, countBytes);
      result = table.isNomatch(slot) ? -1 : 1;
      break;
    }
    this.lastProbes = probes;
    this.lastCompares = compares;
    return result;
  }

  /**
   * The per-packet test of `-m set` (kadt): builds the element from the packet's addresses,
   * ports and protocol as `dirFlags` says (DIR_SRC_n: dimension n reads the source side), tests
   * it and counts the packet on a matching entry's counters. `dims` is the number of directions
   * the rule gave; fewer than the set's dimensions never match. Allocation-free.
   */
  testPacket(pkt: Packet, dims: number, dirFlags: number, nowMs: number): boolean {
    this.lastProbes = 0;
    this.lastCompares = 0;
    if (dims < this.info.dimension) return false;
    const src1 = (dirFlags & DIR_SRC_1) !== 0;
    switch (this.type) {
      case 'bitmap:port': {
        if (!protoHasPorts(pkt.proto)) return false;
        const port = src1 ? pkt.sport : pkt.dport;
        const bm = this.bitmap as PortBitmap;
        this.lastProbes = 1;
        if (!bm.inRange(port) || !bm.has(port, nowMs)) return false;
        bm.countPacket(port, pkt.length);
        return true;
      }
      case 'hash:net': {
        return this.testCidrs(src1 ? pkt.src : pkt.dst, 0, 0, 0, nowMs, pkt.length) === 1;
      }
      case 'hash:ip':
      case 'hash:ip,port':
      case 'hash:ip,port,ip':
      case 'hash:ip,port,net':
        break;
      default: {
        const never: never = this.type;
        return never;
      }
    }
    const ip = src1 ? pkt.src : pkt.dst;
    const key = this.key;
    key[0] = ipWord(ip);
    if (this.type === 'hash:ip') {
      if (ip === 0) return false;
      return this.probeKey(nowMs, pkt.length);
    }
    const src2 = (dirFlags & DIR_SRC_2) !== 0;
    const proto = pkt.proto;
    let port: number;
    if (protoHasPorts(proto)) port = src2 ? pkt.sport : pkt.dport;
    else if (proto === IPPROTO_ICMP) port = ((pkt.icmpType & 0xff) << 8) | (pkt.icmpCode & 0xff);
    else port = 0;
    if (this.type === 'hash:ip,port') {
      key[1] = (portBits(port) | (proto << 16)) >>> 0;
      return this.probeKey(nowMs, pkt.length);
    }
    const ip2 = (dirFlags & DIR_SRC_3) !== 0 ? pkt.src : pkt.dst;
    if (this.type === 'hash:ip,port,ip') {
      key[1] = ipWord(ip2);
      key[2] = (portBits(port) | (proto << 16)) >>> 0;
      return this.probeKey(nowMs, pkt.length);
    }
    return this.testCidrs(ip, proto, port, ip2, nowMs, pkt.length) === 1;
  }

  private probeKey(nowMs: number, bytes: number): boolean {
    const table = this.table as KernelHashTable;
    this.lastProbes = 1;
    const slot = table.find(this.key);
    this.lastCompares = table.lastCompares;
    if (slot < 0 || table.isExpired(slot, nowMs)) return false;
    table.countPacket(slot, bytes);
    return true;
  }

  flush(): void {
    this.table?.flush();
    this.bitmap?.flush();
    this.nets?.clear();
  }

  /** Drops timed-out entries (the kernel does it periodically). */
  gc(nowMs: number): void {
    this.table?.gc(nowMs);
    this.bitmap?.gc(nowMs);
  }

  /** Live entries in the kernel's listing order (hash: bucket order; bitmap: ascending port). */
  entries(nowMs: number): ListedEntry[] {
    const out: ListedEntry[] = [];
    const withTimeout = this.options.timeout !== undefined;
    const remaining = (expires: number | undefined): number | undefined => {
      if (!withTimeout || expires === undefined) return undefined;
      if (expires === Infinity) return 0;
      // ip_set_timeout_get: whole seconds left, and never 0 for a live element.
      const s = Math.floor((expires - nowMs) / 1000);
      return s <= 0 ? 1 : s;
    };
    if (this.bitmap !== null) {
      const bm = this.bitmap;
      bm.forEachPort(nowMs, (port) => {
        const element: ElementValue = { ip: 0, proto: 0, port, ip2: 0, cidr: 0 };
        out.push(this.listed(element, remaining(bm.expiresAt(port)), bm.packetsAt(port), bm.bytesAt(port), bm.commentAt(port), false));
      });
      return out;
    }
    const table = this.table as KernelHashTable;
    table.forEachSlot(nowMs, (slot) => {
      const element = decodeKey(this.type, (w) => table.keyWord(slot, w));
      out.push(this.listed(element, remaining(table.expiresAt(slot)), table.packetsAt(slot), table.bytesAt(slot), table.commentAt(slot), table.isNomatch(slot)));
    });
    return out;
  }

  private listed(
    element: ElementValue,
    timeout: number | undefined,
    packets: number,
    bytes: number,
    comment: string | undefined,
    nomatch: boolean,
  ): ListedEntry {
    return {
      element,
      text: formatElement(this.type, element),
      ...(timeout !== undefined ? { timeout } : {}),
      ...(this.options.counters ? { packets, bytes } : {}),
      ...(comment !== undefined ? { comment } : {}),
      nomatch,
    };
  }

  /** A deep copy (registry snapshots for atomic restores). */
  clone(): IpSet {
    const s = new IpSet(this.type, this.options);
    if (this.nets !== null && s.nets !== null) s.nets.copyFrom(this.nets);
    if (this.bitmap !== null) s.bitmap = this.bitmap.clone();
    if (this.table !== null && s.table !== null) {
      const nets = s.nets;
      const codec = netCodecOf(this.type);
      s.table = this.table.clone({
        keyWords: this.info.keyWords,
        hashsize: this.options.hashsize,
        bucketsize: this.options.bucketsize,
        maxelem: this.options.maxelem,
        initval: this.options.initval,
        withTimeout: this.options.timeout !== undefined,
        withCounters: this.options.counters,
        withComment: this.options.comment,
        ...(codec !== undefined && nets !== null
          ? { net: { codec, add: (len: number) => nets.add(len), del: (len: number) => nets.delete(len) } }
          : {}),
      });
    }
    return s;
  }
}

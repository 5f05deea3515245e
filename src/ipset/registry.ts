import { type Clock, KpemuError, type Rng } from '../core/index.js';
import type { Packet } from '../packet/index.js';
import { type ParsedElement, parseElement } from './entry-parse.js';
import { SetMatchCache } from './match-cache.js';
import type { SetMatcher } from './match.js';
import { resolveOptions, sameSet } from './options.js';
import { ipsetRestore, type RestoreOptions, type RestoreResult } from './restore.js';
import { renderSet } from './save.js';
import { type ElementError, IpSet } from './set.js';
import { type CreateOptions, type EntryExtensions, IPSET_MAX_NAME_LENGTH, type SetListing, type SetTypeName } from './types.js';

interface Slot {
  name: string;
  set: IpSet;
  refs: number;
}

/** Options of element operations. */
export interface AdtOptions {
  /** `-exist`: adding a present element or deleting a missing one is not an error. */
  readonly exist?: boolean;
}

/**
 * The kernel's ipset state of one network namespace: sets in index slots (the lowest free index
 * is reused, so `ipset save` lists in index order, as the kernel dumps), names, references held by
 * iptables rules, and the operations of the `ipset` command with the kernel's checks and messages.
 * Errors are KpemuErrors whose message is the one ipset prints; nothing changes on error, except
 * that an element range stops at its first failing element (as the kernel does).
 *
 * Time comes from the injected clock (entry timeouts); random jhash init values from the Rng.
 */
export class IpsetRegistry implements SetMatcher {
  private slots: (Slot | null)[] = [];
  private byName = new Map<string, number>();
  /** `-m set` matches already resolved by the provider (see {@link provider}). */
  private readonly matchCache = new SetMatchCache();
  /** Buckets hashed by the most recent {@link testIndex} (prefix lengths tried for net types). */
  lastProbes = 0;
  /** Stored elements compared by the most recent {@link testIndex}. */
  lastCompares = 0;

  constructor(
    readonly clock: Clock,
    readonly rng: Rng,
  ) {}

  private now(): number {
    return this.clock.nowMs();
  }

  private slotOf(name: string): Slot {
    const i = this.byName.get(name);
    const s = i === undefined ? null : (this.slots[i] ?? null);
    if (s === null) throw new KpemuError('IPSET_NO_SET', 'The set with the given name does not exist', { location: { object: name } });
    return s;
  }

  /** The set named `name` (throws IPSET_NO_SET). */
  get(name: string): IpSet {
    return this.slotOf(name).set;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Set names in index order. */
  names(): string[] {
    const out: string[] = [];
    for (const s of this.slots) if (s !== null) out.push(s.name);
    return out;
  }

  /** Type of the set named `name`, or undefined. */
  typeOf(name: string): SetTypeName | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.slots[i]?.set.type;
  }

  /** Checks a set name as the ipset tool does (at most 31 characters). */
  static checkName(name: string): void {
    if (name.length > IPSET_MAX_NAME_LENGTH)
      throw new KpemuError('IPSET_PARSE', `Syntax error: setname '${name}' is longer than ${IPSET_MAX_NAME_LENGTH} characters`, { location: { text: name } });
    if (name.length === 0) throw new KpemuError('IPSET_PARSE', 'Syntax error: empty setname', {});
  }

  /**
   * `ipset create`. With `exist`, re-creating an identical set (same type, max size, timeout,
   * extensions; hash size and init value may differ) is a no-op.
   */
  create(name: string, type: SetTypeName, options: CreateOptions = {}, adt: AdtOptions = {}): void {
    IpsetRegistry.checkName(name);
    if (type === 'bitmap:port' && options.range === undefined)
      throw new KpemuError('IPSET_PARSE', "Mandatory option `range' is missing", { location: { object: name } });
    const resolved = resolveOptions(type, options, this.rng);
    const existing = this.byName.get(name);
    if (existing !== undefined) {
      const cur = this.slots[existing] as Slot;
      if (adt.exist === true && cur.set.type === type && sameSet(type, cur.set.options, resolved)) return;
      const code = cur.set.type === type ? 'IPSET_EXISTS' : 'IPSET_TYPE_MISMATCH';
      throw new KpemuError(code, 'Set cannot be created: set with the same name already exists', { location: { object: name } });
    }
    const set = new IpSet(type, resolved);
    let idx = this.slots.indexOf(null);
    if (idx < 0) {
      idx = this.slots.length;
      this.slots.push(null);
    }
    this.slots[idx] = { name, set, refs: 0 };
    this.byName.set(name, idx);
    this.matchCache.invalidate();
  }

  /** `ipset destroy [NAME]`: without a name every set, unless any is referenced. */
  destroy(name?: string): void {
    if (name === undefined) {
      if (this.slots.some((s) => s !== null && s.refs > 0))
        throw new KpemuError('IPSET_IN_USE', 'Set cannot be destroyed: it is in use by a kernel component', {});
      this.slots = [];
      this.byName.clear();
      this.matchCache.invalidate();
      return;
    }
    const s = this.slotOf(name);
    if (s.refs > 0) throw new KpemuError('IPSET_IN_USE', 'Set cannot be destroyed: it is in use by a kernel component', { location: { object: name } });
    const i = this.byName.get(name) as number;
    this.slots[i] = null;
    this.byName.delete(name);
    this.matchCache.invalidate();
    while (this.slots.length > 0 && this.slots[this.slots.length - 1] === null) this.slots.pop();
  }

  /** `ipset flush [NAME]`. */
  flush(name?: string): void {
    if (name === undefined) {
      for (const s of this.slots) s?.set.flush();
      return;
    }
    this.slotOf(name).set.flush();
  }

  /** `ipset rename FROM TO`: refused while FROM is referenced. */
  rename(from: string, to: string): void {
    IpsetRegistry.checkName(to);
    const s = this.slotOf(from);
    if (this.byName.has(to))
      throw new KpemuError('IPSET_EXISTS', 'Set cannot be renamed: a set with the new name already exists', { location: { object: to } });
    if (s.refs > 0) throw new KpemuError('IPSET_IN_USE', 'Set cannot be renamed: it is in use by a kernel component', { location: { object: from } });
    const i = this.byName.get(from) as number;
    this.byName.delete(from);
    s.name = to;
    this.byName.set(to, i);
    this.matchCache.invalidate();
  }

  /**
   * `ipset swap A B`: exchanges the contents; names, indexes and references stay, so a rule
   * matching A now sees B's former contents (the kernel swaps the set objects and their names).
   */
  swap(a: string, b: string): void {
    const sa = this.slotOf(a);
    const ib = this.byName.get(b);
    const sb = ib === undefined ? null : (this.slots[ib] ?? null);
    if (sb === null) throw new KpemuError('IPSET_NO_SET', 'Sets cannot be swapped: the second set does not exist', { location: { object: b } });
    if (sa.set.type !== sb.set.type)
      throw new KpemuError('IPSET_TYPE_MISMATCH', 'The sets cannot be swapped: their type does not match', { location: { object: `${a} ${b}` } });
    const tmp = sa.set;
    sa.set = sb.set;
    sb.set = tmp;
  }

  private elementError(name: string, entry: string, e: ElementError): KpemuError {
    return new KpemuError(e.code, e.message, { location: { object: name, text: entry } });
  }

  /** `ipset add NAME ENTRY [timeout N] [comment ...]`; the entry is element text such as `10.0.0.1,tcp:80`. */
  add(name: string, entry: string, ext: EntryExtensions = {}, adt: AdtOptions = {}): void {
    const set = this.get(name);
    this.checkNomatch(set, ext);
    const parsed = parseElement(set.type, entry);
    this.addParsed(name, parsed, ext, adt.exist === true, entry);
  }

  /** Adds an already parsed element (restore batches). */
  addParsed(name: string, parsed: ParsedElement, ext: EntryExtensions, exist: boolean, entry: string): void {
    const err = this.get(name).addParsed(parsed, ext, this.now(), exist);
    if (err !== null) throw this.elementError(name, entry, err);
  }

  /** `ipset del NAME ENTRY`. */
  del(name: string, entry: string, adt: AdtOptions = {}): void {
    const set = this.get(name);
    this.delParsed(name, parseElement(set.type, entry), adt.exist === true, entry);
  }

  delParsed(name: string, parsed: ParsedElement, exist: boolean, entry: string): void {
    const err = this.get(name).delParsed(parsed, this.now(), exist);
    if (err !== null) throw this.elementError(name, entry, err);
  }

  /** `ipset test NAME ENTRY`: true when the element is in the set (a `nomatch` entry says false). */
  test(name: string, entry: string): boolean {
    const set = this.get(name);
    return set.testParsed(parseElement(set.type, entry), this.now());
  }

  private checkNomatch(set: IpSet, ext: EntryExtensions): void {
    if (ext.nomatch === true && set.info.netDimension === 0)
      throw new KpemuError('IPSET_PARSE', "Unknown argument: `nomatch'", { location: { text: 'nomatch' } });
  }

  /** `ipset list [NAME]` as data: headers and live entries in the kernel's order. */
  list(name?: string): SetListing[] {
    const now = this.now();
    const slots = name === undefined ? this.slots.filter((s): s is Slot => s !== null) : [this.slotOf(name)];
    return slots.map((s) => ({
      name: s.name,
      type: s.set.type,
      revision: s.set.info.revision,
      options: s.set.options,
      hashsize: s.set.hashsize,
      references: s.refs,
      entries: s.set.entries(now),
    }));
  }

  /**
   * `ipset save [NAME]` text (see save.ts), sets in index order. `sorted` gives `ipset -s save`
   * order within each set, which is how tests compare with a kernel whose init values differ.
   */
  save(name?: string, options: { readonly sorted?: boolean } = {}): string {
    const now = this.now();
    const lines: string[] = [];
    const slots = name === undefined ? this.slots.filter((s): s is Slot => s !== null) : [this.slotOf(name)];
    for (const s of slots) lines.push(...renderSet(s.name, s.set, now, options.sorted === true));
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  /** `ipset restore` of `text` (see restore.ts for the real tool's partial-apply semantics). */
  restore(text: string, options: RestoreOptions = {}): RestoreResult {
    return ipsetRestore(this, text, options);
  }

  /** Drops timed-out entries of every set now (the kernel's periodic garbage collection). */
  gc(): void {
    const now = this.now();
    for (const s of this.slots) s?.set.gc(now);
  }

  /** References held on the set named `name`. */
  references(name: string): number {
    return this.slotOf(name).refs;
  }

  // --- the netfilter side -------------------------------------------------------------------

  indexOf(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  addRef(index: number): void {
    const s = this.slots[index];
    if (s === null || s === undefined) throw new KpemuError('IPSET_NO_SET', `no set at index ${index}`, {});
    s.refs++;
  }

  release(index: number): void {
    const s = this.slots[index];
    if (s === null || s === undefined || s.refs === 0) throw new KpemuError('IPSET_NO_SET', `no reference held on set index ${index}`, {});
    s.refs--;
  }

  testIndex(index: number, pkt: Packet, dims: number, dirFlags: number): boolean {
    const s = this.slots[index];
    if (s === null || s === undefined) return false;
    const r = s.set.testPacket(pkt, dims, dirFlags, this.clock.nowMs());
    this.lastProbes = s.set.lastProbes;
    this.lastCompares = s.set.lastCompares;
    return r;
  }

  /**
   * The `{ has, test }` provider a node namespace takes. A rule's set is resolved by name the
   * first time its match is seen and remembered by the match object's identity until a set is
   * created, destroyed or renamed, so a packet pays a few pointer compares instead of a Map lookup
   * and the packing of its directions. No allocation per call.
   */
  provider(): { has(name: string): boolean; test(m: SetMatchLike, pkt: Packet): boolean } {
    return {
      has: (name) => this.byName.has(name),
      test: (m, pkt) => this.testMatch(m, pkt),
    };
  }

  /** Membership test of a `-m set` match, resolved through the match cache. */
  testMatch(m: SetMatchLike, pkt: Packet): boolean {
    const cache = this.matchCache;
    let slot = cache.find(m);
    if (slot < 0) slot = cache.remember(m, this.byName.get(m.name) ?? -1);
    const i = cache.indexAt(slot);
    return i >= 0 && this.testIndex(i, pkt, cache.dimsAt(slot), cache.flagsAt(slot));
  }

  // --- snapshots ------------------------------------------------------------------------------

  /** A deep copy of every set (for all-or-nothing restores). */
  snapshot(): RegistrySnapshot {
    return {
      slots: this.slots.map((s) => (s === null ? null : { name: s.name, set: s.set.clone(), refs: s.refs })),
    };
  }

  /** Puts back a snapshot taken by {@link snapshot}. */
  restoreSnapshot(snap: RegistrySnapshot): void {
    this.slots = snap.slots.map((s) => (s === null ? null : { name: s.name, set: s.set, refs: s.refs }));
    this.byName = new Map();
    this.matchCache.invalidate();
    this.slots.forEach((s, i) => {
      if (s !== null) this.byName.set(s.name, i);
    });
  }
}

/** The part of the netfilter `-m set` match the provider reads. */
export interface SetMatchLike {
  readonly name: string;
  readonly directions: readonly ('src' | 'dst')[];
}

/** Opaque registry contents (see {@link IpsetRegistry.snapshot}). */
export interface RegistrySnapshot {
  readonly slots: readonly ({ readonly name: string; readonly set: IpSet; readonly refs: number } | null)[];
}

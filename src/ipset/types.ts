/**
 * The ipset types kpemu models and their shape in the kernel: how many dimensions an element
 * has, how many 32-bit words its hash key takes, and which dimension (if any) is a network.
 */

export const SET_TYPE_NAMES = ['hash:ip', 'hash:ip,port', 'hash:ip,port,ip', 'hash:ip,port,net', 'hash:net', 'bitmap:port'] as const;
export type SetTypeName = (typeof SET_TYPE_NAMES)[number];

export interface SetTypeInfo {
  readonly name: SetTypeName;
  readonly kind: 'hash' | 'bitmap';
  /** Number of element dimensions; `-m set` needs at least this many src/dst flags. */
  readonly dimension: 1 | 2 | 3;
  /** Words of the kernel element struct hashed by jhash2 (0 for bitmaps). */
  readonly keyWords: number;
  /** Dimension (1-based) holding a network with its own prefix length; 0 when none. */
  readonly netDimension: 0 | 1 | 3;
  /** Whether the second dimension is `proto:port`. */
  readonly hasPort: boolean;
  /** The revision `ipset list` shows for the kernel kpemu compares with (6.x, ipset 7.17). */
  readonly revision: number;
}

export const SET_TYPES: { readonly [K in SetTypeName]: SetTypeInfo } = {
  'hash:ip': { name: 'hash:ip', kind: 'hash', dimension: 1, keyWords: 1, netDimension: 0, hasPort: false, revision: 6 },
  'hash:ip,port': { name: 'hash:ip,port', kind: 'hash', dimension: 2, keyWords: 2, netDimension: 0, hasPort: true, revision: 7 },
  'hash:ip,port,ip': { name: 'hash:ip,port,ip', kind: 'hash', dimension: 3, keyWords: 3, netDimension: 0, hasPort: true, revision: 6 },
  'hash:ip,port,net': { name: 'hash:ip,port,net', kind: 'hash', dimension: 3, keyWords: 3, netDimension: 3, hasPort: true, revision: 8 },
  'hash:net': { name: 'hash:net', kind: 'hash', dimension: 1, keyWords: 2, netDimension: 1, hasPort: false, revision: 7 },
  'bitmap:port': { name: 'bitmap:port', kind: 'bitmap', dimension: 1, keyWords: 0, netDimension: 0, hasPort: false, revision: 3 },
};

export function isSetTypeName(s: string): s is SetTypeName {
  return (SET_TYPE_NAMES as readonly string[]).includes(s);
}

/** Kernel defaults (include/linux/netfilter/ipset/ip_set.h, ip_set_hash_gen.h). */
export const IPSET_DEFAULT_HASHSIZE = 1024;
export const IPSET_DEFAULT_MAXELEM = 65536;
/** The kernel rounds smaller hash sizes up to this. */
export const IPSET_MINIMAL_HASHSIZE = 64;
/** AHASH_MAX_SIZE: the default and largest bucket size of the types modelled. */
export const AHASH_MAX_SIZE = 12;
/** AHASH_INIT_SIZE: buckets grow and shrink by this many slots. */
export const AHASH_INIT_SIZE = 2;
/** Longest set name (IPSET_MAXNAMELEN - 1). */
export const IPSET_MAX_NAME_LENGTH = 31;
/** Longest element comment (IPSET_MAX_COMMENT_SIZE). */
export const IPSET_MAX_COMMENT_SIZE = 255;
/** Largest timeout in seconds the userspace tool accepts ((2^31 - 1) / 1000). */
export const IPSET_MAX_TIMEOUT = 2147483;

/** Create-time options of a set, as `ipset create` takes them and `ipset save` prints them. */
export interface SetOptions {
  /** Only `inet` is modelled. */
  readonly family: 'inet';
  /** Requested hash size; the kernel rounds to a power of two, at least 64. Hash types only. */
  readonly hashsize: number;
  /** Most elements; adds beyond it fail with IPSET_FULL. Hash types only. */
  readonly maxelem: number;
  /** Slots per bucket, 2..12, even. Hash types only. */
  readonly bucketsize: number;
  /** jhash init value; random from the registry's Rng when not given. Hash types only. */
  readonly initval: number;
  /** Default entry timeout in seconds; undefined = the set has no timeout extension. 0 = permanent default. */
  readonly timeout: number | undefined;
  readonly counters: boolean;
  readonly comment: boolean;
  /** Port range of a bitmap:port set (inclusive, host order). */
  readonly rangeFrom: number;
  readonly rangeTo: number;
}

/** What a caller may give when creating a set; everything else takes the kernel default. */
export interface CreateOptions {
  readonly hashsize?: number;
  readonly maxelem?: number;
  readonly bucketsize?: number;
  readonly initval?: number;
  readonly timeout?: number;
  readonly counters?: boolean;
  readonly comment?: boolean;
  /** Required for bitmap:port. */
  readonly range?: { readonly from: number; readonly to: number };
}

/**
 * One element as values (the parsed form of `10.0.0.1,tcp:80,10.1.0.0/16`). Addresses are uint32
 * in host order. Unused fields are 0. `cidr` is the prefix length of the network dimension (32 for
 * a host) and 0 for types without one.
 */
export interface ElementValue {
  readonly ip: number;
  readonly proto: number;
  readonly port: number;
  readonly ip2: number;
  readonly cidr: number;
}

/** Per-entry extensions given on `add` (and printed by `save`). */
export interface EntryExtensions {
  /** Seconds; undefined = the set's default. 0 = permanent. */
  readonly timeout?: number;
  readonly packets?: number;
  readonly bytes?: number;
  readonly comment?: string;
  /** Net types only: the entry matches nothing and shadows shorter prefixes. */
  readonly nomatch?: boolean;
}

/** An entry as listed: the element, its text and its extensions. */
export interface ListedEntry {
  readonly element: ElementValue;
  /** The element as `ipset save` prints it, e.g. `10.0.0.1,tcp:80`. */
  readonly text: string;
  /** Remaining seconds, present for sets with timeouts (0 = permanent). */
  readonly timeout?: number;
  readonly packets?: number;
  readonly bytes?: number;
  readonly comment?: string;
  readonly nomatch: boolean;
}

/** Header and members of one set, the structured form of `ipset list NAME`. */
export interface SetListing {
  readonly name: string;
  readonly type: SetTypeName;
  readonly revision: number;
  readonly options: SetOptions;
  /** Current hash size (doubles as the table resizes). 0 for bitmaps. */
  readonly hashsize: number;
  readonly references: number;
  readonly entries: readonly ListedEntry[];
}

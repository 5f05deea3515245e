import type { Rng } from '../core/index.js';
import {
  AHASH_INIT_SIZE,
  AHASH_MAX_SIZE,
  type CreateOptions,
  IPSET_DEFAULT_HASHSIZE,
  IPSET_DEFAULT_MAXELEM,
  IPSET_MINIMAL_HASHSIZE,
  SET_TYPES,
  type SetOptions,
  type SetTypeName,
} from './types.js';

/**
 * Fills in kernel defaults and normalises create options the way the kernel's create functions
 * do: hash size at least 64, bucket size clamped to 2..12 and made even, a random jhash init
 * value when none is given, bitmap ranges ordered. `rng` supplies the init value so a run
 * replays from its seed.
 */
export function resolveOptions(type: SetTypeName, o: CreateOptions, rng: Rng): SetOptions {
  const isHash = SET_TYPES[type].kind === 'hash';
  let bucketsize = o.bucketsize ?? AHASH_MAX_SIZE;
  if (bucketsize < AHASH_INIT_SIZE) bucketsize = AHASH_INIT_SIZE;
  else if (bucketsize > AHASH_MAX_SIZE) bucketsize = AHASH_MAX_SIZE;
  else if (bucketsize % 2 === 1) bucketsize += 1;
  const from = o.range?.from ?? 0;
  const to = o.range?.to ?? 0;
  return {
    family: 'inet',
    hashsize: isHash ? Math.max(o.hashsize ?? IPSET_DEFAULT_HASHSIZE, IPSET_MINIMAL_HASHSIZE) : 0,
    maxelem: isHash ? (o.maxelem ?? IPSET_DEFAULT_MAXELEM) : 0,
    bucketsize: isHash ? bucketsize : 0,
    initval: isHash ? (o.initval ?? rng.nextU32()) >>> 0 : 0,
    timeout: o.timeout,
    counters: o.counters === true,
    comment: o.comment === true,
    rangeFrom: Math.min(from, to),
    rangeTo: Math.max(from, to),
  };
}

/**
 * The kernel's same_set check behind `create -exist` on an existing set: maximum size, default
 * timeout, extensions and (bitmaps) the range must agree; hash size, bucket size and init value
 * may differ.
 */
export function sameSet(type: SetTypeName, a: SetOptions, b: SetOptions): boolean {
  const ext = a.timeout !== undefined === (b.timeout !== undefined) && a.counters === b.counters && a.comment === b.comment;
  if (!ext || (a.timeout ?? 0) !== (b.timeout ?? 0)) return false;
  if (SET_TYPES[type].kind === 'bitmap') return a.rangeFrom === b.rangeFrom && a.rangeTo === b.rangeTo;
  return a.maxelem === b.maxelem;
}

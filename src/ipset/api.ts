import { KpemuError } from '../core/index.js';
import type { IpsetRegistry } from './registry.js';
import { isSetTypeName, type CreateOptions, type SetTypeName } from './types.js';

/**
 * A set as kube-proxy describes it (pkg/proxy/ipvs/ipset `IPSet`): name, type and the options
 * kube-proxy fills in (`setIPSetDefaults`: family inet, hashsize 1024, maxelem 65536; bitmap:port
 * gets port range 0-65535).
 */
export interface IpsetSpec {
  readonly name: string;
  readonly setType: SetTypeName;
  readonly hashFamily?: 'inet';
  readonly hashSize?: number;
  readonly maxElem?: number;
  /** `from-to`, bitmap:port only. */
  readonly portRange?: string;
  /** kube-proxy's comment; it goes to iptables `-m comment`, not into the set. */
  readonly comment?: string;
}

/**
 * What kube-proxy's IPVS proxier asks of ipset, shaped like its `ipset.Interface`. Errors are
 * KpemuErrors with the kernel's codes (IPSET_NO_SET, IPSET_EXISTS, ...).
 */
export interface IpsetApi {
  flushSet(set: string): void;
  destroySet(set: string): void;
  destroyAllSets(): void;
  createSet(set: IpsetSpec, ignoreExistErr: boolean): void;
  /** `entry` is kube-proxy's entry string, e.g. `10.0.0.1,tcp:80`. */
  addEntry(entry: string, set: IpsetSpec, ignoreExistErr: boolean): void;
  delEntry(entry: string, set: string): void;
  testEntry(entry: string, set: string): boolean;
  listEntries(set: string): string[];
  listSets(): string[];
  getVersion(): string;
}

/** Calls per operation, which stand for `ipset` process executions in kube-proxy's cost model. */
export interface IpsetApiCounts {
  flushSet: number;
  destroySet: number;
  destroyAllSets: number;
  createSet: number;
  addEntry: number;
  delEntry: number;
  testEntry: number;
  listEntries: number;
  listSets: number;
  getVersion: number;
}

/** The version the emulated userspace reports (the one kpemu's output matches). */
export const IPSET_VERSION = 'v7.17';

function createOptionsOf(spec: IpsetSpec): CreateOptions {
  if (spec.setType === 'bitmap:port') {
    const range = spec.portRange ?? '0-65535';
    const m = /^([0-9]+)-([0-9]+)$/.exec(range);
    if (m === null) throw new KpemuError('IPSET_PARSE', `invalid port range "${range}" for set ${spec.name}`, { location: { object: spec.name, field: 'portRange' } });
    return { range: { from: Number(m[1]), to: Number(m[2]) } };
  }
  return { hashsize: spec.hashSize ?? 1024, maxelem: spec.maxElem ?? 65536 };
}

/** {@link IpsetApi} over the emulated kernel state, counting calls. */
export class RegistryIpsetApi implements IpsetApi {
  readonly counts: IpsetApiCounts = {
    flushSet: 0,
    destroySet: 0,
    destroyAllSets: 0,
    createSet: 0,
    addEntry: 0,
    delEntry: 0,
    testEntry: 0,
    listEntries: 0,
    listSets: 0,
    getVersion: 0,
  };

  constructor(readonly registry: IpsetRegistry) {}

  flushSet(set: string): void {
    this.counts.flushSet++;
    this.registry.flush(set);
  }

  destroySet(set: string): void {
    this.counts.destroySet++;
    this.registry.destroy(set);
  }

  destroyAllSets(): void {
    this.counts.destroyAllSets++;
    this.registry.destroy();
  }

  createSet(set: IpsetSpec, ignoreExistErr: boolean): void {
    this.counts.createSet++;
    if (!isSetTypeName(set.setType)) throw new KpemuError('IPSET_PARSE', `unknown set type "${String(set.setType)}"`, { location: { object: set.name } });
    this.registry.create(set.name, set.setType, createOptionsOf(set), { exist: ignoreExistErr });
  }

  addEntry(entry: string, set: IpsetSpec, ignoreExistErr: boolean): void {
    this.counts.addEntry++;
    this.registry.add(set.name, entry, {}, { exist: ignoreExistErr });
  }

  delEntry(entry: string, set: string): void {
    this.counts.delEntry++;
    this.registry.del(set, entry);
  }

  testEntry(entry: string, set: string): boolean {
    this.counts.testEntry++;
    return this.registry.test(set, entry);
  }

  listEntries(set: string): string[] {
    this.counts.listEntries++;
    const [l] = this.registry.list(set);
    return l === undefined ? [] : l.entries.map((e) => e.text);
  }

  listSets(): string[] {
    this.counts.listSets++;
    return this.registry.names();
  }

  getVersion(): string {
    this.counts.getVersion++;
    return IPSET_VERSION;
  }
}

import { KpemuError, isKpemuError, systemClock, type Clock } from '../../core/index.js';
import type { EndpointSlice, KubeProxyConfiguration, Service } from '../../kube/index.js';
import type { IptablesApi, NfacctApi } from '../../netfilter/index.js';
import {
  KubeObjectStore,
  NodeAddresses,
  NodePortAddresses,
  ServiceChangeTracker,
  isServiceChainName,
  newLocalTrafficDetector,
  type LocalTrafficDetector,
  type ProxyWarning,
} from '../common/index.js';
import {
  CANARY_TABLES,
  CHAIN,
  FULL_SYNC_PERIOD_MS,
  JUMP_RULES,
  LARGE_CLUSTER_ENDPOINTS_THRESHOLD,
  NFACCT,
  NFACCT_COUNTERS,
  type NfacctCounterName,
} from './constants.js';
import { nodePortsTailRules } from './fixed-rules.js';
import { formatMasqueradeMark } from './masquerade-mark.js';
import { buildPortState, type IptablesPortState } from './port-state.js';
import { composePayload, type BuiltPayload, type ServiceGroup } from './payload.js';
import { detectorWords } from './service-rules.js';
import { chainsInSave } from './stale-chains.js';
import type { ProxierMetrics, SyncReport } from './sync-report.js';

export interface IptablesProxierOptions {
  /** This node's name; endpoints with this nodeName are local. */
  readonly nodeName: string;
  /** The node's IPv4 addresses, primary first. */
  readonly nodeIPs: readonly string[];
  readonly config: KubeProxyConfiguration;
  readonly iptables: IptablesApi;
  /** null when the kernel has no nfacct support: the `-m nfacct` variants are then never written. */
  readonly nfacct: NfacctApi | null;
  /** iptables ≥ 1.6.2: MASQUERADE gets `--random-fully`. */
  readonly hasRandomFully: boolean;
  /** The node's podCIDRs, used by detectLocalMode NodeCIDR. */
  readonly nodePodCIDRs?: readonly string[];
  /**
   * The mark text written into rules. Default: what kube-proxy prints, Go's `%#08x` of
   * `1 << masqueradeBit` (`0x00004000` for bit 14). Upstream's tests use `0x4000`.
   */
  readonly masqueradeMark?: string;
  /** Time source for the hourly forced full sync and the large-cluster cleanup throttle. */
  readonly clock?: Clock;
}

/**
 * kube-proxy's iptables mode: turns Services and EndpointSlices into one iptables-restore
 * payload per sync, written through {@link IptablesApi}. Full syncs rewrite every kube-proxy
 * chain; partial syncs (KEP-3453) rewrite the top-level chains plus the chains of Services that
 * changed, and delete chains that went stale. A failed sync makes the next one full.
 *
 * Output order is deterministic: Services by `namespace/name`, ports in spec order (upstream
 * follows Go map order, which tests normalise away).
 */
export class IptablesProxier {
  readonly masqueradeMark: string;
  /** Local-traffic detection derived from the configuration. */
  readonly detector: LocalTrafficDetector;
  private readonly detectorWords: { readonly ifLocal: string | null; readonly ifNotLocal: string | null };
  /** localhostNodePorts as in effect: configured on, and nodePortAddresses covering 127.0.0.1. */
  readonly localhostNodePorts: boolean;
  readonly nodeAddresses: NodeAddresses;
  readonly nodePortAddresses: NodePortAddresses;

  private readonly iptables: IptablesApi;
  private readonly nfacct: NfacctApi | null;
  private readonly config: KubeProxyConfiguration;
  private readonly hasRandomFully: boolean;
  private readonly clock: Clock;
  private readonly store = new KubeObjectStore();
  private readonly tracker: ServiceChangeTracker;
  /** Port states by Service key (Services with at least one port). */
  private readonly groups = new Map<string, PortGroup>();
  /** The same groups in output order (by key); null after a Service appeared or went. */
  private sortedGroups: PortGroup[] | null = null;
  /**
   * Reference counts of the nat chains the current port states own, kept up to date as Services
   * change, so finding stale chains does not mean rebuilding a set of every chain on each sync.
   */
  private readonly activeChains = new Map<string, number>();
  private readonly configWarnings: ProxyWarning[] = [];
  private readonly nfacctAvailable: Record<NfacctCounterName, boolean> = {
    [NFACCT.ctStateInvalidDropped]: false,
    [NFACCT.localhostNodePortAccepted]: false,
  };
  private needFullSync = true;
  private lastFullSyncMs = Number.NEGATIVE_INFINITY;
  private lastCleanupMs = Number.NEGATIVE_INFINITY;
  private canariesSeen = false;
  private readonly counters: ProxierMetrics = { syncs: 0, fullSyncs: 0, partialSyncs: 0, restoreFailures: 0, partialRestoreFailures: 0 };

  /** Throws VALUE_INVALID for unusable node IPs or masquerade bit. */
  constructor(options: IptablesProxierOptions) {
    this.iptables = options.iptables;
    this.nfacct = options.nfacct;
    this.config = options.config;
    this.hasRandomFully = options.hasRandomFully;
    this.clock = options.clock ?? systemClock;
    const bit = options.config.masqueradeBit;
    if (!Number.isInteger(bit) || bit < 0 || bit > 31) {
      throw new KpemuError('VALUE_INVALID', `masqueradeBit must be an integer from 0 to 31, got ${bit}`, { location: { object: 'KubeProxyConfiguration', field: 'masqueradeBit' } });
    }
    this.masqueradeMark = options.masqueradeMark ?? formatMasqueradeMark(bit);
    const warn = (w: ProxyWarning): void => void this.configWarnings.push(w);
    this.nodeAddresses = new NodeAddresses(options.nodeIPs);
    this.nodePortAddresses = new NodePortAddresses(options.config.nodePortAddresses, this.nodeAddresses, warn);
    this.localhostNodePorts = options.config.localhostNodePorts && this.nodePortAddresses.containsIPv4Loopback;
    this.detector = newLocalTrafficDetector({ config: options.config, nodePodCIDRs: options.nodePodCIDRs ?? [] }, warn);
    this.detectorWords = detectorWords(this.detector);
    this.tracker = new ServiceChangeTracker(this.store, { nodeName: options.nodeName });
  }

  /** Replaces the whole object set; only what differs is treated as changed. */
  setObjects(services: readonly Service[], endpointSlices: readonly EndpointSlice[]): void {
    this.store.replaceAll(services, endpointSlices);
  }

  onServiceUpdate(service: Service): void {
    this.store.upsertService(service);
  }

  onServiceDelete(namespace: string, name: string): void {
    this.store.deleteService(namespace, name);
  }

  onEndpointSliceUpdate(slice: EndpointSlice): void {
    this.store.upsertEndpointSlice(slice);
  }

  onEndpointSliceDelete(namespace: string, name: string): void {
    this.store.deleteEndpointSlice(namespace, name);
  }

  /** Makes the next sync full (kube-proxy does this when its canary chains disappear). */
  forceFullSync(): void {
    this.needFullSync = true;
  }

  /**
   * kube-proxy's iptables monitor, one poll: makes sure the KUBE-PROXY-CANARY chains exist in
   * mangle, nat and filter, and if one had vanished since the last poll (someone flushed the
   * tables), forces a full sync. Returns true when a flush was detected.
   */
  checkCanaries(): boolean {
    let missing = false;
    for (const table of CANARY_TABLES) {
      if (!this.iptables.ensureChain(table, CHAIN.canary)) missing = true;
    }
    const flushed = this.canariesSeen && missing;
    this.canariesSeen = true;
    if (flushed) this.needFullSync = true;
    return flushed;
  }

  get metrics(): Readonly<ProxierMetrics> {
    return { ...this.counters };
  }

  /** Whether the next sync will be full. */
  get nextSyncIsFull(): boolean {
    return this.needFullSync || this.clock.nowMs() - this.lastFullSyncMs > FULL_SYNC_PERIOD_MS;
  }

  sync(): SyncReport {
    const started = performance.now();
    const now = this.clock.nowMs();
    const full = this.needFullSync || now - this.lastFullSyncMs > FULL_SYNC_PERIOD_MS;
    this.counters.syncs++;
    if (full) this.counters.fullSyncs++;
    else this.counters.partialSyncs++;

    const changed = this.applyChanges();
    const warnings: ProxyWarning[] = [...this.configWarnings, ...this.store.takeWarnings()];

    if (full) {
      const failure = this.ensureBuiltinJumps();
      if (failure !== null) {
        this.needFullSync = true;
        appendAll(warnings, this.tracker.warnings());
        return this.report({ full, ok: false, error: failure, started, buildMs: 0, warnings, built: null, largeClusterMode: false, staleChains: [] });
      }
      this.ensureNfacctCounters(warnings);
    }

    const largeClusterMode = this.tracker.totalEndpoints() > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
    const staleChains = this.findStaleChains(largeClusterMode, now, warnings);
    const buildStart = performance.now();
    const built = composePayload({
      services: this.serviceGroups(),
      write: full ? 'all' : changed,
      ctx: {
        masqueradeAll: this.config.masqueradeAll,
        ...this.detectorWords,
        localhostNodePortRule: this.localhostNodePorts && this.nfacctAvailable[NFACCT.localhostNodePortAccepted],
        largeClusterMode,
        nodeIP: this.nodeAddresses.primary,
      },
      fixed: {
        masqueradeMark: this.masqueradeMark,
        randomFully: this.hasRandomFully,
        localhostNodePorts: this.localhostNodePorts,
        conntrackTcpBeLiberal: this.config.conntrackTcpBeLiberal,
        invalidDropCounter: this.nfacctAvailable[NFACCT.ctStateInvalidDropped],
      },
      staleChains,
      nodePortsTail: nodePortsTailRules(this.nodePortAddresses.matchAll ? null : this.nodePortAddresses.matchingAddresses(this.nodeAddresses), this.localhostNodePorts),
    });
    const buildMs = performance.now() - buildStart;

    let error: KpemuError | null = null;
    try {
      this.iptables.restoreAll(built.payload, { noflush: true, counters: true });
    } catch (e) {
      if (!isKpemuError(e)) throw e;
      error = e;
    }
    if (error === null) {
      this.needFullSync = false;
      if (full) this.lastFullSyncMs = now;
    } else {
      // The change trackers were already drained, so only a full sync can repair the state.
      this.needFullSync = true;
      this.counters.restoreFailures++;
      if (!full) this.counters.partialRestoreFailures++;
    }
    appendAll(warnings, this.tracker.warnings());
    return this.report({ full, ok: error === null, error, started, buildMs, warnings, built, largeClusterMode, staleChains });
  }

  /** Pulls changes from the tracker and rebuilds the port states of changed Services. */
  private applyChanges(): ReadonlySet<string> {
    const { changed } = this.tracker.checkout();
    for (const key of changed) {
      const group = this.groups.get(key);
      const old = group?.ports ?? [];
      for (const st of old) this.countChains(st, -1);
      const snap = this.tracker.get(key);
      if (snap === undefined || snap.ports.length === 0) {
        if (group !== undefined) {
          this.groups.delete(key);
          this.sortedGroups = null;
        }
        continue;
      }
      const previous = new Map(old.map((p) => [`${p.info.nameString}/${p.protocol}`, p]));
      const states = snap.ports.map((ps) => buildPortState(ps, previous.get(`${ps.info.nameString}/${ps.info.protocol.toLowerCase()}`)));
      for (const st of states) this.countChains(st, 1);
      if (group !== undefined) group.ports = states;
      else {
        this.groups.set(key, { key, ports: states });
        this.sortedGroups = null;
      }
    }
    return changed;
  }

  private countChains(st: IptablesPortState, delta: 1 | -1): void {
    for (const chain of st.activeChains) {
      const n = (this.activeChains.get(chain) ?? 0) + delta;
      if (n > 0) this.activeChains.set(chain, n);
      else this.activeChains.delete(chain);
    }
  }

  /** Ensures the §1.2 jumps; returns the error that stopped it, if any. */
  private ensureBuiltinJumps(): KpemuError | null {
    try {
      for (const j of JUMP_RULES) {
        this.iptables.ensureChain(j.table, j.target);
        this.iptables.ensureRule('prepend', j.table, j.builtinChain, j.args);
      }
      return null;
    } catch (e) {
      if (isKpemuError(e)) return e;
      throw e;
    }
  }

  private ensureNfacctCounters(warnings: ProxyWarning[]): void {
    for (const name of NFACCT_COUNTERS) {
      if (this.nfacct === null) {
        this.nfacctAvailable[name] = false;
        continue;
      }
      try {
        this.nfacct.ensureCounter(name);
        this.nfacctAvailable[name] = true;
      } catch (e) {
        if (!isKpemuError(e)) throw e;
        this.nfacctAvailable[name] = false;
        warnings.push({ code: 'NFACCT_UNAVAILABLE', message: `nfacct counter ${name} could not be created: ${e.message}`, location: { text: name } });
      }
    }
  }

  /**
   * Service chains in the kernel that no current port owns. In large clusters iptables-save is
   * slow, so kube-proxy looks at most once per syncPeriod; leftovers are unreferenced and harmless.
   */
  private findStaleChains(largeClusterMode: boolean, now: number, warnings: ProxyWarning[]): string[] {
    if (largeClusterMode && now - this.lastCleanupMs <= this.config.syncPeriodSeconds * 1000) return [];
    let existing: string[];
    try {
      existing = chainsInSave(this.iptables.save('nat'));
    } catch (e) {
      if (!isKpemuError(e)) throw e;
      warnings.push({ code: 'STALE_CHAINS_UNKNOWN', message: `iptables-save failed, stale chains are not deleted this time: ${e.message}`, location: {} });
      return [];
    }
    this.lastCleanupMs = now;
    return existing.filter((chain) => isServiceChainName(chain) && !this.activeChains.has(chain));
  }

  /**
   * The Services with their port states, sorted by key as the tracker sorts them (UTF-16 code
   * units); sorted again only when a Service appears or goes.
   */
  private serviceGroups(): readonly ServiceGroup[] {
    return (this.sortedGroups ??= [...this.groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
  }

  private report(r: {
    full: boolean;
    ok: boolean;
    error: KpemuError | null;
    started: number;
    buildMs: number;
    warnings: ProxyWarning[];
    built: BuiltPayload | null;
    largeClusterMode: boolean;
    staleChains: readonly string[];
  }): SyncReport {
    const b = r.built;
    return {
      full: r.full,
      ok: r.ok,
      error: r.error,
      payload: b?.payload ?? '',
      lines: b?.lines ?? 0,
      filterRules: b?.filterRules ?? 0,
      natRules: b?.natRules ?? 0,
      natRulesSkipped: b?.natRulesSkipped ?? 0,
      natRulesTotal: b === null ? 0 : b.natRules + b.natRulesSkipped,
      chainLines: b?.chainLines ?? 0,
      chainsWritten: { filter: b?.filterChains ?? [], nat: b?.natChains ?? [] },
      chainsDeleted: r.staleChains,
      largeClusterMode: r.largeClusterMode,
      servicesWritten: b?.servicesWritten ?? [],
      buildMs: r.buildMs,
      durationMs: performance.now() - r.started,
      warnings: r.warnings,
    };
  }
}

/** A Service's port states, replaced when the Service changes. */
interface PortGroup {
  readonly key: string;
  ports: IptablesPortState[];
}

/** Appends without spreading into arguments (a very long list would overflow the call stack). */
function appendAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

import { KpemuError, isKpemuError, systemClock, type Clock, type Prefix } from '../../core/index.js';
import { parseIpv4Fast } from '../../addr/index.js';
import type { IpsetApi } from '../../ipset/index.js';
import type { IpvsApi } from '../../ipvs/index.js';
import type { EndpointSlice, KubeProxyConfiguration, Service } from '../../kube/index.js';
import type { IptablesApi } from '../../netfilter/index.js';
import {
  KubeObjectStore,
  NodeAddresses,
  NodePortAddresses,
  ServiceChangeTracker,
  newLocalTrafficDetector,
  parseCidrSloppy,
  type LocalTrafficDetector,
  type ProxyWarning,
} from '../common/index.js';
import { formatMasqueradeMark } from '../iptables/index.js';
import { DEFAULT_SCHEDULER, DUMMY_DEVICE, IPVS_CHAINS, IPVS_JUMP_RULES, jumpRuleArgs } from './constants.js';
import { GracefulTerminationManager, type TerminatingRealServer } from './graceful-termination.js';
import { composeIptablesPayload, type IptablesPayload } from './iptables-rules.js';
import { IPSET, IPSET_INFO, type IpvsSetName } from './ipsets.js';
import { ensureIpsets, renderIpsetRestore, syncSetEntries, type DesiredIpsets } from './ipset-sync.js';
import type { NetlinkApi } from './netlink.js';
import { nodeAddressSet, nodePortIPs, usableNodeAddress } from './node-ips.js';
import { emptyIpsetOps, emptyIpvsOps, tryDo, tryGet, type IpsetOpCounts, type IpvsOpCounts, type KernelFailure } from './ops.js';
import { syncServicePort, type PortSyncState } from './port-sync.js';
import type { VirtualServerSyncContext } from './real-servers.js';
import { deleteStaleVirtualServers } from './stale-services.js';
import { desiredSysctls, parseKernelVersion, type SysctlSetting } from './sysctls.js';
import type { GracefulDeleteReport, IpvsSyncReport, IpvsSyncStage } from './sync-report.js';

/** What an {@link IpvsProxier} is built from: the node, its configuration and the kernel interfaces. */
export interface IpvsProxierOptions {
  /** This node's name; endpoints with this nodeName are local. */
  readonly nodeName: string;
  /** The node's IPv4 addresses, primary first. The primary is the one loadBalancerSourceRanges are checked against. */
  readonly nodeIPs: readonly string[];
  readonly config: KubeProxyConfiguration;
  readonly iptables: IptablesApi;
  readonly ipset: IpsetApi;
  readonly ipvs: IpvsApi;
  readonly netlink: NetlinkApi;
  /** iptables ≥ 1.6.2: MASQUERADE gets `--random-fully`. */
  readonly hasRandomFully: boolean;
  /** Mark text written into rules; default Go's `%#08x` of `1 << masqueradeBit` (`0x00004000`). */
  readonly masqueradeMark?: string;
  /** Time source of the graceful-termination retries. */
  readonly clock?: Clock;
  /** The node's podCIDRs, for detectLocalMode NodeCIDR. */
  readonly nodePodCIDRs?: readonly string[];
  /**
   * The target iptables has the `ipvs` match (xt_ipvs), needed by the KUBE-IPVS-OUT-FILTER drops.
   * kpemu's emulated iptables does not model it, hence the default false: the rules are then
   * left out and listed in `rulesOmitted` on the report.
   */
  readonly supportsIpvsMatch?: boolean;
  /** Likewise for `-m physdev`, used by one of the two external-IP ACCEPT rules. Default false. */
  readonly supportsPhysdevMatch?: boolean;
  /**
   * The node's kernel (`major.minor[.patch]`), which decides `vs/conn_reuse_mode`. Omitted means
   * a current kernel (5.9 or later), where kube-proxy leaves that sysctl alone.
   */
  readonly kernelVersion?: string;
}

/**
 * kube-proxy's IPVS mode for one IPv4 node (one half of upstream's dual-stack meta-proxier).
 * Every sync is a full desired-state pass, as upstream's: each Service port becomes virtual
 * servers with their real servers and set entries, compared with what the kernel holds so that
 * only differences are written; the iptables rules are a fixed set keyed on ipsets, restored
 * with `--noflush`; VIPs are bound to the kube-ipvs0 dummy device. Kernel calls that fail are
 * recorded on the report and skipped, as kube-proxy logs and skips them.
 *
 * Services are visited in `namespace/name` order and ports in spec order (upstream's Go map
 * order is random); real servers are added in `ip:port` order.
 */
export class IpvsProxier {
  readonly masqueradeMark: string;
  /** The configured scheduler ('' means rr). */
  readonly scheduler: string;
  /** Sysctls kube-proxy sets for IPVS mode, in its order (reported on every sync). */
  readonly sysctls: readonly SysctlSetting[];
  readonly detector: LocalTrafficDetector;
  readonly nodeAddresses: NodeAddresses;
  readonly nodePortAddresses: NodePortAddresses;
  /** ipvs.excludeCIDRs: virtual servers inside these are never cleaned up. */
  readonly excludeCIDRs: readonly Prefix[];

  private readonly iptables: IptablesApi;
  private readonly ipset: IpsetApi;
  private readonly ipvs: IpvsApi;
  private readonly netlink: NetlinkApi;
  private readonly config: KubeProxyConfiguration;
  private readonly hasRandomFully: boolean;
  private readonly matchModules: { readonly ipvs: boolean; readonly physdev: boolean };
  private readonly store = new KubeObjectStore();
  private readonly tracker: ServiceChangeTracker;
  private readonly graceful: GracefulTerminationManager;
  private readonly configWarnings: ProxyWarning[] = [];
  /** Failures of start-up calls, reported on the first sync. */
  private startupFailures: KernelFailure[] = [];
  private initialSync = true;
  private desired: DesiredIpsets = new Map();

  /** Throws VALUE_INVALID for unusable node IPs, masquerade bit, kernel version or excludeCIDRs. */
  constructor(options: IpvsProxierOptions) {
    this.iptables = options.iptables;
    this.ipset = options.ipset;
    this.ipvs = options.ipvs;
    this.netlink = options.netlink;
    this.config = options.config;
    this.hasRandomFully = options.hasRandomFully;
    this.matchModules = { ipvs: options.supportsIpvsMatch ?? false, physdev: options.supportsPhysdevMatch ?? false };
    const clock = options.clock ?? systemClock;
    const bit = options.config.masqueradeBit;
    if (!Number.isInteger(bit) || bit < 0 || bit > 31) {
      throw new KpemuError('VALUE_INVALID', `masqueradeBit must be an integer from 0 to 31, got ${bit}`, { location: { object: 'KubeProxyConfiguration', field: 'masqueradeBit' } });
    }
    this.masqueradeMark = options.masqueradeMark ?? formatMasqueradeMark(bit);
    this.scheduler = options.config.ipvs.scheduler === '' ? DEFAULT_SCHEDULER : options.config.ipvs.scheduler;
    let kernel: string | null = null;
    if (options.kernelVersion !== undefined) {
      try {
        parseKernelVersion(options.kernelVersion);
      } catch (cause) {
        throw new KpemuError('VALUE_INVALID', `kernel version "${options.kernelVersion}" is not major.minor[.patch]`, { location: { field: 'kernelVersion', text: options.kernelVersion }, cause });
      }
      kernel = options.kernelVersion;
    }
    this.sysctls = desiredSysctls(options.config, kernel);
    this.excludeCIDRs = options.config.ipvs.excludeCIDRs.map((text, i) => {
      try {
        return parseCidrSloppy(text);
      } catch (cause) {
        throw new KpemuError('VALUE_INVALID', `ipvs.excludeCIDRs entry "${text}" is not an IPv4 CIDR`, { location: { object: 'KubeProxyConfiguration', field: `ipvs.excludeCIDRs[${i}]`, text }, cause });
      }
    });
    const warn = (w: ProxyWarning): void => void this.configWarnings.push(w);
    this.nodeAddresses = new NodeAddresses(options.nodeIPs);
    this.nodePortAddresses = new NodePortAddresses(options.config.nodePortAddresses, this.nodeAddresses, warn);
    this.detector = newLocalTrafficDetector({ config: options.config, nodePodCIDRs: options.nodePodCIDRs ?? [] }, warn);
    this.tracker = new ServiceChangeTracker(this.store, { nodeName: options.nodeName });
    this.graceful = new GracefulTerminationManager(this.ipvs, clock);

    // `ipvsadm --set`: only when something is configured; 0 keeps the kernel's value.
    const { tcpTimeoutSeconds: tcp, tcpFinTimeoutSeconds: fin, udpTimeoutSeconds: udp } = options.config.ipvs;
    if (tcp > 0 || fin > 0 || udp > 0) {
      tryDo('configureTimeouts', `${tcp} ${fin} ${udp}`, (f) => void this.startupFailures.push(f), () => this.ipvs.configureTimeouts(tcp, fin, udp));
    }
  }

  /** Replaces the whole object set. */
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

  /** Real servers quiesced at weight 0, waiting for their connections to end. */
  get pendingGracefulDeletes(): readonly TerminatingRealServer[] {
    return this.graceful.pending();
  }

  /** When the next graceful-termination retry is due (clock milliseconds). */
  get nextGracefulCheckMs(): number {
    return this.graceful.nextCheckAtMs;
  }

  /**
   * The graceful-termination manager's one-minute retry, run now if one is due at the clock's
   * time (upstream runs it on its own timer; `sync()` also runs it first).
   */
  processGracefulDeletes(): GracefulDeleteReport {
    const ops = emptyIpvsOps();
    const failures: KernelFailure[] = [];
    const due = this.graceful.nextCheckAtMs;
    const deleted = this.graceful.runDue(ops, (f) => void failures.push(f));
    return { ran: this.graceful.nextCheckAtMs !== due, deleted, pending: this.graceful.pending().length, ipvsOps: ops, failures };
  }

  /** The set entries the last sync wanted (what it synced the kernel's sets to). */
  desiredIpsets(): DesiredIpsets {
    return this.desired;
  }

  /** {@link desiredIpsets} as `ipset -exist restore` input. */
  renderIpsetRestore(): string {
    return renderIpsetRestore(this.desired);
  }

  /** One full pass of P `syncProxyRules` (see §1.8 of the reference for the order). */
  sync(): IpvsSyncReport {
    const started = performance.now();
    const ops = emptyIpvsOps();
    const setOps = emptyIpsetOps();
    const failures: KernelFailure[] = this.startupFailures;
    this.startupFailures = [];
    const fail = (f: KernelFailure): void => void failures.push(f);
    const gracefulDeleted = this.graceful.runDue(ops, fail);
    const initialSync = this.initialSync;
    // Upstream clears the flag on the way out of every sync, early returns included.
    this.initialSync = false;

    this.tracker.checkout();
    const warnings: ProxyWarning[] = [...this.configWarnings, ...this.store.takeWarnings()];
    const base = { ops, setOps, failures, warnings, started, gracefulDeleted };

    for (const c of IPVS_CHAINS) tryDo('ensureChain', `${c.table} ${c.chain}`, fail, () => void this.iptables.ensureChain(c.table, c.chain));
    for (const j of IPVS_JUMP_RULES) tryDo('ensureRule', `${j.table} ${j.from} -j ${j.to}`, fail, () => void this.iptables.ensureRule('prepend', j.table, j.from, jumpRuleArgs(j)));

    try {
      this.netlink.ensureDummyDevice(DUMMY_DEVICE);
    } catch (e) {
      if (!isKpemuError(e)) throw e;
      return this.stopped(base, 'dummy-device', e);
    }
    const createError = ensureIpsets(this.ipset, setOps, fail);
    if (createError !== null) return this.stopped(base, 'ipset-create', createError);

    // Like kube-proxy's per-family netlink handle, only this family's non-loopback addresses count.
    const boundList = tryGet('listBindAddresses', DUMMY_DEVICE, fail, () => this.netlink.listBindAddresses(DUMMY_DEVICE));
    const alreadyBound = boundList === null ? null : new Set(boundList.flatMap((a) => usableNodeAddress(a) ?? []));
    const localList = tryGet('listLocalAddresses', DUMMY_DEVICE, fail, () => this.netlink.listLocalAddresses(DUMMY_DEVICE)) ?? [];
    const nodeAddresses = nodeAddressSet(localList);
    const snapshots = this.tracker.sorted();
    const hasNodePort = snapshots.some((s) => s.ports.some((p) => p.info.nodePort !== 0));

    const bound: string[] = [];
    const ctx: VirtualServerSyncContext = { ipvs: this.ipvs, netlink: this.netlink, graceful: this.graceful, initialSync, alreadyBound, ops, bound, fail };
    const sets = new Map<IpvsSetName, Set<string>>(IPSET_INFO.map((i) => [i.name, new Set<string>()]));
    const st: PortSyncState = {
      ctx,
      scheduler: this.scheduler,
      primaryNodeIP: this.nodeAddresses.primary,
      nodeAddresses,
      nodePortIPs: hasNodePort ? nodePortIPs(this.nodePortAddresses, nodeAddresses, localList, [...(alreadyBound ?? [])]) : [],
      sets,
      activeServices: new Set(),
      activeBindAddresses: new Set(),
      noNodeAccess: [],
    };
    for (const snap of snapshots) for (const port of snap.ports) syncServicePort(port, st);
    sets.set(IPSET.ipvsIPs, st.activeBindAddresses);

    for (const info of IPSET_INFO) syncSetEntries(this.ipset, info, sets.get(info.name) as Set<string>, setOps, fail);
    this.desired = sets;

    const nonEmpty = new Set<IpvsSetName>();
    for (const [name, entries] of sets) if (entries.size > 0) nonEmpty.add(name);
    const payload = composeIptablesPayload({
      nonEmptySets: nonEmpty,
      masqueradeAll: this.config.masqueradeAll,
      localDetector: this.detector,
      masqueradeMark: this.masqueradeMark,
      randomFully: this.hasRandomFully,
      noNodeAccess: st.noNodeAccess,
      matchModules: this.matchModules,
    });
    try {
      this.iptables.restoreAll(payload.text, { noflush: true, counters: true });
    } catch (e) {
      if (!isKpemuError(e)) throw e;
      // Upstream returns here: addresses stay bound and stale services stay until the next sync.
      return this.stopped({ ...base, bound, activeServices: st.activeServices }, 'iptables-restore', e, payload);
    }

    const unbound: string[] = [];
    const superfluous = [...(alreadyBound ?? [])].filter((a) => !st.activeBindAddresses.has(a)).sort(byAddress);
    for (const addr of superfluous) {
      if (tryDo('unbindAddress', addr, fail, () => this.netlink.unbindAddress(addr, DUMMY_DEVICE))) unbound.push(addr);
    }
    ops.reads++;
    const current = tryGet('getVirtualServers', '', fail, () => this.ipvs.getVirtualServers());
    const staleDeleted = current === null ? [] : deleteStaleVirtualServers(this.ipvs, current, st.activeServices, this.excludeCIDRs, this.graceful, ops, fail);

    appendAll(warnings, this.tracker.warnings());
    return {
      ok: true,
      error: null,
      stage: null,
      ipvsOps: ops,
      ipsetOps: setOps,
      addressesBound: bound,
      addressesUnbound: unbound,
      virtualServersDeleted: staleDeleted,
      virtualServers: [...st.activeServices].sort(),
      gracefulDeleted,
      gracefulPending: this.graceful.pending().length,
      payload: payload.text,
      iptablesLines: payload.lines,
      rulesOmitted: payload.omitted,
      sysctls: this.sysctls,
      failures,
      warnings,
      durationMs: performance.now() - started,
    };
  }

  private stopped(
    r: {
      ops: IpvsOpCounts;
      setOps: IpsetOpCounts;
      failures: KernelFailure[];
      warnings: ProxyWarning[];
      started: number;
      gracefulDeleted: string[];
      bound?: string[];
      activeServices?: ReadonlySet<string>;
    },
    stage: IpvsSyncStage,
    error: KpemuError,
    payload: IptablesPayload | null = null,
  ): IpvsSyncReport {
    appendAll(r.warnings, this.tracker.warnings());
    return {
      ok: false,
      error,
      stage,
      ipvsOps: r.ops,
      ipsetOps: r.setOps,
      addressesBound: r.bound ?? [],
      addressesUnbound: [],
      virtualServersDeleted: [],
      virtualServers: [...(r.activeServices ?? [])].sort(),
      gracefulDeleted: r.gracefulDeleted,
      gracefulPending: this.graceful.pending().length,
      payload: payload?.text ?? '',
      iptablesLines: payload?.lines ?? 0,
      rulesOmitted: payload?.omitted ?? [],
      sysctls: this.sysctls,
      failures: r.failures,
      warnings: r.warnings,
      durationMs: performance.now() - r.started,
    };
  }
}

/** Numeric order of canonical IPv4 texts. */
function byAddress(a: string, b: string): number {
  return parseIpv4Fast(a) - parseIpv4Fast(b);
}

/** Appends without spreading into arguments (a very long list would overflow the call stack). */
function appendAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

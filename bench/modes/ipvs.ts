/**
 * kube-proxy's IPVS mode under test: the IpvsProxier of src/proxy/ipvs programming the IPVS and
 * ipset models of src/ipvs and src/ipset and the fixed iptables rules into an emulated node
 * namespace, with IPVS hooked into the namespace walk (src/node IpvsHooks).
 *
 * Per packet, the figures are the whole node walk: conntrack, the fixed nat rules (ipset
 * lookups), routing to the local ClusterIP, filter INPUT (ipset lookups), IPVS at LOCAL_IN
 * (connection lookup, virtual-service lookup, rr scheduling, connection entry), NAT, OUTPUT and
 * POSTROUTING.
 *
 * Updates come two ways:
 * - `full`: what kube-proxy really runs, one IpvsProxier.sync() after the change (every IPVS
 *   sync is a full desired-state pass: it reads back every virtual server and set, and writes
 *   only the differences, plus one restore of the fixed iptables rules);
 * - `incremental`: only the kernel operations that pass writes for the change (virtual server,
 *   real servers, set entries), through the same IpvsApi/IpsetApi — the cost the kernel itself
 *   pays, which is what stays flat as the cluster grows.
 *
 * One substitution, for speed: the proxier binds every ClusterIP to kube-ipvs0 through the bench's
 * NetlinkApi, which keeps the bound addresses in a set and makes the whole service CIDR local with
 * one `local 10.96.0.0/12 dev kube-ipvs0` route. The emulated FIB (src/route/fib.ts) scans its
 * routes linearly and sorts them on every insert, so one /32 route per service would make binding
 * quadratic and every route lookup O(services) — an artefact of the emulator, not of IPVS (the
 * kernel's FIB trie does neither). Addresses outside the CIDR are bound for real.
 */
import { syntheticSlice } from '../../src/cluster/index.js';
import { RegistryIpsetApi, type IpsetSpec } from '../../src/ipset/index.js';
import { KernelIpvsApi } from '../../src/ipvs/index.js';
import { IpvsHooks, type NetNamespace } from '../../src/node/index.js';
import { IpvsProxier, type IpvsSyncReport, type NetlinkApi } from '../../src/proxy/index.js';
import { type BenchCluster, kernelEnv, makeNodeNamespace, NODE_IP_TEXT, NODE_NAME, proxyConfig, ipToU32 } from '../cluster.js';
import { liveBytes } from '../memory.js';
import type { MemoryRow, UpdateOp, UpdateRow } from '../model.js';
import { sampleTimed, section, type Section } from '../sampler.js';
import { type BuiltMode, type Dataplane, type ModeContext, type ModeUnderTest, updateRow } from './mode.js';
import { addService, changeEndpoints, fixedRulesPayload, jumpRulesPayload, KUBE_MAXELEM, KUBE_SETS, removeService, SERVICE_CIDR, serviceState, setFailures, setSpec, type ServiceState } from './ipvs-model.js';

const COVER_MASK = (0xffffffff << (32 - SERVICE_CIDR.length)) >>> 0;

function inServiceCidr(addr: string): boolean {
  return ((ipToU32(addr) & COVER_MASK) >>> 0) === SERVICE_CIDR.network;
}

/** NetlinkApi over the namespace, with kube-ipvs0's service addresses kept as a set (see the file comment). */
class CoveringNetlink implements NetlinkApi {
  readonly bound = new Set<string>();

  constructor(private readonly ns: NetNamespace) {}

  ensureDummyDevice(name: string): boolean {
    const existed = this.ns.ensureDummyDevice(name);
    if (!existed) {
      this.ns.fib.add({ network: SERVICE_CIDR.network, length: SERVICE_CIDR.length, type: 'local', dev: name, gateway: 0, src: 0, metric: 0, table: 'local', onlink: false, scope: 'host' });
    }
    return existed;
  }

  listBindAddresses(dev: string): string[] {
    return [...this.bound, ...this.ns.listBindAddresses(dev)];
  }

  bindAddress(addr: string, dev: string): boolean {
    if (!inServiceCidr(addr)) return this.ns.bindAddress(addr, dev);
    if (this.bound.has(addr)) return false;
    this.bound.add(addr);
    return true;
  }

  unbindAddress(addr: string, dev: string): void {
    if (!inServiceCidr(addr)) this.ns.unbindAddress(addr, dev);
    else this.bound.delete(addr);
  }

  listLocalAddresses(excludeDev: string): string[] {
    return this.ns.listLocalAddresses(excludeDev);
  }
}

function compileAll(ns: NetNamespace): void {
  for (const t of ns.netfilter.usedTables()) ns.netfilter.program(t);
}

function ipsetCalls(api: RegistryIpsetApi): number {
  let n = 0;
  for (const v of Object.values(api.counts)) n += v;
  return n;
}

/** Writes (not reads) of one sync: virtual servers, real servers, set entries. */
function writes(r: IpvsSyncReport): number {
  const o = r.ipvsOps;
  return o.vsAdded + o.vsUpdated + o.vsDeleted + o.rsAdded + o.rsUpdated + o.rsDeleted + r.ipsetOps.added + r.ipsetOps.deleted + r.addressesBound.length + r.addressesUnbound.length;
}

function calls(r: IpvsSyncReport): number {
  return writes(r) + r.ipvsOps.reads + 1; // + the iptables-restore
}

export class IpvsMode implements ModeUnderTest {
  readonly name = 'ipvs' as const;
  readonly description =
    'IPVS mode: the IpvsProxier of src/proxy/ipvs programming the src/ipvs and src/ipset kernel models and the fixed iptables rules into an emulated node namespace, IPVS hooked into its walk (src/node IpvsHooks). Per packet: the whole node walk with ipset matches in the fixed rules and IPVS at LOCAL_IN (connection lookup, virtual-service hash lookup, rr scheduling, connection entry). Updates: "full" = one IpvsProxier.sync() after the change (kube-proxy\'s IPVS syncs are full passes that read everything back and write only differences); "incremental" = only the kernel operations for the changed objects (virtual server, real servers, set entries). ClusterIPs are made local by one covering route instead of one /32 each (the emulated FIB is a linear list; see the notes).';

  build(cluster: BenchCluster, ctx: ModeContext): BuiltMode {
    const S = cluster.services;
    const memory: MemoryRow[] = [];
    const mem = (part: string, bytes: number, units: number, unitName: string): void => {
      memory.push({ mode: 'ipvs', services: S, endpoints: cluster.endpoints, part, bytes, units, unitName, bytesPerUnit: units > 0 ? bytes / units : Number.NaN });
    };
    const env = kernelEnv(ctx.seed);

    const m0 = liveBytes();
    const ns = makeNodeNamespace(env);
    const registry = ns.enableIpsets();
    const probes = { ipset: 0, ipvs: 0 };
    const provider = ns.sets;
    if (provider === null) throw new Error('ipsets not enabled');
    // Count the hash probes of every set test and every IPVS decision (read from untimed probe packets).
    ns.sets = {
      has: (name) => provider.has(name),
      test: (m, pkt) => {
        const r = provider.test(m, pkt);
        probes.ipset += registry.lastProbes;
        return r;
      },
    };
    // kube-proxy sets net.ipv4.vs.expire_nodest_conn and expire_quiescent_template to 1.
    const hooks = new IpvsHooks(ns, { expireNodestConn: true, expireQuiescentTemplate: true });
    ns.ipvsHooks = hooks;
    const ipvs = hooks.ipvs;
    const request = hooks.request.bind(hooks);
    const reply = hooks.reply.bind(hooks);
    hooks.request = (pkt) => {
      const d = request(pkt);
      probes.ipvs += ipvs.verdict.probes;
      return d;
    };
    hooks.reply = (pkt) => {
      reply(pkt);
      probes.ipvs += ipvs.verdict.probes;
    };
    const ipvsApi = new KernelIpvsApi(ipvs);
    const ipsetApi = new RegistryIpsetApi(registry);
    const netlink = new CoveringNetlink(ns);
    const proxier = new IpvsProxier({ nodeName: NODE_NAME, nodeIPs: [NODE_IP_TEXT], config: proxyConfig('ipvs'), iptables: ns.iptables, ipset: ipsetApi, ipvs: ipvsApi, netlink, hasRandomFully: true, clock: env.clock });
    proxier.setObjects(cluster.serviceObjects, cluster.slices);
    const first = section(() => {
      const r = proxier.sync();
      compileAll(ns);
      return r;
    });
    const report = first.value;
    if (!report.ok) throw new Error(`ipvs proxier: first sync failed at ${report.stage ?? '?'}: ${report.error?.message ?? '?'}`);
    const m1 = liveBytes();
    const vsCount = report.ipvsOps.vsAdded;
    const rsCount = report.ipvsOps.rsAdded;
    const entries = report.ipsetOps.added;
    mem('proxier + kernel (IpvsProxier first sync: proxier state, IPVS, ipsets, rules)', m1 - m0, vsCount + rsCount + entries, 'object');

    // Kernel state alone: the same objects programmed directly into a scratch namespace.
    const states: ServiceState[] = [];
    for (let i = 0; i < S; i++) states.push(serviceState(cluster, i));
    const kernelOnly = this.kernelOnlyMemory(cluster, ctx, states);
    if (kernelOnly !== null) {
      mem('kernel: IPVS virtual + real servers', kernelOnly.ipvs, vsCount + rsCount, 'object');
      mem('kernel: ipsets', kernelOnly.sets, entries, 'entry');
      mem('proxier (userspace, by difference)', m1 - m0 - kernelOnly.total, vsCount + rsCount + entries, 'object');
    }
    const failures = report.failures.length > 0 ? `; the first sync logged ${report.failures.length} kernel failures and carried on, as kube-proxy does (first: ${report.failures[0]?.op} ${report.failures[0]?.target}: ${report.failures[0]?.error.message})` : '';
    if (report.failures.length > 0) ctx.progress.note(`ipvs ${S} svc: proxier first sync${failures.slice(1)}`);

    const dataplane: Dataplane = {
      ns,
      takeProbes: () => {
        const r = { ipset: probes.ipset, ipvs: probes.ipvs };
        probes.ipset = 0;
        probes.ipvs = 0;
        return r;
      },
      forgetConnections: () => {
        // Every connection times out (IPVS's own table and conntrack), outside the timed loop.
        env.clock.advance(24 * 3600 * 1000);
        ipvs.expire();
        ns.conntrack.table.flush();
      },
      // The namespace walk hands replies to IPVS itself (FORWARD and LOCAL_IN hooks).
      onReply: () => undefined,
    };

    const specs = new Map<string, IpsetSpec>(KUBE_SETS.map((s) => [s.name, setSpec(s.name, s.type, KUBE_MAXELEM)]));
    return {
      dataplane,
      memory,
      buildMs: first.ms,
      ruleset: null,
      measureUpdates: () => this.measureUpdates(cluster, ctx, { ns, proxier, ipvsApi, ipsetApi, netlink, specs, states, firstMs: first.ms, note: failures }),
    };
  }

  /** Bytes of the IPVS and ipset state for these services, programmed directly (no proxier). */
  private kernelOnlyMemory(cluster: BenchCluster, ctx: ModeContext, states: readonly ServiceState[]): { ipvs: number; sets: number; total: number } | null {
    if (!ctx.budget.canSpend(cluster.services * 0.2)) return null;
    let loopback = 0;
    for (const s of states) loopback += s.loopback.length;
    const maxElem = Math.max(KUBE_MAXELEM, 2 ** Math.ceil(Math.log2((Math.max(cluster.services, loopback) + 1) * 1.25)));
    // Everything built is held here until the last snapshot: a local that is not used any more
    // may be collected by the snapshot's GC, which would hide the state being measured.
    const keep: unknown[] = [];
    const m0 = liveBytes();
    const env = kernelEnv(ctx.seed);
    const ns = makeNodeNamespace(env);
    const hooks = new IpvsHooks(ns, {});
    ns.ipvsHooks = hooks;
    keep.push(ns);
    const api = new KernelIpvsApi(hooks.ipvs);
    for (const s of states) {
      api.addVirtualServer(s.vs);
      for (const r of s.rs) api.addRealServer(s.vs, r);
    }
    const m1 = liveBytes();
    const sets = new RegistryIpsetApi(ns.enableIpsets());
    const specs = new Map<string, IpsetSpec>();
    for (const s of KUBE_SETS) {
      const spec = setSpec(s.name, s.type, maxElem);
      specs.set(s.name, spec);
      sets.createSet(spec, true);
    }
    for (const s of states) {
      sets.addEntry(s.clusterIPEntry, specs.get('KUBE-CLUSTER-IP') as IpsetSpec, true);
      sets.addEntry(s.boundAddress, specs.get('KUBE-IPVS-IPS') as IpsetSpec, true);
      for (const e of s.loopback) sets.addEntry(e, specs.get('KUBE-LOOP-BACK') as IpsetSpec, true);
    }
    ns.iptables.restoreText(jumpRulesPayload(), { noflush: true, counters: false });
    ns.iptables.restoreText(fixedRulesPayload(), { noflush: true, counters: true });
    const m2 = liveBytes();
    if (keep.length !== 1) throw new Error('unreachable');
    return { ipvs: m1 - m0, sets: m2 - m1, total: m2 - m0 };
  }

  private measureUpdates(
    cluster: BenchCluster,
    ctx: ModeContext,
    k: { ns: NetNamespace; proxier: IpvsProxier; ipvsApi: KernelIpvsApi; ipsetApi: RegistryIpsetApi; netlink: CoveringNetlink; specs: Map<string, IpsetSpec>; states: ServiceState[]; firstMs: number; note: string },
  ): UpdateRow[] {
    const S = cluster.services;
    const budget = ctx.budget;
    const base = { mode: 'ipvs' as const, services: S, endpoints: cluster.endpoints };
    const rows: UpdateRow[] = [];
    const { proxier, ns } = k;
    const mid = S >> 1;
    const midSvc = cluster.serviceObjects[mid];
    const midSlice = cluster.slices[mid];
    if (midSvc === undefined || midSlice === undefined) throw new Error('cluster too small');
    const { extra } = cluster;

    // --- full passes of the IpvsProxier ------------------------------------------------------
    ctx.progress.step(`ipvs ${S} svc · update proxier syncs`);
    const sync = (): { t: Section; report: IpvsSyncReport } => {
      const t = section(() => {
        const r = proxier.sync();
        compileAll(ns);
        return r;
      });
      if (!t.value.ok) throw new Error(`ipvs proxier: sync failed at ${t.value.stage ?? '?'}: ${t.value.error?.message ?? '?'}`);
      return { t, report: t.value };
    };
    const probe = sync(); // nothing changed: the cost of one pass
    const passMs = Math.max(probe.t.ms, 0.01);
    let generation = 0;
    const ops: Record<UpdateOp, { run: () => void; undo: () => void; note: string }> = {
      'add-service': {
        run: () => {
          proxier.onServiceUpdate(extra.service);
          proxier.onEndpointSliceUpdate(extra.slice);
        },
        undo: () => {
          proxier.onServiceDelete(extra.service.metadata.namespace, extra.service.metadata.name);
          proxier.onEndpointSliceDelete(extra.slice.metadata.namespace, extra.slice.metadata.name);
        },
        note: 'IpvsProxier.sync() after a new service: a full pass that adds its virtual server, real servers, set entries and address',
      },
      'remove-service': {
        run: () => {
          proxier.onServiceDelete(midSvc.metadata.namespace, midSvc.metadata.name);
          proxier.onEndpointSliceDelete(midSlice.metadata.namespace, midSlice.metadata.name);
        },
        undo: () => {
          proxier.onServiceUpdate(midSvc);
          proxier.onEndpointSliceUpdate(midSlice);
        },
        note: 'IpvsProxier.sync() after a service is deleted: a full pass that deletes its virtual server, set entries and address',
      },
      'change-endpoints': {
        run: () => {
          generation = generation === 0 ? 1 : 0;
          proxier.onEndpointSliceUpdate(generation === 0 ? midSlice : serviceSliceGen(cluster, mid, 1));
        },
        undo: () => undefined,
        note: "IpvsProxier.sync() after one service's endpoints change (real servers quiesced to weight 0 when graceful termination applies)",
      },
      'full-resync': {
        run: () => undefined,
        undo: () => undefined,
        note: "IpvsProxier.sync() with nothing changed: kube-proxy's periodic IPVS pass (reads every virtual server twice and its real servers, lists every set, restores the fixed rules)",
      },
    };
    for (const op of ['full-resync', 'change-endpoints', 'add-service', 'remove-service'] as const) {
      const o = ops[op];
      const est = passMs * (op === 'add-service' || op === 'remove-service' ? 2 : 1);
      if (op !== 'full-resync' && op !== 'change-endpoints' && !budget.canSpend(est * 3)) {
        rows.push(updateRow({ ...base, strategy: 'full', op, skipped: budget.skipReason(est * 3) }));
        continue;
      }
      let last: IpvsSyncReport = probe.report;
      const s = sampleTimed(() => {
        o.run();
        const r = sync();
        o.undo();
        if (op === 'add-service' || op === 'remove-service') sync();
        last = r.report;
        return r.t;
      }, budget.updateFor(est, 0.5));
      const lr: IpvsSyncReport = last;
      const opsText = `vs +${lr.ipvsOps.vsAdded}/~${lr.ipvsOps.vsUpdated}/-${lr.ipvsOps.vsDeleted}, rs +${lr.ipvsOps.rsAdded}/~${lr.ipvsOps.rsUpdated}/-${lr.ipvsOps.rsDeleted}, ${lr.ipvsOps.reads} reads, set entries +${lr.ipsetOps.added}/-${lr.ipsetOps.deleted}${lr.failures.length > 0 ? `, ${lr.failures.length} failed kernel calls logged and skipped` : ''}`;
      rows.push(
        updateRow({
          ...base,
          strategy: 'full',
          op,
          medianMs: s.median,
          rmePct: s.rmePct,
          cpuMs: s.cpuMs,
          samples: s.samples,
          lines: lr.iptablesLines,
          rulesWritten: writes(lr),
          kernelCalls: calls(lr),
          note: `${o.note}; ${opsText}${k.note}`,
        }),
      );
    }

    if (generation !== 0) {
      // Back to the original endpoints, so the kernel holds what the states below describe.
      proxier.onEndpointSliceUpdate(midSlice);
      sync();
    }

    // --- the kernel operations alone -----------------------------------------------------------
    ctx.progress.step(`ipvs ${S} svc · update kernel operations`);
    const extraState = serviceState(cluster, extra.index);
    const midState = k.states[mid] as ServiceState;
    const changed = serviceState(cluster, mid, 1);
    const apiCalls = (): number => k.ipvsApi.totalCalls + ipsetCalls(k.ipsetApi);
    const timed = (fn: () => void): { t: Section; calls: number } => {
      const before = apiCalls();
      const t = section(fn);
      return { t, calls: apiCalls() - before };
    };
    const measure = (op: UpdateOp, run: () => { t: Section; calls: number; objects: number }, note: string): void => {
      let objects = 0;
      let kernelCalls = 0;
      const s = sampleTimed(() => {
        const r = run();
        objects = r.objects;
        kernelCalls = r.calls;
        return r.t;
      }, budget.update(0.5));
      const failed = setFailures.count > 0 ? `; ${setFailures.count} set-entry calls failed and were skipped as kube-proxy does (${setFailures.last}: KUBE-LOOP-BACK is over kube-proxy's maxelem 65536 at this scale)` : '';
      setFailures.count = 0;
      rows.push(updateRow({ ...base, strategy: 'incremental', op, medianMs: s.median, rmePct: s.rmePct, cpuMs: s.cpuMs, samples: s.samples, lines: kernelCalls, rulesWritten: objects, kernelCalls, note: `${note}${failed}` }));
    };
    const objectsOf = (s: ServiceState) => 1 + s.rs.length + 2 + s.loopback.length;
    // The proxier's state is left alone: each timed call is undone by its inverse (untimed).
    measure(
      'add-service',
      () => {
        const r = timed(() => {
          addService(k.ipvsApi, k.ipsetApi, k.specs, extraState);
          k.netlink.bindAddress(extraState.boundAddress, 'kube-ipvs0');
        });
        removeService(k.ipvsApi, k.ipsetApi, extraState);
        k.netlink.unbindAddress(extraState.boundAddress, 'kube-ipvs0');
        return { ...r, objects: objectsOf(extraState) };
      },
      'ipvsadm -A, one -a per endpoint, ipset add to KUBE-CLUSTER-IP, KUBE-IPVS-IPS and KUBE-LOOP-BACK (per local endpoint), address bound to kube-ipvs0',
    );
    measure(
      'remove-service',
      () => {
        const r = timed(() => {
          removeService(k.ipvsApi, k.ipsetApi, midState);
          k.netlink.unbindAddress(midState.boundAddress, 'kube-ipvs0');
        });
        addService(k.ipvsApi, k.ipsetApi, k.specs, midState);
        k.netlink.bindAddress(midState.boundAddress, 'kube-ipvs0');
        return { ...r, objects: 1 + 2 + midState.loopback.length };
      },
      'ipvsadm -D (its real servers go with it), ipset del of its entries, address unbound',
    );
    let flip = false;
    measure(
      'change-endpoints',
      () => {
        const [from, to] = flip ? [changed, midState] : [midState, changed];
        flip = !flip;
        let n = 0;
        const r = timed(() => {
          n = changeEndpoints(k.ipvsApi, k.ipsetApi, k.specs, from, to);
        });
        return { ...r, objects: n };
      },
      'ipvsadm -d / -a for the real servers that changed, KUBE-LOOP-BACK entries that changed',
    );
    rows.push(updateRow({ ...base, strategy: 'incremental', op: 'full-resync', skipped: 'a resync has nothing incremental to write: see the full-resync row of the proxier (strategy full)' }));
    return rows;
  }
}

function serviceSliceGen(cluster: BenchCluster, i: number, generation: number) {
  return syntheticSlice(i, cluster.endpoints, NODE_NAME, generation);
}

/**
 * kube-proxy's IPVS mode under test, over the kernel models of src/ipvs and src/ipset (see
 * ipvs-model.ts for what is programmed and how the namespace walk reaches IPVS).
 *
 * Per packet, the figures are the whole node walk: conntrack, the fixed nat rules (ipset
 * lookups), routing to the local ClusterIP, filter INPUT (ipset lookups), IPVS at LOCAL_IN
 * (connection lookup, virtual-service lookup, rr scheduling, connection entry), NAT and
 * POSTROUTING. Updates are the kernel operations kube-proxy issues for the change, through the
 * IpvsApi/IpsetApi interfaces (each call = one netlink request or one `ipset` exec upstream).
 */
import { RegistryIpsetApi, type IpsetSpec } from '../../src/ipset/index.js';
import { KernelIpvsApi } from '../../src/ipvs/index.js';
import { IpvsHooks, type NetNamespace } from '../../src/node/index.js';
import { type BenchCluster, kernelEnv, makeNodeNamespace } from '../cluster.js';
import { liveBytes } from '../memory.js';
import type { MemoryRow, UpdateOp, UpdateRow } from '../model.js';
import { sampleTimed, section, type Section } from '../sampler.js';
import { type BuiltMode, type Dataplane, type ModeContext, type ModeUnderTest, updateRow } from './mode.js';
import {
  addService,
  changeEndpoints,
  fixedRulesPayload,
  jumpRulesPayload,
  KUBE_MAXELEM,
  KUBE_SETS,
  removeService,
  SERVICE_CIDR,
  serviceState,
  setSpec,
  type ServiceState,
} from './ipvs-model.js';

function compileAll(ns: NetNamespace): void {
  for (const t of ns.netfilter.usedTables()) ns.netfilter.program(t);
}

export class IpvsMode implements ModeUnderTest {
  readonly name = 'ipvs' as const;
  readonly description =
    'IPVS mode over the src/ipvs and src/ipset kernel models, programmed by the bench as kube-proxy does (no IPVS proxier in src/proxy yet): per packet, the whole node walk with ipset matches in the fixed iptables rules and IPVS at LOCAL_IN (connection lookup, virtual-service hash lookup, rr scheduling, connection entry); per update, the IPVS/ipset API calls for the changed objects only.';

  build(cluster: BenchCluster, ctx: ModeContext): BuiltMode {
    const S = cluster.services;
    const memory: MemoryRow[] = [];
    const mem = (part: string, bytes: number, units: number, unitName: string): void => {
      memory.push({ mode: 'ipvs', services: S, endpoints: cluster.endpoints, part, bytes, units, unitName, bytesPerUnit: units > 0 ? bytes / units : Number.NaN });
    };
    const states: ServiceState[] = [];
    for (let i = 0; i < S; i++) states.push(serviceState(cluster, i));
    let loopbackEntries = 0;
    for (const s of states) loopbackEntries += s.loopback.length;
    const needed = Math.max(S + 1, loopbackEntries + cluster.endpoints);
    const maxElem = needed > KUBE_MAXELEM ? 2 ** Math.ceil(Math.log2(needed * 1.25)) : KUBE_MAXELEM;

    const env = kernelEnv(ctx.seed);
    const m0 = liveBytes();
    const ns = makeNodeNamespace(env);
    ns.addDevice('kube-ipvs0', 'dummy', '02:42:ee:ee:ee:ee');
    ns.fib.add({ network: SERVICE_CIDR.network, length: SERVICE_CIDR.length, type: 'local', dev: 'kube-ipvs0', gateway: 0, src: 0, metric: 0, table: 'local', onlink: false, scope: 'host' });
    const registry = ns.enableIpsets();
    const probes = { ipset: 0, ipvs: 0 };
    const provider = ns.sets;
    if (provider === null) throw new Error('ipsets not enabled');
    // Count the hash probes of every set test and every IPVS decision (untimed probe packets read them).
    ns.sets = {
      has: (name) => provider.has(name),
      test: (m, pkt) => {
        const r = provider.test(m, pkt);
        probes.ipset += registry.lastProbes;
        return r;
      },
    };
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
    const m1 = liveBytes();

    // Initial programming: sets, virtual and real servers, set entries, fixed rules.
    const t0 = performance.now();
    for (const s of states) {
      ipvsApi.addVirtualServer(s.vs);
      for (const r of s.rs) ipvsApi.addRealServer(s.vs, r);
    }
    const tIpvs = performance.now();
    const m2 = liveBytes();
    const t1 = performance.now();
    const specs = new Map<string, IpsetSpec>();
    for (const s of KUBE_SETS) {
      const spec = setSpec(s.name, s.type, maxElem);
      specs.set(s.name, spec);
      ipsetApi.createSet(spec, true);
    }
    const cip = specs.get('KUBE-CLUSTER-IP') as IpsetSpec;
    const ips = specs.get('KUBE-IPVS-IPS') as IpsetSpec;
    const lb = specs.get('KUBE-LOOP-BACK') as IpsetSpec;
    for (const s of states) {
      ipsetApi.addEntry(s.clusterIPEntry, cip, true);
      ipsetApi.addEntry(s.boundAddress, ips, true);
      for (const e of s.loopback) ipsetApi.addEntry(e, lb, true);
    }
    const tSets = performance.now();
    const m3 = liveBytes();
    const t2 = performance.now();
    ns.iptables.restoreText(jumpRulesPayload(), { noflush: true, counters: false });
    const fixed = fixedRulesPayload();
    ns.iptables.restoreText(fixed, { noflush: true, counters: true });
    compileAll(ns);
    const tRules = performance.now();
    const m4 = liveBytes();
    const buildMs = tIpvs - t0 + (tSets - t1) + (tRules - t2);

    const realServers = states.reduce((n, s) => n + s.rs.length, 0);
    const setEntries = 2 * S + loopbackEntries;
    mem('kernel: IPVS virtual + real servers', m2 - m1, S + realServers, 'object');
    mem('kernel: ipsets (17 sets)', m3 - m2, setEntries, 'entry');
    mem('kernel: fixed iptables rules', m4 - m3, ns.netfilter.ruleCount(), 'rule');
    mem('kernel: IPVS mode total (incl. namespace)', m4 - m0, S + realServers + setEntries, 'object');

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

    const note = maxElem > KUBE_MAXELEM ? `set maxelem raised to ${maxElem}: kube-proxy's fixed 65536 would overflow (KUBE-LOOP-BACK holds ${loopbackEntries} entries, "Set is full")` : '';

    return {
      dataplane,
      memory,
      buildMs,
      ruleset: null,
      measureUpdates: () => this.measureUpdates(cluster, ctx, { ns, ipvsApi, ipsetApi, specs, states, fixed, note, buildMs }),
    };
  }

  private measureUpdates(
    cluster: BenchCluster,
    ctx: ModeContext,
    k: { ns: NetNamespace; ipvsApi: KernelIpvsApi; ipsetApi: RegistryIpsetApi; specs: Map<string, IpsetSpec>; states: ServiceState[]; fixed: string; note: string; buildMs: number },
  ): UpdateRow[] {
    const S = cluster.services;
    const base = { mode: 'ipvs' as const, services: S, endpoints: cluster.endpoints, strategy: 'incremental' as const };
    const rows: UpdateRow[] = [];
    const extra = serviceState(cluster, cluster.extra.index);
    const mid = S >> 1;
    const midState = k.states[mid] as ServiceState;
    const changed = serviceState(cluster, mid, 1);
    const calls = (): number => k.ipvsApi.totalCalls + ipsetCalls(k.ipsetApi);

    const measure = (op: UpdateOp, run: () => { t: Section; objects: number; calls: number }, note: string): void => {
      let objects = 0;
      let kernelCalls = 0;
      const s = sampleTimed(() => {
        const r = run();
        objects = r.objects;
        kernelCalls = r.calls;
        return r.t;
      }, ctx.budget.update(0.5));
      rows.push(updateRow({ ...base, op, medianMs: s.median, rmePct: s.rmePct, cpuMs: s.cpuMs, samples: s.samples, lines: kernelCalls, rulesWritten: objects, kernelCalls, note: [note, k.note].filter((x) => x !== '').join('; ') }));
    };
    /** Times `fn` and counts the kernel API calls it makes. */
    const timed = (fn: () => void): { t: Section; calls: number } => {
      const before = calls();
      const t = section(fn);
      return { t, calls: calls() - before };
    };

    ctx.progress.step(`ipvs ${S} svc · updates`);
    const objectsOf = (s: ServiceState) => 1 + s.rs.length + 2 + s.loopback.length;
    // Timed calls are paired with their inverse (untimed) so every sample sees the same state.
    measure(
      'add-service',
      () => {
        const r = timed(() => addService(k.ipvsApi, k.ipsetApi, k.specs, extra));
        removeService(k.ipvsApi, k.ipsetApi, extra);
        return { ...r, objects: objectsOf(extra) };
      },
      'ipvsadm -A + one -a per endpoint + ipset add (KUBE-CLUSTER-IP, KUBE-IPVS-IPS, KUBE-LOOP-BACK per local endpoint)',
    );
    measure(
      'remove-service',
      () => {
        const r = timed(() => removeService(k.ipvsApi, k.ipsetApi, midState));
        addService(k.ipvsApi, k.ipsetApi, k.specs, midState);
        return { ...r, objects: 1 + 2 + midState.loopback.length };
      },
      'ipvsadm -D (real servers go with it) + ipset del of its entries',
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
      'ipvsadm -d/-a for the real servers that changed + KUBE-LOOP-BACK entries that changed',
    );
    // The periodic sync: kube-proxy reads back every virtual server (GetVirtualServer twice,
    // GetRealServers once), lists every set and diffs it with the wanted entries, and restores
    // the fixed iptables rules. Nothing changed, so nothing is written to IPVS or the sets.
    measure(
      'full-resync',
      () => {
        const r = timed(() => {
          for (const s of k.states) {
            k.ipvsApi.getVirtualServer(s.vs);
            k.ipvsApi.getVirtualServer(s.vs);
            const have = k.ipvsApi.getRealServers(s.vs);
            if (have.length !== s.rs.length) throw new Error('ipvs: real servers out of sync');
          }
          const wanted = new Map<string, string[]>([
            ['KUBE-CLUSTER-IP', k.states.map((s) => s.clusterIPEntry)],
            ['KUBE-IPVS-IPS', k.states.map((s) => s.boundAddress)],
            ['KUBE-LOOP-BACK', k.states.flatMap((s) => s.loopback)],
          ]);
          for (const [name, want] of wanted) {
            const have = new Set(k.ipsetApi.listEntries(name));
            for (const e of want) if (!have.has(e)) k.ipsetApi.addEntry(e, k.specs.get(name) as IpsetSpec, true);
          }
          k.ns.iptables.restoreText(k.fixed, { noflush: true, counters: true });
          compileAll(k.ns);
        });
        return { ...r, objects: 0 };
      },
      `kube-proxy's periodic IPVS sync with nothing changed: 2 GetVirtualServer + 1 GetRealServers per virtual server, ipset list + diff of the 3 filled sets, one restore of the fixed iptables rules (a model of the upstream sync loop; initial programming from empty took ${k.buildMs.toFixed(1)} ms)`,
    );
    return rows;
  }
}

function ipsetCalls(api: RegistryIpsetApi): number {
  let n = 0;
  for (const v of Object.values(api.counts)) n += v;
  return n;
}

/**
 * The benchmark run: for each service count of the ladder and each mode, build the mode's state
 * (timing it and measuring its memory), time per-packet lookups and updates, and, with
 * `--kernel`, set the real kernel beside the emulator for the iptables ruleset. Then evaluate the
 * targets, write JSON/CSV/HTML, and return everything. {@link runBench} is what `npm run bench`
 * and `kpemu bench` call.
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import { formatIpv4 } from '../src/core/index.js';
import { Budget } from './budget.js';
import { scanYardstick } from './calibrate.js';
import { type BenchCluster, kernelEnv, makeCluster, makeNodeNamespace } from './cluster.js';
import { connectionRow, KERNEL_METHOD, KERNEL_TOOLS, kernelConnections, kernelRestore, restoreRow } from './kernel/kernel.js';
import { cleanupAll, installCleanup, kernelUnavailable } from './kernel/netns.js';
import { measureLookups, measureOutputPath } from './lookup.js';
import { collect, gcDescription } from './memory.js';
import type { BenchResults, KernelConnectionRow, KernelRestoreRow, KernelSection, LookupRow, MemoryRow, RoundTripRow, UpdateRow } from './model.js';
import type { Dataplane, ModeContext, ModeUnderTest, RulesetArtifact } from './modes/mode.js';
import { type BenchOptions, defaultOptions } from './options.js';
import { Progress } from './progress.js';
import { measureRoundTrips, ROUND_TRIP_MAX_SERVICES } from './roundtrip.js';
import { consoleReport } from './report/console.js';
import { writeResults } from './report/files.js';
import { fmtMs, fmtNs } from './report/format.js';
import { summarize } from './stats.js';
import { evaluateTargets } from './targets.js';

export type { BenchOptions } from './options.js';
export type { BenchResults } from './model.js';

export interface BenchRun {
  readonly results: BenchResults;
  /** Paths written. */
  readonly files: readonly string[];
  /** The console table (also printed when `printTable` is on). */
  readonly table: string;
}

const NOTES: readonly string[] = [
  'Per packet: benchmark.js (warm-up and calibration, then cycles of many calls; the median of the per-call cycle means is shown with the relative margin of error at 95 %). Every call of a new-connection case sends a SYN with a fresh (pod address, source port) pair from a pod on cni0 into the node namespace (receive → PREROUTING … POSTROUTING); between cycles, outside the timed loop, conntrack is flushed and IPVS connections are expired. Rules evaluated and hash probes come from untimed probe packets of the same case (the random case averages 512).',
  'The random case draws a service uniformly for every packet from 4,096 indexes fixed by the seed; the non-service case sends to 10.200.0.1, which no service owns (iptables mode walks all of KUBE-SERVICES for it).',
  'Round trip (issue 5): a three-node flannel cluster (VXLAN) with the same number of ClusterIP services, every endpoint a pod on node-2 or node-3; a client pod on node-1 opens a new connection per round trip (fresh source port) to a service drawn from 4,096 seeded indexes: SYN through its veth and cni0, kube-proxy DNAT on node-1, flannel.1 VXLAN, the underlay, decapsulation, the endpoint pod; the SYN-ACK all the way back, un-DNATed, to the client. Through src/cluster’s Forwarder (what `kpemu trace` uses) with no trace sink; between cycles every namespace forgets its connections. Measured up to 10,000 services.',
  'Established: one connection to the first service is opened with a real handshake (SYN via the node, SYN-ACK from the chosen endpoint, ACK), then its ACKs are timed; conntrack answers them and the nat table is skipped.',
  'iptables updates: time of IptablesProxier.sync() (change tracking, payload build, iptables-restore into the emulated kernel) plus recompiling the changed tables, because a table must be compiled before packets use it (the kernel translates a table on each replace). Each sample starts from the same state: a timed change is undone by an untimed one. The proxier runs on a manual clock, so the hourly forced full sync and the large-cluster stale-chain cleanup (at most once per syncPeriod) do not fall into partial-sync samples.',
  'Per-rule strategy: each `iptables` command (-N, -A, -I, -D, -F, -X) runs as its own transaction, replacing the whole table and recompiling it, as legacy iptables copies the table out and back per command. The commands for one service are taken from the proxier’s own payload for it (23 to add, 13 to remove at 5 endpoints). Where one command is too slow for the budget, the figure is extrapolated linearly in table size from smaller scales; building a whole ruleset one command per rule is quadratic and is measured on small calibration clusters, then extrapolated with a quadratic fit (marked extrapolated, dashed in the charts).',
  'Slow operations (one run longer than half of its time budget) are measured once, without a margin of error; rows that would only repeat the full-resync figure at large scales are skipped with a reason.',
  'Memory: live heap + array buffers grown by building a part, full garbage collections before and after (see the memory line above). The iptables proxier figure excludes the payload string it returned.',
  'IPVS mode: ClusterIPs are made local by one `local 10.96.0.0/12 dev kube-ipvs0` route, not one /32 address per service, because the emulated FIB (src/route/fib.ts) scans its routes linearly and sorts on every insert; kube-proxy binds each ClusterIP, and the kernel FIB trie makes that O(1) per packet.',
  'Clock: figures are wall time on a shared 2-core machine; the load average at start and end is recorded above.',
];

function kernelCheck(o: BenchOptions): { available: boolean; reason: string } {
  if (!o.kernel) return { available: false, reason: 'not requested' };
  const why = kernelUnavailable(KERNEL_TOOLS);
  return why === null ? { available: true, reason: '' } : { available: false, reason: why };
}

/** Modes are loaded on demand, so a run of one mode does not depend on the other's modules. */
async function modeFor(name: BenchOptions['modes'][number]): Promise<ModeUnderTest> {
  if (name === 'iptables') return new (await import('./modes/iptables.js')).IptablesMode();
  return new (await import('./modes/ipvs.js')).IpvsMode();
}

/** Runs the benchmarks. Options not given take their defaults (the full ladder, both modes). */
export async function runBench(options: Partial<BenchOptions> = {}): Promise<BenchRun> {
  const o = defaultOptions(options);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const startedAt = new Date().toISOString();
  const loadStart = loadavg();
  const yardStart = scanYardstick();
  const progress = new Progress(o.progress);
  const budget = new Budget(o);
  budget.setMachineSpeed(yardStart.wallNs);
  const ctx: ModeContext = { budget, progress, seed: o.seed };
  const modes: ModeUnderTest[] = [];
  for (const m of o.modes) modes.push(await modeFor(m));
  const lookup: LookupRow[] = [];
  const roundTrip: RoundTripRow[] = [];
  const update: UpdateRow[] = [];
  const memory: MemoryRow[] = [];
  const notes = [...NOTES];
  const restoreMs = new Map<number, { median: number; rmePct: number; samples: number }>();
  const kRestore: KernelRestoreRow[] = [];
  const kConn: KernelConnectionRow[] = [];
  const kRatios: { what: string; services: number; ratio: number; goal: string; pass: boolean | null }[] = [];
  const kernel = kernelCheck(o);
  if (o.kernel && !kernel.available) progress.note(`kernel side skipped: ${kernel.reason}`);
  progress.note(`kpemu bench: ${o.services.join(', ')} services × ${o.endpoints} endpoints; modes ${o.modes.join(', ')}${o.quick ? ' (quick)' : ''}${kernel.available ? '; real kernel beside' : ''}; memory: ${gcDescription()}`);

  try {
    const units = o.services.flatMap((services) => modes.map((m) => ({ services, mode: m.name })));
    let unit = 0;
    for (const S of o.services) {
      const cluster = makeCluster(S, o.endpoints);
      for (const mode of modes) {
        budget.beginUnit(units.slice(++unit));
        progress.step(`${mode.name} ${S} svc · build`);
        collect();
        const built = mode.build(cluster, ctx);
        memory.push(...built.memory);
        progress.note(`${mode.name} ${S} svc: built in ${fmtMs(built.buildMs)}`);
        collect();
        const rows = measureLookups(mode.name, built.dataplane, cluster, budget, progress, o.seed);
        lookup.push(...rows);
        const last = rows.find((r) => r.case === 'new-last');
        for (const r of rows) if (r.error !== null) progress.note(`${mode.name} ${S} ${r.case}: ${r.error}`);
        if (S <= ROUND_TRIP_MAX_SERVICES) {
          progress.step(`${mode.name} ${S} svc · round trip across nodes`);
          const rt = measureRoundTrips(mode.name, S, o.endpoints, budget, o.seed);
          roundTrip.push(rt);
          progress.note(`${mode.name} ${S} svc: ${Math.round(rt.cpuRoundTripsPerSec).toLocaleString('en-US')} round trips/s (CPU)${rt.error !== null ? `; ${rt.error}` : ''}`);
        }
        const ups = built.measureUpdates();
        update.push(...ups);
        const rs = ups.find((u) => u.op === 'full-resync' && u.strategy !== 'per-rule');
        progress.note(`${mode.name} ${S} svc: new-last ${fmtNs(last?.medianNs ?? Number.NaN)}, full resync ${fmtMs(rs?.medianMs ?? Number.NaN)}`);
        if (built.ruleset !== null) {
          const restores = emulatorRestores(built.ruleset, budget, progress, S);
          const emu = restores.samples;
          if (restores.cold) notes.push(`Emulator restore at ${S} services: one sample, the build's own restore with cold (not yet optimised) code; warm samples would not fit the time budget.`);
          restoreMs.set(S, summarize(emu));
          if (kernel.available && S <= o.kernelMaxServices) {
            // The kernel's time is not charged to the emulator's budget (--kernel adds to the run).
            const k0 = performance.now();
            // Namespaces exist only in here: Ctrl-C deletes them (the harness yields to the event
            // loop between kernel commands so the handler runs), elsewhere it just stops the run.
            const removeCleanup = installCleanup();
            try {
              await kernelSide(cluster, built.ruleset, built.dataplane, emu, budget, progress, { kRestore, kConn, kRatios });
            } finally {
              removeCleanup();
            }
            budget.exclude(performance.now() - k0);
          }
        }
      }
    }
  } finally {
    cleanupAll();
  }
  if (kernel.available && o.services.some((s) => s > o.kernelMaxServices)) {
    notes.push(`Real kernel measured up to ${o.kernelMaxServices} services (--kernel-max-services); larger restores take tens of seconds per sample.`);
  }
  const kernelSection: KernelSection = {
    requested: o.kernel,
    available: kernel.available,
    reason: kernel.reason,
    method: KERNEL_METHOD,
    restore: kRestore,
    connection: kConn,
    ratios: kRatios,
  };
  const targets = evaluateTargets(lookup, update, memory, restoreMs, kernelSection, o.endpoints, roundTrip);
  const cpu = cpus();
  const results: BenchResults = {
    meta: {
      tool: 'kpemu bench (bench/run.ts, benchmark.js 2.1.4)',
      startedAt,
      durationMs: performance.now() - started,
      node: process.versions.node,
      platform: process.platform,
      kernel: release(),
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      totalMemGiB: totalmem() / 1024 ** 3,
      loadAvgStart: loadStart,
      loadAvgEnd: loadavg(),
      scanYardstick: { start: yardStart, end: scanYardstick() },
      cpuShare: cpuShareSince(cpuStart, started),
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
      gcMethod: gcDescription(),
      modeDescriptions: modes.map((m) => ({ mode: m.name, description: m.description })),
      options: o,
      notes,
    },
    lookup,
    roundTrip,
    update,
    memory,
    kernel: kernelSection,
    targets,
  };
  progress.step('writing results');
  const files = writeResults(results, o.outDir, o.label);
  const table = consoleReport(results);
  progress.done();
  progress.note(`done in ${(results.meta.durationMs / 1000).toFixed(1)} s; wrote ${files.length} files to ${o.outDir}`);
  if (o.printTable) process.stdout.write(`${table}\n`);
  return { results, files, table };
}

function cpuShareSince(c0: NodeJS.CpuUsage, t0: number): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / (performance.now() - t0);
}

/**
 * The emulator's restore time (restore + compile, ms) of the generated payload into fresh
 * namespaces, within the budget. The build's own restore ran with cold (unoptimised) parser code,
 * which costs a few hundred ms at any size; it is used only when no warm sample fits the budget.
 */
function emulatorRestores(art: RulesetArtifact, budget: Budget, progress: Progress, services: number): { samples: number[]; cold: boolean } {
  const first = art.initial.restoreMs + art.initial.compileMs;
  const out: number[] = [];
  const o = budget.update(2);
  const started = performance.now();
  while ((out.length < Math.max(o.minSamples, 3) || (performance.now() - started < o.budgetMs && out.length < 10)) && budget.canSpend(first * 1.5)) {
    progress.step(`iptables ${services} svc · emulator restore sample ${out.length + 1}`);
    collect();
    const r = art.restoreIntoFresh();
    out.push(r.restoreMs + r.compileMs);
    if (out.length >= 3 && r.restoreMs + r.compileMs > o.budgetMs / 2) break;
  }
  collect();
  return out.length === 0 ? { samples: [first], cold: true } : { samples: out, cold: false };
}

async function kernelSide(
  cluster: BenchCluster,
  art: RulesetArtifact,
  dp: Dataplane,
  emuRestore: readonly number[],
  budget: Budget,
  progress: Progress,
  out: { kRestore: KernelRestoreRow[]; kConn: KernelConnectionRow[]; kRatios: { what: string; services: number; ratio: number; goal: string; pass: boolean | null }[] },
): Promise<void> {
  const S = cluster.services;
  const E = cluster.endpoints;
  const nl = budget.kernelRestoreSamples(S, 'legacy');
  progress.step(`kernel ${S} svc · iptables-legacy-restore ×${nl}`);
  const legacy = await kernelRestore('legacy', art, nl);
  const nn = budget.kernelRestoreSamples(S, 'nft');
  progress.step(`kernel ${S} svc · iptables-nft-restore ×${nn}`);
  const nft = await kernelRestore('nft', art, nn);
  const legacyRow = restoreRow(S, E, 'legacy', art, legacy.ms);
  const nftRow = restoreRow(S, E, 'nft', art, nft.ms);
  const emuRow = restoreRow(S, E, 'emulator', art, emuRestore);
  out.kRestore.push(legacyRow, nftRow, emuRow);
  progress.note(`kernel ${S} svc: restore legacy ${fmtMs(legacyRow.medianMs)} (${legacy.verified}; start-up ${fmtMs(legacy.startupMs)}), nft ${fmtMs(nftRow.medianMs)} (${nft.verified}), emulator ${fmtMs(emuRow.medianMs)}`);
  out.kRatios.push({ what: 'restore vs iptables-legacy-restore', services: S, ratio: emuRow.medianMs / legacyRow.medianMs, goal: '≤ 0.25×', pass: emuRow.medianMs / legacyRow.medianMs <= 0.25 });
  out.kRatios.push({ what: 'restore vs iptables-nft-restore', services: S, ratio: emuRow.medianMs / nftRow.medianMs, goal: '–', pass: null });

  const ip = (i: number) => formatIpv4(cluster.clusterIP(i));
  const targets = [
    { name: 'first' as const, dst: ip(0), ruleMatch: ` ${ip(0)} ` },
    { name: 'last' as const, dst: ip(S - 1), ruleMatch: ` ${ip(S - 1)} ` },
  ];
  const k = await kernelConnections(art, targets, budget, progress, S);
  progress.note(`kernel ${S} svc: ${k.check}`);
  progress.step(`emulator ${S} svc · output path (first, last, baseline)`);
  const first = measureOutputPath(dp, cluster.clusterIP(0), budget);
  const last = measureOutputPath(dp, cluster.clusterIP(S - 1), budget);
  const baseNs = makeNodeNamespace(kernelEnv(7));
  baseNs.iptables.restoreText('*nat\nCOMMIT\n*filter\nCOMMIT\n', { noflush: false, counters: false });
  const baseDp: Dataplane = { ns: baseNs, takeProbes: () => ({ ipset: 0, ipvs: 0 }), forgetConnections: () => baseNs.conntrack.table.flush(), onReply: () => undefined };
  const base = measureOutputPath(baseDp, cluster.clusterIP(0), budget, false);
  for (const e of [first, last, base]) if (e.error !== null) progress.note(`emulator output path: ${e.error}`);
  const kb = k.rows.get('baseline') ?? { ns: Number.NaN, rmePct: Number.NaN, count: 0 };
  const kf = k.rows.get('first') ?? { ns: Number.NaN, rmePct: Number.NaN, count: 0 };
  const kl = k.rows.get('last') ?? { ns: Number.NaN, rmePct: Number.NaN, count: 0 };
  const ef = { ns: first.t.medianNs, rmePct: first.t.rmePct, rules: first.rules };
  const el = { ns: last.t.medianNs, rmePct: last.t.rmePct, rules: last.rules };
  out.kConn.push(connectionRow(S, E, 'baseline', kb, kb.ns, { ns: base.t.medianNs, rmePct: base.t.rmePct, rules: base.rules }, k.rounds));
  out.kConn.push(connectionRow(S, E, 'first', kf, kb.ns, ef, k.rounds));
  out.kConn.push(connectionRow(S, E, 'last', kl, kb.ns, el, k.rounds));
  out.kRatios.push({ what: 'new connection, first service', services: S, ratio: ef.ns / kf.ns, goal: '≤ 0.5×', pass: ef.ns / kf.ns <= 0.5 });
  out.kRatios.push({ what: 'new connection, last service', services: S, ratio: el.ns / kl.ns, goal: '≤ 0.5×', pass: el.ns / kl.ns <= 0.5 });
  if (S >= 1000) {
    const rules = el.rules - ef.rules;
    const slope = (el.ns - ef.ns) / rules / ((kl.ns - kf.ns) / rules);
    out.kRatios.push({ what: 'cost per rule walked ((last − first) / rules)', services: S, ratio: slope, goal: '–', pass: null });
  }
  progress.note(`kernel ${S} svc: new connection first ${fmtNs(kf.ns)} / last ${fmtNs(kl.ns)} (baseline ${fmtNs(kb.ns)}); emulator first ${fmtNs(ef.ns)} / last ${fmtNs(el.ns)}`);
}

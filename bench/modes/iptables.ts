/**
 * kube-proxy's iptables mode under test: the real {@link IptablesProxier} of src/proxy writing
 * into an emulated node namespace.
 *
 * Building: the first sync runs against a recorder (so the proxier's own memory and the payload
 * build are measured alone), then the recorded jump rules and the payload are applied to the node
 * namespace with a timed restore and a timed compile; from then on the proxier talks to the
 * namespace directly. Every update figure is proxier work + restore into the emulated kernel +
 * recompiling the changed tables (a table must be compiled before a packet can use it, as the
 * kernel translates a table on every replace).
 */
import { syntheticSlice } from '../../src/cluster/index.js';
import type { IptablesApi, NfacctApi, TableName } from '../../src/netfilter/index.js';
import { IptablesProxier, type SyncReport } from '../../src/proxy/index.js';
import type { NetNamespace } from '../../src/node/index.js';
import { type BenchCluster, kernelEnv, makeCluster, makeNodeNamespace, NODE_IP_TEXT, NODE_NAME, proxyConfig } from '../cluster.js';
import { collect, liveBytes } from '../memory.js';
import type { MemoryRow, UpdateOp, UpdateRow } from '../model.js';
import { cpuMicros, sampleTimed, section, type SampleTimedOptions, type TimedSamples } from '../sampler.js';
import { median, polyFit, summarize as sampleSummary } from '../stats.js';
import { type BuiltMode, type Dataplane, type ModeContext, type ModeUnderTest, type RulesetArtifact, updateRow } from './mode.js';
import { commandArgv, countRules, parsePayload, perRuleCommands, restoreWord } from './payload.js';

/** Records what a proxier asks of the kernel, holding nothing (the first sync is replayed later). */
/** Records what a proxier asks of the kernel (ensured chains and jumps, the restore payload) without a kernel. */
export class RecordingIptables implements IptablesApi {
  readonly ensured: ({ readonly kind: 'chain'; readonly table: TableName; readonly chain: string } | { readonly kind: 'rule'; readonly position: 'append' | 'prepend'; readonly table: TableName; readonly chain: string; readonly args: readonly string[] })[] = [];
  payload = '';

  ensureChain(table: TableName, chain: string): boolean {
    this.ensured.push({ kind: 'chain', table, chain });
    return false;
  }
  flushChain(): void {}
  deleteChain(): void {}
  ensureRule(position: 'append' | 'prepend', table: TableName, chain: string, args: readonly string[]): boolean {
    this.ensured.push({ kind: 'rule', position, table, chain, args: [...args] });
    return false;
  }
  deleteRule(): void {}
  save(): string {
    return '';
  }
  restoreAll(text: string): void {
    this.payload = text;
  }

  /** The ensured chains and jump rules as restore text, to apply before the payload (as the proxier did). */
  jumpsText(): string {
    const byTable = new Map<TableName, { chains: string[]; rules: string[] }>();
    const get = (t: TableName) => {
      let b = byTable.get(t);
      if (b === undefined) byTable.set(t, (b = { chains: [], rules: [] }));
      return b;
    };
    for (const e of this.ensured) {
      const b = get(e.table);
      if (e.kind === 'chain') {
        if (!b.chains.includes(e.chain)) b.chains.push(e.chain);
      } else {
        const where = e.position === 'prepend' ? `-I ${e.chain} 1` : `-A ${e.chain}`;
        b.rules.push(`${where} ${e.args.map(restoreWord).join(' ')}`);
      }
    }
    const out: string[] = [];
    for (const [table, b] of byTable) out.push(`*${table}`, ...b.chains.map((c) => `:${c} - [0:0]`), ...b.rules, 'COMMIT');
    return `${out.join('\n')}\n`;
  }
}

/** Forwards to a target that can be swapped (the recorder first, the namespace afterwards). */
class SwitchIptables implements IptablesApi {
  constructor(public target: IptablesApi) {}
  ensureChain(table: TableName, chain: string): boolean {
    return this.target.ensureChain(table, chain);
  }
  flushChain(table: TableName, chain: string): void {
    this.target.flushChain(table, chain);
  }
  deleteChain(table: TableName, chain: string): void {
    this.target.deleteChain(table, chain);
  }
  ensureRule(position: 'append' | 'prepend', table: TableName, chain: string, args: readonly string[]): boolean {
    return this.target.ensureRule(position, table, chain, args);
  }
  deleteRule(table: TableName, chain: string, args: readonly string[]): void {
    this.target.deleteRule(table, chain, args);
  }
  save(table?: TableName): string {
    return this.target.save(table);
  }
  restoreAll(text: string, options: { readonly noflush: boolean; readonly counters: boolean }): void {
    this.target.restoreAll(text, options);
  }
}

class NfacctNames implements NfacctApi {
  readonly names = new Set<string>();
  ensureCounter(name: string): void {
    this.names.add(name);
  }
  hasCounter(name: string): boolean {
    return this.names.has(name);
  }
}

/** Compiles every loaded table (the kernel's translate step); returns ms. */
function compileAll(ns: NetNamespace): number {
  const t0 = performance.now();
  for (const t of ns.netfilter.usedTables()) ns.netfilter.program(t);
  return performance.now() - t0;
}

function newProxier(cluster: BenchCluster, api: IptablesApi, nfacct: NfacctApi): IptablesProxier {
  const env = kernelEnv(1);
  return new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: [NODE_IP_TEXT], config: proxyConfig('iptables'), iptables: api, nfacct, hasRandomFully: true, clock: env.clock });
}

/** A namespace holding `jumps` then `payload`, restored; returns it with the restore and compile times. */
function restoreFresh(seed: number, counters: readonly string[], jumps: string, payload: string): { ns: NetNamespace; restoreMs: number; compileMs: number } {
  const ns = makeNodeNamespace(kernelEnv(seed));
  for (const c of counters) ns.ensureCounter(c);
  ns.iptables.restoreText(jumps, { noflush: true, counters: false });
  const t0 = performance.now();
  ns.iptables.restoreText(payload, { noflush: true, counters: true });
  const restoreMs = performance.now() - t0;
  return { ns, restoreMs, compileMs: compileAll(ns) };
}

interface SyncSample {
  readonly totalMs: number;
  readonly cpuMs: number;
  readonly buildMs: number;
  readonly restoreMs: number;
  readonly compileMs: number;
  readonly report: SyncReport;
}

/** Per-rule CLI cost model, fitted across the run's scales (the mode object lives for the whole run). */
interface PerRuleHistory {
  /** (rules in the table, ms per command) for single-service add/remove. */
  readonly perCommand: { x: number; y: number }[];
  /** (commands, ms) for building a whole ruleset one command at a time. */
  readonly wholeBuild: { x: number; y: number; services: number }[];
  calibrated: boolean;
}

export class IptablesMode implements ModeUnderTest {
  readonly name = 'iptables' as const;
  readonly description =
    'kube-proxy iptables mode (src/proxy/iptables IptablesProxier) restoring into an emulated node namespace; a packet walks the namespace hook by hook (conntrack, nat KUBE-SERVICES rule by rule, filter, routing).';
  private readonly perRule: PerRuleHistory = { perCommand: [], wholeBuild: [], calibrated: false };

  build(cluster: BenchCluster, ctx: ModeContext): BuiltMode {
    const memory: MemoryRow[] = [];
    const mem = (part: string, bytes: number, units: number, unitName: string): void => {
      memory.push({ mode: 'iptables', services: cluster.services, endpoints: cluster.endpoints, part, bytes, units, unitName, bytesPerUnit: units > 0 ? bytes / units : Number.NaN });
    };

    // 1. The proxier alone: first sync against the recorder.
    const recorder = new RecordingIptables();
    const nfacct = new NfacctNames();
    const api = new SwitchIptables(recorder);
    const m0 = liveBytes();
    const proxier = newProxier(cluster, api, nfacct);
    proxier.setObjects(cluster.serviceObjects, cluster.slices);
    const first = proxier.sync();
    if (!first.ok) throw new Error(`iptables proxier: first sync failed: ${first.error?.message ?? '?'}`);
    const firstBuildMs = first.durationMs;
    const payload = recorder.payload;
    const payloadLines = first.lines;
    const natRules = first.natRulesTotal;
    const filterRules = first.filterRules;
    const m1 = liveBytes();
    mem('proxier (userspace kube-proxy state, payload text excluded)', m1 - m0 - payload.length, natRules + filterRules, 'rule');

    // 2. The kernel side: jumps, then the payload restore and the compile, each timed.
    const env = kernelEnv(ctx.seed);
    const ns = makeNodeNamespace(env);
    for (const c of nfacct.names) ns.ensureCounter(c);
    for (const e of recorder.ensured) {
      if (e.kind === 'chain') ns.iptables.ensureChain(e.table, e.chain);
      else ns.iptables.ensureRule(e.position, e.table, e.chain, e.args);
    }
    const jumps = recorder.jumpsText();
    const m2 = liveBytes();
    const t0 = performance.now();
    ns.iptables.restoreText(payload, { noflush: true, counters: true });
    const restoreMs = performance.now() - t0;
    // The restore compiles the tables itself; compileAll only catches a table left uncompiled.
    const compileMs = compileAll(ns);
    const m4 = liveBytes();
    const rules = ns.netfilter.ruleCount();
    mem('kernel: netfilter total', m4 - m2, rules, 'rule');
    api.target = ns.iptables;

    const dataplane: Dataplane = {
      ns,
      takeProbes: () => ({ ipset: 0, ipvs: 0 }),
      forgetConnections: () => ns.conntrack.table.flush(),
      onReply: () => undefined,
    };

    const counters = [...nfacct.names];
    const ruleset: RulesetArtifact = {
      payload,
      jumps,
      nfacctCounters: counters,
      lines: payloadLines,
      rules: natRules + filterRules,
      initial: { restoreMs, compileMs },
      restoreIntoFresh: () => {
        const r = restoreFresh(ctx.seed, counters, jumps, payload);
        return { restoreMs: r.restoreMs, compileMs: r.compileMs };
      },
    };

    return {
      dataplane,
      memory,
      buildMs: firstBuildMs + restoreMs + compileMs,
      ruleset,
      measureUpdates: () =>
        this.measureUpdates(cluster, ctx, proxier, ns, { restoreMs, compileMs, buildMs: first.buildMs, firstSyncMs: firstBuildMs + restoreMs + compileMs, lines: payloadLines, rules: natRules + filterRules, natRules }),
    };
  }

  private measureUpdates(
    cluster: BenchCluster,
    ctx: ModeContext,
    p: IptablesProxier,
    ns: NetNamespace,
    initial: { restoreMs: number; compileMs: number; buildMs: number; firstSyncMs: number; lines: number; rules: number; natRules: number },
  ): UpdateRow[] {
    const rows: UpdateRow[] = [];
    const S = cluster.services;
    const base = { mode: 'iptables' as const, services: S, endpoints: cluster.endpoints };
    const mid = S >> 1;
    const midSvc = cluster.serviceObjects[mid];
    const midSlice = cluster.slices[mid];
    if (midSvc === undefined || midSlice === undefined) throw new Error('cluster too small');
    const { extra } = cluster;
    let generation = 0;

    const sync = (forceFull: boolean): SyncSample => {
      const c0 = cpuMicros();
      const t0 = performance.now();
      if (forceFull) p.forceFullSync();
      const report = p.sync();
      const t1 = performance.now();
      if (!report.ok) throw new Error(`iptables proxier: sync failed: ${report.error?.message ?? '?'}`);
      const compileMs = compileAll(ns);
      const cpuMs = (cpuMicros() - c0) / 1000;
      return { totalMs: t1 - t0 + compileMs, cpuMs, buildMs: report.buildMs, restoreMs: t1 - t0 - report.buildMs, compileMs, report };
    };

    const apply: Record<Exclude<UpdateOp, 'full-resync'>, { run: () => void; undo: () => void }> = {
      'add-service': {
        run: () => {
          p.onServiceUpdate(extra.service);
          p.onEndpointSliceUpdate(extra.slice);
        },
        undo: () => {
          p.onServiceDelete(extra.service.metadata.namespace, extra.service.metadata.name);
          p.onEndpointSliceDelete(extra.slice.metadata.namespace, extra.slice.metadata.name);
        },
      },
      'remove-service': {
        run: () => {
          p.onServiceDelete(midSvc.metadata.namespace, midSvc.metadata.name);
          p.onEndpointSliceDelete(midSlice.metadata.namespace, midSlice.metadata.name);
        },
        undo: () => {
          p.onServiceUpdate(midSvc);
          p.onEndpointSliceUpdate(midSlice);
        },
      },
      'change-endpoints': {
        run: () => {
          generation = generation === 0 ? 1 : 0;
          const slices = cluster.slices;
          const changed = generation === 0 ? (slices[mid] as typeof midSlice) : changedSlice(cluster, mid);
          p.onEndpointSliceUpdate(changed);
        },
        undo: () => undefined,
      },
    };

    const measureSync = (op: UpdateOp, strategy: 'partial' | 'full', sampling: SampleTimedOptions): { row: UpdateRow; samples: TimedSamples | null; payload: string } => {
      const parts: SyncSample[] = [];
      let lastPayload = '';
      const s = sampleTimed(() => {
        if (op !== 'full-resync') apply[op].run();
        const r = sync(strategy === 'full');
        if (op !== 'full-resync') {
          if (strategy === 'partial' && r.report.full) throw new Error(`expected a partial sync for ${op}`);
          const u = apply[op];
          u.undo();
          sync(false);
        }
        parts.push(r);
        lastPayload = r.report.payload;
        return { ms: r.totalMs, cpuMs: r.cpuMs };
      }, sampling);
      const used = parts.slice(parts.length - s.samples);
      const last = used[used.length - 1] as SyncSample;
      const row = updateRow({
        ...base,
        strategy,
        op,
        medianMs: s.median,
        rmePct: s.rmePct,
        cpuMs: s.cpuMs,
        samples: s.samples,
        lines: last.report.lines,
        rulesWritten: last.report.natRules + last.report.filterRules,
        chainsWritten: last.report.chainLines,
        natRulesTotal: last.report.natRulesTotal,
        kernelCalls: 1,
        buildMs: median(used.map((x) => x.buildMs)),
        restoreMs: median(used.map((x) => x.restoreMs)),
        compileMs: median(used.map((x) => x.compileMs)),
        note:
          strategy === 'partial'
            ? 'KEP-3453 partial sync: one iptables-restore of the changed service chains plus the rewritten KUBE-SERVICES-type chains'
            : op === 'full-resync'
              ? 'periodic full resync, nothing changed: every chain rewritten in one iptables-restore'
              : 'the change applied by a full sync (every sync full, kube-proxy < 1.26)',
      });
      return { row, samples: s, payload: lastPayload };
    };

    const budget = ctx.budget;
    const skip = (strategy: 'partial' | 'full' | 'per-rule', op: UpdateOp, why: string): UpdateRow => updateRow({ ...base, strategy, op, skipped: why });

    // Partial syncs (the default since kube-proxy 1.26). One endpoint change is the headline
    // figure and always measured; adding and removing need an undo sync per sample.
    ctx.progress.step(`iptables ${S} svc · update partial`);
    // A partial sync with nothing changed probes the cost (unless even that would not fit: then
    // half a full sync is the estimate, the usual share of a partial one in this emulator).
    const partialEst = budget.canSpend(initial.firstSyncMs * 2) ? Math.max(sync(false).totalMs, 1) : initial.firstSyncMs / 2;
    rows.push(measureSync('change-endpoints', 'partial', budget.updateFor(partialEst, 1)).row);
    for (const op of ['add-service', 'remove-service'] as const) {
      const est = partialEst * 2 * (budget.quick ? 2 : 3);
      rows.push(budget.canSpend(est) ? measureSync(op, 'partial', budget.updateFor(partialEst * 2, 1)).row : skip('partial', op, budget.skipReason(est)));
    }

    // Full syncs: the periodic resync is the headline; a change applied by a full sync costs
    // about the same (same payload ± one service), so those rows come last and go first.
    ctx.progress.step(`iptables ${S} svc · update full`);
    const fullEst = initial.firstSyncMs;
    if (budget.canSpend(fullEst * 2) || S <= 1_000) rows.push(measureSync('full-resync', 'full', budget.updateFor(fullEst, 1.5)).row);
    else {
      rows.push(
        updateRow({
          ...base,
          strategy: 'full',
          op: 'full-resync',
          medianMs: initial.firstSyncMs,
          samples: 1,
          lines: initial.lines,
          rulesWritten: initial.rules,
          natRulesTotal: initial.natRules,
          kernelCalls: 1,
          buildMs: initial.buildMs,
          restoreMs: initial.restoreMs,
          compileMs: initial.compileMs,
          note: `the build's first full sync (into empty tables), one sample: a separate resync would not fit the time budget (${budget.skipReason(fullEst * 2)})`,
        }),
      );
    }
    const fullMs = rows[rows.length - 1]?.medianMs ?? fullEst;
    for (const op of ['add-service', 'remove-service', 'change-endpoints'] as const) {
      const est = fullMs * 1.3 * (budget.quick ? 2 : 3);
      rows.push(
        budget.canSpend(est)
          ? measureSync(op, 'full', budget.updateFor(fullMs * 1.3, 0.5)).row
          : skip('full', op, `${budget.skipReason(est)}; it costs about what the full-resync row shows (same payload ± one service)`),
      );
    }

    // One iptables command per rule.
    ctx.progress.step(`iptables ${S} svc · update per-rule`);
    // One command replaces and recompiles the table: about a restore's work without the parsing.
    rows.push(...this.measurePerRule(cluster, ctx, ns, (initial.restoreMs + initial.compileMs) / 2));
    rows.push(this.perRuleWholeBuild(cluster, ctx, initial.lines, initial.rules));
    rows.push(skip('per-rule', 'change-endpoints', 'not modelled: an endpoint change by single commands is a remove plus an add of the service chains (see those rows)'));
    return rows;
  }

  /**
   * Adds service `extraIndex` with one command per rule (`-N` per chain, `-I KUBE-SERVICES 1` for
   * its dispatch rule, `-A` for the rest), then removes it again (`-D`, `-F`, `-X`), each command
   * a whole-table replace followed by a recompile, as legacy iptables does. When one command is
   * too slow for the budget at this scale, the figures are extrapolated linearly in the table
   * size from the scales measured before.
   */
  private measurePerRule(cluster: BenchCluster, ctx: ModeContext, ns: NetNamespace, commandEstMs: number): UpdateRow[] {
    const base = { mode: 'iptables' as const, services: cluster.services, endpoints: cluster.endpoints, strategy: 'per-rule' as const };
    const { add, remove, chains } = singleServiceCommands(cluster);
    const budget = ctx.budget;
    const tableRules = ns.netfilter.ruleCount();
    const run = (cmds: readonly string[][]) =>
      section(() => {
        for (const argv of cmds) {
          ns.iptables.command(argv);
          compileAll(ns);
        }
      });
    const hist = this.perRule.perCommand;
    const n = add.length + remove.length;
    const rowsFor = (addMs: number, removeMs: number, extra: Partial<UpdateRow>, note: string): UpdateRow[] => [
      updateRow({ ...base, op: 'add-service', medianMs: addMs, lines: add.length, rulesWritten: add.length - chains.length, chainsWritten: chains.length, kernelCalls: add.length, note: note.replace('N commands', `${add.length} commands`), ...extra }),
      updateRow({ ...base, op: 'remove-service', medianMs: removeMs, lines: remove.length, rulesWritten: remove.length - 2 * chains.length, chainsWritten: chains.length, kernelCalls: remove.length, note: note.replace('N commands', `${remove.length} commands (-D, -F, -X)`), ...extra }),
    ];
    const extrapolate = (why: string): UpdateRow[] => {
      const perCmd = polyFit(hist, false)(tableRules);
      return rowsFor(perCmd * add.length, perCmd * remove.length, { extrapolated: true }, `extrapolated (${why}): N commands × ${perCmd.toFixed(1)} ms per command, from a linear fit of the per-command cost in table size over ${hist.length} measured scales (${hist.map((h) => `${h.x} rules: ${h.y.toFixed(2)} ms`).join(', ')})`);
    };
    const capMs = budget.quick ? 1_500 : 6_000;
    if (hist.length >= 2) {
      const est = polyFit(hist, false)(tableRules) * n;
      if (est > capMs) return extrapolate(`one add + remove would take about ${(est / 1000).toFixed(1)} s`);
      if (!budget.canSpend(est * 3)) return extrapolate('time budget');
    } else if (hist.length === 1) {
      // One smaller scale measured: scale its per-command cost with the table size.
      const h = hist[0] as { x: number; y: number };
      commandEstMs = (h.y * tableRules) / Math.max(h.x, 1);
    }
    if (hist.length < 2 && (commandEstMs * n * 2 > capMs || !budget.canSpend(commandEstMs * n * 2))) {
      const why = budget.canSpend(commandEstMs * n * 2) ? `one add + remove would take about ${((commandEstMs * n) / 1000).toFixed(1)} s and too few smaller scales were measured to extrapolate from` : budget.skipReason(commandEstMs * n * 2);
      return [updateRow({ ...base, op: 'add-service', skipped: why }), updateRow({ ...base, op: 'remove-service', skipped: why })];
    }
    // In large-cluster mode the partial syncs above leave the extra service's chains behind
    // (stale-chain cleanup is throttled, as upstream): delete them first, untimed, with one
    // restore (one table replace) rather than a command per chain.
    const natChains = ns.netfilter.table('nat').chains;
    const leftovers = chains.filter((c) => natChains.has(c));
    if (leftovers.length > 0) {
      ns.iptables.restoreText(['*nat', ...leftovers.map((c) => `:${c} - [0:0]`), ...leftovers.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n'), { noflush: true, counters: false });
    }
    const addMs: number[] = [];
    const removeMs: number[] = [];
    const addCpu: number[] = [];
    const removeCpu: number[] = [];
    const o = budget.update(1);
    const started = performance.now();
    const w = run(add).ms + run(remove).ms; // warm-up
    while (addMs.length < o.maxSamples && (addMs.length < o.minSamples || performance.now() - started < o.budgetMs)) {
      const x = run(add);
      const y = run(remove);
      addMs.push(x.ms);
      addCpu.push(x.cpuMs);
      removeMs.push(y.ms);
      removeCpu.push(y.cpuMs);
      if (w > capMs || !budget.canSpend(w)) break;
    }
    const a = sampleSummary(addMs);
    const r = sampleSummary(removeMs);
    hist.push({ x: tableRules, y: (a.median + r.median) / n });
    const rows = rowsFor(a.median, r.median, {}, `N commands, each replacing and recompiling the whole nat table (${tableRules} rules in the tables)`);
    return rows.map((row, i) => ({ ...row, rmePct: i === 0 ? a.rmePct : r.rmePct, cpuMs: median(i === 0 ? addCpu : removeCpu), samples: a.samples }));
  }

  /**
   * The whole ruleset built one command per rule (`-N` per chain, `-A` per rule), each command a
   * whole-table replace and recompile: quadratic in the ruleset. Measured on small calibration
   * clusters (and on ladder points small enough), fitted as a + b·n + c·n² in the number of
   * commands, and extrapolated to larger scales.
   */
  private perRuleWholeBuild(cluster: BenchCluster, ctx: ModeContext, lines: number, rules: number): UpdateRow {
    const base = { mode: 'iptables' as const, services: cluster.services, endpoints: cluster.endpoints, strategy: 'per-rule' as const, op: 'full-resync' as const };
    const hist = this.perRule.wholeBuild;
    const buildOnce = (services: number): { ms: number; commands: number } => {
      const c = makeCluster(services, cluster.endpoints);
      const recorder = new RecordingIptables();
      const nf = new NfacctNames();
      const px = newProxier(c, recorder, nf);
      px.setObjects(c.serviceObjects, c.slices);
      px.sync();
      const ns = makeNodeNamespace(kernelEnv(ctx.seed));
      for (const n of nf.names) ns.ensureCounter(n);
      for (const e of recorder.ensured) {
        if (e.kind === 'chain') ns.iptables.ensureChain(e.table, e.chain);
        else ns.iptables.ensureRule(e.position, e.table, e.chain, e.args);
      }
      // Chains the jump rules already created are not created again.
      const cmds = perRuleCommands(parsePayload(recorder.payload)).filter((a) => !(a[2] === '-N' && ns.netfilter.table(a[1] as TableName).chains.has(a[3] as string)));
      collect();
      const t0 = performance.now();
      for (const argv of cmds) {
        ns.iptables.command(argv);
        compileAll(ns);
      }
      return { ms: performance.now() - t0, commands: cmds.length };
    };
    if (!this.perRule.calibrated) {
      const sizes = ctx.budget.quick ? [10, 20, 40] : [20, 40, 80];
      for (const s of sizes) {
        ctx.progress.step(`iptables · per-rule calibration: whole ruleset of ${s} services, one command per rule`);
        const r = buildOnce(s);
        hist.push({ x: r.commands, y: r.ms, services: s });
      }
      this.perRule.calibrated = true;
    }
    const commands = lines - 4; // every line but *table and COMMIT lines is one command (chains → -N, rules → -A)
    const fit = polyFit(hist, true);
    const predicted = fit(commands);
    const capMs = ctx.budget.quick ? 0 : 1_500;
    const note = `${commands} commands (${rules} rules); quadratic fit over ${hist.length} measured sizes (${hist.map((h) => `${h.services} svc: ${h.y.toFixed(0)} ms`).join(', ')})`;
    // A fit over small tables says little far beyond them (the cost per command grows with the
    // table): measure only within reach of the largest size measured so far.
    const largest = Math.max(...hist.map((h) => h.x));
    if (predicted <= capMs && commands <= MAX_PER_RULE_REACH * largest && ctx.budget.canSpend(predicted * 1.5)) {
      const r = buildOnce(cluster.services);
      hist.push({ x: r.commands, y: r.ms, services: cluster.services });
      return updateRow({ ...base, medianMs: r.ms, samples: 1, lines: r.commands, rulesWritten: rules, kernelCalls: r.commands, note: `whole ruleset built with one command per rule, each replacing and recompiling the table (${r.commands} commands); measured once` });
    }
    return updateRow({ ...base, medianMs: predicted, extrapolated: true, lines: commands, rulesWritten: rules, kernelCalls: commands, note: `extrapolated: ${note}` });
  }
}

/** How far beyond the largest measured size (in commands) a per-rule whole build may be measured. */
const MAX_PER_RULE_REACH = 12;

/**
 * The commands an early kube-proxy ran to add the cluster's extra service (and to remove it):
 * taken from the payload of a proxier that knows only that service, so chain names, rule order
 * and text are the real ones.
 */
function singleServiceCommands(cluster: BenchCluster): { add: string[][]; remove: string[][]; chains: string[] } {
  const recorder = new RecordingIptables();
  const one = { ...cluster, serviceObjects: [cluster.extra.service], slices: [cluster.extra.slice] };
  const px = newProxier(one, recorder, new NfacctNames());
  px.setObjects(one.serviceObjects, one.slices);
  px.sync();
  const nat = parsePayload(recorder.payload).find((b) => b.table === 'nat');
  const chains = (nat?.chains ?? []).filter((c) => !c.builtin && /^KUBE-(SVC|SVL|SEP|EXT|FW)-/.test(c.name)).map((c) => c.name);
  const ours = new Set(chains);
  const add: string[][] = chains.map((c) => ['-t', 'nat', '-N', c]);
  let dispatch = 0;
  for (const line of nat?.commands ?? []) {
    const words = commandArgv('nat', line);
    if (words[2] !== '-A') continue;
    const chain = words[3] ?? '';
    if (chain === 'KUBE-SERVICES' && ours.has(words[words.length - 1] ?? '')) {
      add.push(['-t', 'nat', '-I', 'KUBE-SERVICES', '1', ...words.slice(4)]);
      dispatch++;
    } else if (ours.has(chain)) add.push(words);
  }
  const remove: string[][] = [];
  for (let i = 0; i < dispatch; i++) remove.push(['-t', 'nat', '-D', 'KUBE-SERVICES', '1']);
  for (const c of chains) remove.push(['-t', 'nat', '-F', c]);
  for (const c of chains) remove.push(['-t', 'nat', '-X', c]);
  return { add, remove, chains };
}

function summarizeRow(xs: readonly number[]): { medianMs: number; rmePct: number; samples: number } {
  const s = sampleSummary(xs);
  return { medianMs: s.median, rmePct: s.rmePct, samples: s.samples };
}

function changedSlice(cluster: BenchCluster, i: number) {
  return syntheticSlice(i, cluster.endpoints, NODE_NAME, 1);
}

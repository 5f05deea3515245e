/**
 * The speed and memory targets of issues 2, 3, 4, 5 and 7, evaluated against a run's rows. They are
 * reported, never asserted (DESIGN.md: targets live in bench/, not in timed tests).
 */
import type { KernelSection, LookupRow, MemoryRow, RoundTripRow, TargetRow, UpdateRow } from './model.js';

const TEN_K = 10_000;

function fmtUs(ns: number): string {
  return `${(ns / 1000).toFixed(2)} µs`;
}

function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}

function cpu(ms: number): string {
  return Number.isFinite(ms) ? `, CPU ${fmtMs(ms)}` : '';
}

function rme(r: number): string {
  return Number.isFinite(r) ? ` ±${r.toFixed(1)}%` : '';
}

export function evaluateTargets(
  lookup: readonly LookupRow[],
  update: readonly UpdateRow[],
  memory: readonly MemoryRow[],
  restoreMs: ReadonlyMap<number, { median: number; rmePct: number; samples: number }>,
  kernel: KernelSection,
  endpoints: number,
  roundTrip: readonly RoundTripRow[] = [],
): TargetRow[] {
  const out: TargetRow[] = [];
  const add = (id: string, description: string, target: string, limit: number, unit: string, value: number | null, measured: string, source: string, cmp: 'le' | 'ge' = 'le'): void => {
    const pass = value === null || !Number.isFinite(value) ? null : cmp === 'le' ? value <= limit : value >= limit;
    out.push({ id, description, target, measured: value === null ? 'not measured (10,000 services not in this run)' : measured, value, limit, unit, pass, source });
  };
  const lk = (mode: string, services: number, c: string) => lookup.find((r) => r.mode === mode && r.services === services && r.case === c);
  const up = (mode: string, strategy: string, op: string, services: number) => update.find((r) => r.mode === mode && r.strategy === strategy && r.op === op && r.services === services && r.skipped === null);

  const walk = lk('iptables', TEN_K, 'new-last');
  add('walk-10k', 'New connection through a nat chain of 10,000 kube-proxy rules, to the last one (iptables mode, 10k services, last service)', '≤ 15 µs median', 15_000, 'ns', walk?.medianNs ?? null, walk === undefined ? '' : `${fmtUs(walk.medianNs)}${rme(walk.rmePct)} (CPU ${fmtUs(walk.cpuNs)}; ${walk.rulesEvaluated.toFixed(0)} rules evaluated)`, 'issue 2');

  // Cost per rule walked, from the last and first service (informational; the floor is the yardstick in the run's meta).
  const first = lk('iptables', TEN_K, 'new-first');
  if (walk !== undefined && first !== undefined) {
    const perRule = (walk.medianNs - first.medianNs) / (walk.rulesEvaluated - first.rulesEvaluated);
    const perRuleCpu = (walk.cpuNs - first.cpuNs) / (walk.rulesEvaluated - first.rulesEvaluated);
    out.push({ id: 'walk-ns-per-rule', description: 'Cost of one rule of the KUBE-SERVICES walk at 10k services ((last − first) / rules walked)', target: '≤ 1.5 ns per rule (what 15 µs for 10,000 rules implies)', measured: `${perRule.toFixed(2)} ns per rule (CPU ${perRuleCpu.toFixed(2)} ns)`, value: perRule, limit: 1.5, unit: 'ns', pass: perRule <= 1.5, source: 'derived from issue 2' });
  }

  const rs = restoreMs.get(TEN_K);
  add('restore-10k', `Restore of the kube-proxy ruleset for 10,000 services × ${endpoints} endpoints into the emulated kernel (parse, apply, validate, compile)`, '≤ 600 ms', 600, 'ms', rs?.median ?? null, rs === undefined ? '' : `${fmtMs(rs.median)}${rme(rs.rmePct)} (${rs.samples} samples)`, 'issue 2');

  const m = memory.find((r) => r.mode === 'iptables' && r.services === TEN_K && r.part === 'kernel: netfilter total');
  add('bytes-per-rule', 'Memory of the emulated netfilter state (tables + compiled program) per rule, 10k services', '≤ 200 bytes per rule', 200, 'B/rule', m?.bytesPerUnit ?? null, m === undefined ? '' : `${m.bytesPerUnit.toFixed(0)} B/rule (${(m.bytes / 1e6).toFixed(1)} MB for ${m.units} rules)`, 'issue 2');

  const est = lk('iptables', TEN_K, 'established');
  add('established', 'Packet of an established connection (conntrack hit, no nat walk), iptables mode, 10k services', '≤ 1 µs median', 1_000, 'ns', est?.medianNs ?? null, est === undefined ? '' : `${fmtUs(est.medianNs)}${rme(est.rmePct)} (CPU ${fmtUs(est.cpuNs)})`, 'issue 2');

  const rt = roundTrip.find((r) => r.mode === 'iptables' && r.services === 1_000);
  out.push({
    id: 'round-trip-1k',
    description: 'Pod → ClusterIP → remote pod round trip (request and reply, both nodes, VXLAN both ways, no trace), iptables mode, 1,000 services; a new connection each',
    target: '≥ 100,000 round trips/s',
    measured:
      rt === undefined
        ? 'not measured (1,000 services not in this run)'
        : `${Math.round(rt.roundTripsPerSec).toLocaleString('en-US')}/s${rme(rt.rmePct)} (CPU ${Math.round(rt.cpuRoundTripsPerSec).toLocaleString('en-US')}/s; ${fmtUs(rt.medianNs)} per round trip)${rt.error !== null ? `; ERROR ${rt.error}` : ''}`,
    value: rt?.roundTripsPerSec ?? null,
    limit: 100_000,
    unit: 'round trips/s',
    pass: rt === undefined || !Number.isFinite(rt.roundTripsPerSec) ? null : rt.error === null && rt.roundTripsPerSec >= 100_000,
    source: 'issue 5',
  });

  const full = up('iptables', 'full', 'full-resync', TEN_K);
  add('full-sync-10k', `Full sync of 10,000 services × ${endpoints} endpoints (build the payload, restore it, compile)`, '≤ 500 ms', 500, 'ms', full?.medianMs ?? null, full === undefined ? '' : `${fmtMs(full.medianMs)}${rme(full.rmePct)}${cpu(full.cpuMs)} (${full.samples} sample${full.samples === 1 ? '' : 's'}${full.note.startsWith('the build') ? ', the first full sync of the build' : ''}; build ${fmtMs(full.buildMs ?? Number.NaN)}, restore ${fmtMs(full.restoreMs ?? Number.NaN)}, compile ${fmtMs(full.compileMs ?? Number.NaN)})`, 'issue 3');

  const part = up('iptables', 'partial', 'change-endpoints', TEN_K);
  add('partial-sync-10k', 'Partial sync after one service changes, 10k services (KEP-3453)', '≤ 20 ms', 20, 'ms', part?.medianMs ?? null, part === undefined ? '' : `${fmtMs(part.medianMs)}${rme(part.rmePct)}${cpu(part.cpuMs)} (${part.samples} sample${part.samples === 1 ? '' : 's'}; build ${fmtMs(part.buildMs ?? Number.NaN)}, restore ${fmtMs(part.restoreMs ?? Number.NaN)}, compile ${fmtMs(part.compileMs ?? Number.NaN)})`, 'issue 3');

  const iv = lk('ipvs', TEN_K, 'new-random');
  add('ipvs-new-10k', 'IPVS mode: new connection to a ClusterIP at 10k services (ipset match, virtual-service lookup, scheduling, connection entry; whole node walk)', '≤ 2 µs median', 2_000, 'ns', iv?.medianNs ?? null, iv === undefined ? '' : `${fmtUs(iv.medianNs)}${rme(iv.rmePct)} (CPU ${fmtUs(iv.cpuNs)}; ${iv.rulesEvaluated.toFixed(0)} rules, ${iv.hashProbes.toFixed(1)} probes)`, 'issue 4');

  const ipvsRows = lookup.filter((r) => r.mode === 'ipvs' && r.case === 'new-random');
  const lo = ipvsRows.find((r) => r.services === 100);
  const hi = ipvsRows.find((r) => r.services === 50_000);
  const flat = lo !== undefined && hi !== undefined ? hi.medianNs / lo.medianNs : null;
  out.push({
    id: 'ipvs-flat',
    description: 'IPVS mode: new connection at 50,000 services relative to 100 services',
    target: '≤ 1.3×',
    measured: flat === null ? 'not measured (needs 100 and 50,000 services)' : `${flat.toFixed(2)}× (${fmtUs(lo?.medianNs ?? 0)} → ${fmtUs(hi?.medianNs ?? 0)})`,
    value: flat,
    limit: 1.3,
    unit: '×',
    pass: flat === null ? null : flat <= 1.3,
    source: 'issue 4',
  });

  for (const op of ['add-service', 'remove-service'] as const) {
    const r = up('ipvs', 'incremental', op, TEN_K);
    add(`ipvs-${op}-10k`, `IPVS mode: ${op === 'add-service' ? 'add' : 'remove'} one service at 10k services (virtual server, real servers, set entries)`, '≤ 50 µs', 50_000, 'ns', r === undefined ? null : r.medianMs * 1e6, r === undefined ? '' : `${(r.medianMs * 1000).toFixed(1)} µs${rme(r.rmePct)}, CPU ${(r.cpuMs * 1000).toFixed(1)} µs (${r.kernelCalls} API calls)`, 'issue 4');
  }

  // Rule counts of full syncs against the formula nat = 5 + S·(3E + 2).
  for (const r of update.filter((u) => u.mode === 'iptables' && u.strategy === 'full' && u.op === 'full-resync' && u.skipped === null)) {
    const expected = 5 + r.services * (3 * r.endpoints + 2);
    const nat = r.natRulesTotal ?? Number.NaN;
    out.push({
      id: `rule-count-${r.services}`,
      description: `Full sync rule count at ${r.services} services × ${r.endpoints} endpoints: nat rules = 5 + S·(3E + 2) (reference §3.4)`,
      target: `${expected} nat rules`,
      measured: `${nat} nat rules (+ ${r.rulesWritten - nat} filter), ${r.lines} payload lines`,
      value: nat,
      limit: expected,
      unit: 'rules',
      pass: nat === expected,
      source: 'issue 3',
    });
  }

  for (const k of kernel.ratios) {
    out.push({ id: `kernel-${k.what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${k.services}`, description: `${k.what} at ${k.services} services, emulator / kernel`, target: k.goal, measured: `${k.ratio.toFixed(2)}×`, value: k.ratio, limit: Number(k.goal.replace(/[^0-9.]/g, '')), unit: '×', pass: k.pass, source: 'issue 7' });
  }
  return out;
}

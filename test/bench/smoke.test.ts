/**
 * The benchmark harness, run in-process on a tiny ladder with very few samples. Structure only:
 * the files are written, every row is there, costs are positive numbers, and the iptables walk
 * grows with the number of services. No timing is asserted (DESIGN.md: speed targets live in
 * bench/, never in timed tests).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench, type BenchRun } from '../../bench/bench.js';
import { LOOKUP_CASES, UPDATE_OPS } from '../../bench/model.js';
import { parseArgs, UsageError } from '../../bench/options.js';

const SCALES = [10, 50] as const;

describe('bench (quick, in-process)', () => {
  let dir = '';
  let run: BenchRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kpemu-bench-'));
    run = await runBench({ services: [...SCALES], endpoints: 3, quick: true, outDir: dir, label: 'smoke', progress: false, printTable: false, budgetScale: 0.25 });
  }, 120_000);

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('writes JSON, CSV and a self-contained HTML report', () => {
    for (const f of ['smoke.json', 'smoke-lookup.csv', 'smoke-update.csv', 'smoke-memory.csv', 'smoke-targets.csv', 'smoke.html']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const json = JSON.parse(readFileSync(join(dir, 'smoke.json'), 'utf8')) as { lookup: unknown[]; update: unknown[]; meta: { options: { services: number[] } } };
    expect(json.lookup).toHaveLength(run.results.lookup.length);
    expect(json.update).toHaveLength(run.results.update.length);
    expect(json.meta.options.services).toEqual([...SCALES]);
    const csv = readFileSync(join(dir, 'smoke-lookup.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toContain('medianNs');
    expect(csv).toHaveLength(run.results.lookup.length + 1);
    const html = readFileSync(join(dir, 'smoke.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(7);
    expect(html).not.toMatch(/<script|<link |src="http/);
    expect(run.table).toContain('Per packet');
  });

  it('has a lookup row per mode, scale and case, with positive costs and no errors', () => {
    for (const mode of ['iptables', 'ipvs'] as const) {
      for (const s of SCALES) {
        for (const c of LOOKUP_CASES) {
          const r = run.results.lookup.find((x) => x.mode === mode && x.services === s && x.case === c);
          expect(r, `${mode} ${s} ${c}`).toBeDefined();
          if (r === undefined) continue;
          expect(r.error, `${mode} ${s} ${c}`).toBeNull();
          expect(r.outcome).toBe('transmitted');
          expect(Number.isFinite(r.medianNs) && r.medianNs > 0, `${mode} ${s} ${c} time`).toBe(true);
          expect(r.samples).toBeGreaterThan(0);
          expect(r.rulesEvaluated, `${mode} ${s} ${c} rules`).toBeGreaterThan(0);
          if (mode === 'ipvs' && c !== 'non-service') expect(r.hashProbes, `${mode} ${s} ${c} probes`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('has a round-trip row per mode and scale: every round trip went there and back, none failed', () => {
    for (const mode of ['iptables', 'ipvs'] as const) {
      for (const s of SCALES) {
        const r = run.results.roundTrip.find((x) => x.mode === mode && x.services === s);
        expect(r, `${mode} ${s} round trip`).toBeDefined();
        if (r === undefined) continue;
        expect(r.error, `${mode} ${s} round trip`).toBeNull();
        expect(r.samples).toBeGreaterThan(0);
        expect(Number.isFinite(r.roundTripsPerSec) && r.roundTripsPerSec > 0).toBe(true);
        expect(r.roundTripsPerSec * r.medianNs).toBeCloseTo(1e9, 0);
      }
    }
    const csv = readFileSync(join(dir, 'smoke-roundtrip.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toContain('roundTripsPerSec');
    expect(csv).toHaveLength(run.results.roundTrip.length + 1);
    expect(run.table).toContain('Round trips');
    expect(run.results.targets.some((t) => t.id === 'round-trip-1k')).toBe(true);
  });

  it('walks more iptables rules with more services, and IPVS does not', () => {
    const rules = (mode: string, s: number, c: string) => run.results.lookup.find((x) => x.mode === mode && x.services === s && x.case === c)?.rulesEvaluated ?? Number.NaN;
    for (const c of ['new-last', 'new-middle', 'non-service'] as const) expect(rules('iptables', 50, c)).toBeGreaterThan(rules('iptables', 10, c));
    // The first service is found at once (the endpoint drawn decides a few rules more or less).
    expect(rules('iptables', 50, 'new-first')).toBeLessThan(rules('iptables', 50, 'new-middle'));
    // IPVS mode's rules are fixed: no more of them at 50 services than at 10.
    expect(rules('ipvs', 50, 'new-last')).toBe(rules('ipvs', 10, 'new-last'));
  });

  it('has every update row, measured, extrapolated or skipped with a reason', () => {
    const want: [string, string, string][] = [];
    for (const op of ['add-service', 'remove-service', 'change-endpoints'] as const) want.push(['iptables', 'partial', op]);
    for (const op of UPDATE_OPS) want.push(['iptables', 'full', op], ['iptables', 'per-rule', op], ['ipvs', 'incremental', op], ['ipvs', 'full', op]);
    for (const s of SCALES) {
      for (const [mode, strategy, op] of want) {
        const r = run.results.update.find((u) => u.mode === mode && u.strategy === strategy && u.op === op && u.services === s);
        expect(r, `${mode} ${strategy} ${op} at ${s}`).toBeDefined();
        if (r === undefined) continue;
        if (r.skipped !== null) {
          expect(r.skipped.length).toBeGreaterThan(10);
          continue;
        }
        expect(Number.isFinite(r.medianMs) && r.medianMs > 0, `${mode} ${strategy} ${op} at ${s}`).toBe(true);
        expect(r.kernelCalls).toBeGreaterThan(0);
        if (mode === 'iptables' && strategy !== 'per-rule') expect(r.lines).toBeGreaterThan(0);
      }
    }
    const full = run.results.update.find((u) => u.mode === 'iptables' && u.strategy === 'full' && u.op === 'full-resync' && u.services === 50);
    const partial = run.results.update.find((u) => u.mode === 'iptables' && u.strategy === 'partial' && u.op === 'change-endpoints' && u.services === 50);
    expect(partial?.lines).toBeLessThan(full?.lines ?? 0);
  });

  it('measures memory per mode and scale, and checks rule counts against the formula', () => {
    for (const mode of ['iptables', 'ipvs'] as const) {
      for (const s of SCALES) {
        const rows = run.results.memory.filter((m) => m.mode === mode && m.services === s);
        expect(rows.length, `${mode} ${s}`).toBeGreaterThan(0);
        for (const m of rows) expect(m.units).toBeGreaterThan(0);
      }
    }
    const counts = run.results.targets.filter((t) => t.id.startsWith('rule-count-'));
    expect(counts).toHaveLength(SCALES.length);
    for (const t of counts) expect(t.pass).toBe(true);
  });
});

describe('bench options', () => {
  it('parses the command line', () => {
    const o = parseArgs(['--services', '100,1k,5K', '--endpoints=3', '--modes', 'ipvs', '--quick', '--kernel', '--out', 'x']);
    expect(o).not.toBe('help');
    if (o === 'help') return;
    expect(o.services).toEqual([100, 1000, 5000]);
    expect(o.endpoints).toBe(3);
    expect(o.modes).toEqual(['ipvs']);
    expect(o.quick && o.kernel).toBe(true);
    expect(o.outDir).toBe('x');
    expect(o.label).toBe('quick');
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs(['--modes', 'nft'])).toThrow(UsageError);
    expect(() => parseArgs(['--services', '0'])).toThrow(UsageError);
    expect(() => parseArgs(['--bogus'])).toThrow(UsageError);
  });
});

/** The console summary: lookup, update and memory figures by scale, then targets and kernel ratios. */
import { LOOKUP_CASES, UPDATE_OPS, type BenchResults } from '../model.js';
import { fmtBytes, fmtMs, fmtNs, fmtRate, fmtRme, fmtServices } from './format.js';

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function consoleReport(r: BenchResults): string {
  const scales = [...new Set([...r.lookup.map((x) => x.services), ...r.roundTrip.map((x) => x.services), ...r.update.map((x) => x.services)])].sort((a, b) => a - b);
  const head = ['', ...scales.map((s) => `${fmtServices(s)} svc`)];
  const out: string[] = [];

  out.push('Per packet: wall-time median ±rme · CPU-time median · rules evaluated (r) / hash probes (p); ! = check failed');
  const lrows: string[][] = [];
  for (const mode of r.meta.options.modes) {
    for (const c of LOOKUP_CASES) {
      const cells = scales.map((s) => {
        const x = r.lookup.find((l) => l.mode === mode && l.case === c && l.services === s);
        if (x === undefined) return '';
        const cost = mode === 'ipvs' ? `${x.rulesEvaluated.toFixed(0)}r/${x.hashProbes.toFixed(0)}p` : `${x.rulesEvaluated.toFixed(0)}r`;
        return `${fmtNs(x.medianNs)} ${fmtRme(x.rmePct)} · cpu ${fmtNs(x.cpuNs)} · ${cost}${x.error !== null ? ' !' : ''}`;
      });
      lrows.push([`${mode} ${c}`, ...cells]);
    }
  }
  out.push(table(head, lrows));

  if (r.roundTrip.length > 0) {
    out.push('', 'Round trips pod → ClusterIP → remote pod and back (VXLAN both ways), new connection each: per second (wall) ±rme · per second (CPU)');
    const rrows: string[][] = r.meta.options.modes.map((mode) => [
      `${mode} round trip`,
      ...scales.map((s) => {
        const x = r.roundTrip.find((t) => t.mode === mode && t.services === s);
        return x === undefined ? '' : `${fmtRate(x.roundTripsPerSec)}/s ${fmtRme(x.rmePct)} · cpu ${fmtRate(x.cpuRoundTripsPerSec)}/s${x.error !== null ? ' !' : ''}`;
      }),
    ]);
    out.push(table(head, rrows));
  }

  out.push('', 'Updates: wall-time median ±rme · CPU-time median; ~ = extrapolated');
  const urows: string[][] = [];
  const combos = [...new Set(r.update.map((u) => `${u.mode}|${u.strategy}|${u.op}`))].sort((a, b) => {
    const [ma, sa, oa] = a.split('|');
    const [mb, sb, ob] = b.split('|');
    return (ma ?? '').localeCompare(mb ?? '') || UPDATE_OPS.indexOf(oa as never) - UPDATE_OPS.indexOf(ob as never) || (sa ?? '').localeCompare(sb ?? '');
  });
  for (const k of combos) {
    const [mode, strategy, op] = k.split('|');
    const cells = scales.map((s) => {
      const x = r.update.find((u) => u.mode === mode && u.strategy === strategy && u.op === op && u.services === s);
      if (x === undefined) return '';
      if (x.skipped !== null) return 'skipped';
      return `${x.extrapolated ? '~' : ''}${fmtMs(x.medianMs)} ${fmtRme(x.rmePct)}${Number.isFinite(x.cpuMs) ? ` · cpu ${fmtMs(x.cpuMs)}` : ''}`;
    });
    urows.push([`${mode} ${op} (${strategy})`, ...cells]);
  }
  out.push(table(head, urows));

  out.push('', 'Memory (bytes per unit; total)');
  const parts = [...new Set(r.memory.map((m) => `${m.mode}|${m.part}`))];
  out.push(
    table(
      head,
      parts.map((p) => {
        const [mode, part] = p.split('|');
        return [
          `${mode} ${part}`,
          ...scales.map((s) => {
            const x = r.memory.find((m) => m.mode === mode && m.part === part && m.services === s);
            return x === undefined ? '' : `${x.bytesPerUnit.toFixed(0)} B/${x.unitName} ${fmtBytes(x.bytes)}`;
          }),
        ];
      }),
    ),
  );

  if (r.kernel.requested) {
    out.push('', r.kernel.available ? 'Real kernel beside the emulator' : `Real kernel: not measured (${r.kernel.reason})`);
    if (r.kernel.available) {
      out.push(
        table(
          ['restore', 'services', 'lines', 'median', 'rme'],
          r.kernel.restore.map((k) => [k.backend, fmtServices(k.services), String(k.lines), fmtMs(k.medianMs), fmtRme(k.rmePct)]),
        ),
      );
      out.push(
        table(
          ['new connection', 'services', 'kernel', 'kernel − baseline', 'emulator', 'emu/kernel'],
          r.kernel.connection.map((k) => [k.target, fmtServices(k.services), `${fmtNs(k.kernelNs)} ${fmtRme(k.kernelRmePct)}`, fmtNs(k.kernelRulesNs), `${fmtNs(k.emulatorNs)} ${fmtRme(k.emulatorRmePct)}`, k.ratio.toFixed(2)]),
        ),
      );
    }
  }

  const y = r.meta.scanYardstick;
  out.push('', `Machine: ${r.meta.cores} cores, load ${r.meta.loadAvgStart[0]?.toFixed(1)} → ${r.meta.loadAvgEnd[0]?.toFixed(1)}, this process got ${(r.meta.cpuShare * 100).toFixed(0)} % of a core; bare 10k-element scan ${y.start.wallNs.toFixed(2)} → ${y.end.wallNs.toFixed(2)} ns/element (the floor for one rule of a linear walk)`);
  out.push('', 'Targets (reported, not asserted)');
  out.push(table(['target', 'goal', 'measured', 'status'], r.targets.map((t) => [t.id, t.target, t.measured, t.pass === null ? 'n/a' : t.pass ? 'MET' : 'MISSED'])));
  return out.join('\n');
}

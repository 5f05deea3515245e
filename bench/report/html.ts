/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, no server) with the
 * targets, the charts (lookup and update cost against services on log-log axes, memory, the real
 * kernel beside the emulator), every figure as a table, and how each was measured.
 */
import { LOOKUP_CASES, UPDATE_OPS, type BenchResults, type LookupCase, type UpdateOp } from '../model.js';
import { fmtBytes, fmtCount, fmtMs, fmtNs, fmtRate, fmtRme, fmtServices } from './format.js';
import { compact, escapeXml, lineChart, type ChartSeries } from './svg.js';

const CASE_TITLE: Record<LookupCase, string> = {
  'new-first': 'new connection, first service',
  'new-middle': 'new connection, middle service',
  'new-last': 'new connection, last service',
  'new-random': 'new connection, random service',
  'non-service': 'new connection, non-service address',
  established: 'established connection',
};

const OP_TITLE: Record<UpdateOp, string> = {
  'add-service': 'Add one service',
  'remove-service': 'Remove one service',
  'change-endpoints': "Change one service's endpoints",
  'full-resync': 'Full resync',
};

function nsAxis(v: number): string {
  return fmtNs(v).replace('.00 ', ' ').replace('.0 ', ' ');
}

function td(s: string, cls = ''): string {
  return `<td${cls === '' ? '' : ` class="${cls}"`}>${escapeXml(s)}</td>`;
}

function section(title: string, body: string, id: string): string {
  return `<section id="${id}"><h2>${escapeXml(title)}</h2>\n${body}\n</section>`;
}

export function htmlReport(r: BenchResults): string {
  const modes = r.meta.options.modes;
  const scales = [...new Set([...r.lookup.map((x) => x.services), ...r.roundTrip.map((x) => x.services), ...r.update.map((x) => x.services)])].sort((a, b) => a - b);

  // --- charts ---------------------------------------------------------------------------------
  const lookupSeries = (metric: 'time' | 'cost'): ChartSeries[] => {
    const out: ChartSeries[] = [];
    for (const mode of modes) {
      const cases: LookupCase[] = metric === 'time' ? ['new-first', 'new-last', 'new-random', 'non-service', 'established'] : ['new-first', 'new-last', 'new-random', 'non-service'];
      for (const c of cases) {
        const pts = r.lookup
          .filter((l) => l.mode === mode && l.case === c && l.error === null)
          .map((l) => ({ x: l.services, y: metric === 'time' ? l.medianNs : l.rulesEvaluated + l.hashProbes, label: `${mode} ${CASE_TITLE[c]} at ${fmtCount(l.services)} services: ${fmtNs(l.medianNs)} ${fmtRme(l.rmePct)}, ${l.rulesEvaluated.toFixed(0)} rules, ${l.hashProbes.toFixed(1)} probes` }));
        if (pts.length > 0) out.push({ name: `${mode}: ${c}`, points: pts, dashed: mode === 'ipvs', colorIndex: LOOKUP_CASES.indexOf(c) });
      }
    }
    return out;
  };
  const charts: string[] = [];
  // Same colour for the same case in both modes; IPVS dashed.
  charts.push(
    lineChart({
      title: 'Per-packet time vs services (median)',
      xLabel: 'services',
      yLabel: 'time per packet',
      series: lookupSeries('time'),
      formatY: nsAxis,
      refLines: [
        { y: 15_000, label: 'iptables target at 10k: 15 µs' },
        { y: 2_000, label: 'IPVS target: 2 µs' },
      ],
    }),
  );
  charts.push(lineChart({ title: 'Per-packet cost vs services (machine-independent)', xLabel: 'services', yLabel: 'rules evaluated + hash probes', series: lookupSeries('cost') }));
  for (const op of UPDATE_OPS) {
    const series: ChartSeries[] = [];
    const combos = [...new Set(r.update.filter((u) => u.op === op).map((u) => `${u.mode}|${u.strategy}`))];
    for (const k of combos) {
      const [mode, strategy] = k.split('|');
      const pts = r.update
        .filter((u) => u.op === op && u.mode === mode && u.strategy === strategy && u.skipped === null && Number.isFinite(u.medianMs))
        .map((u) => ({ x: u.services, y: u.medianMs * 1e6, extrapolated: u.extrapolated, label: `${mode} ${strategy} ${op} at ${fmtCount(u.services)} services: ${u.extrapolated ? '≈' : ''}${fmtMs(u.medianMs)} ${fmtRme(u.rmePct)}; ${u.lines} lines, ${u.kernelCalls} kernel calls` }));
      if (pts.length > 0) series.push({ name: `${mode}: ${strategy}`, points: pts });
    }
    const refs = op === 'full-resync' ? [{ y: 500e6, label: 'full sync target at 10k: 500 ms' }] : op === 'change-endpoints' ? [{ y: 20e6, label: 'partial sync target at 10k: 20 ms' }] : [{ y: 50e3, label: 'IPVS target: 50 µs' }];
    charts.push(lineChart({ title: `${OP_TITLE[op]}: time vs services`, xLabel: 'services', yLabel: 'time', series, formatY: nsAxis, refLines: refs }));
  }
  const memSeries: ChartSeries[] = [...new Set(r.memory.map((m) => `${m.mode}|${m.part}`))].map((k) => {
    const [mode, part] = k.split('|');
    return { name: `${mode}: ${part}`, points: r.memory.filter((m) => m.mode === mode && m.part === part && m.bytes > 0).map((m) => ({ x: m.services, y: m.bytes, label: `${fmtBytes(m.bytes)}, ${m.bytesPerUnit.toFixed(0)} B/${m.unitName}` })) };
  });
  charts.push(lineChart({ title: 'Memory of each mode’s state vs services', xLabel: 'services', yLabel: 'bytes', series: memSeries, formatY: (v) => fmtBytes(v) }));

  const k = r.kernel;
  const kernelCharts: string[] = [];
  if (k.available && k.connection.length > 0) {
    const conn: ChartSeries[] = [];
    for (const t of ['first', 'last'] as const) {
      conn.push({ name: `kernel (legacy): ${t}`, points: k.connection.filter((c) => c.target === t).map((c) => ({ x: c.services, y: c.kernelNs })) });
      conn.push({ name: `emulator: ${t}`, dashed: true, points: k.connection.filter((c) => c.target === t).map((c) => ({ x: c.services, y: c.emulatorNs })) });
    }
    conn.push({ name: 'kernel: no-rules baseline', points: k.connection.filter((c) => c.target === 'baseline').map((c) => ({ x: c.services, y: c.kernelNs })) });
    kernelCharts.push(lineChart({ title: 'New connection (local SYN through OUTPUT): kernel vs emulator', xLabel: 'services', yLabel: 'time per packet', series: conn, formatY: nsAxis }));
    const rest: ChartSeries[] = (['legacy', 'nft', 'emulator'] as const).map((b) => ({ name: b === 'emulator' ? 'emulator (restore + compile)' : `iptables-${b}-restore`, dashed: b === 'emulator', points: k.restore.filter((x) => x.backend === b).map((x) => ({ x: x.services, y: x.medianMs * 1e6 })) }));
    kernelCharts.push(lineChart({ title: 'Restore of the generated ruleset: kernel vs emulator', xLabel: 'services', yLabel: 'time', series: rest, formatY: nsAxis }));
    const ratioNames = [...new Set(k.ratios.map((x) => x.what))];
    kernelCharts.push(
      lineChart({
        title: 'Emulator / kernel ratio (below 1: the emulator is faster)',
        xLabel: 'services',
        yLabel: 'ratio',
        series: ratioNames.map((n) => ({ name: n, points: k.ratios.filter((x) => x.what === n).map((x) => ({ x: x.services, y: x.ratio })) })),
        formatY: (v) => `${compact(v)}×`,
        refLines: [
          { y: 0.5, label: 'per-packet goal 0.5×' },
          { y: 0.25, label: 'restore goal 0.25×' },
        ],
      }),
    );
  }

  // --- tables ---------------------------------------------------------------------------------
  const targetRows = r.targets
    .map((t) => `<tr>${td(t.id)}${td(t.description)}${td(t.target)}${td(t.measured)}${td(t.pass === null ? 'n/a' : t.pass ? 'met' : 'missed', t.pass === null ? 'na' : t.pass ? 'ok' : 'bad')}${td(t.source)}</tr>`)
    .join('\n');
  const targetsTable = `<table><tr><th>id</th><th>what</th><th>goal</th><th>measured</th><th>status</th><th>from</th></tr>\n${targetRows}</table>`;

  const scaleHead = `<tr><th></th>${scales.map((s) => `<th>${fmtServices(s)} svc</th>`).join('')}</tr>`;
  const lookupTable = `<table>${scaleHead}\n${modes
    .flatMap((mode) =>
      LOOKUP_CASES.map(
        (c) =>
          `<tr><th>${escapeXml(`${mode}: ${CASE_TITLE[c]}`)}</th>${scales
            .map((s) => {
              const x = r.lookup.find((l) => l.mode === mode && l.case === c && l.services === s);
              if (x === undefined) return '<td></td>';
              const cost = `${fmtCount(Math.round(x.rulesEvaluated))} rules${x.hashProbes > 0 ? `, ${x.hashProbes.toFixed(1)} probes` : ''}`;
              return `<td title="${escapeXml(`${x.samples} cycles, mean ${fmtNs(x.meanNs)}; outcome ${x.outcome}${x.error !== null ? `; ERROR ${x.error}` : ''}`)}"${x.error !== null ? ' class="bad"' : ''}>${escapeXml(fmtNs(x.medianNs))} <small>${escapeXml(fmtRme(x.rmePct))}<br>cpu ${escapeXml(fmtNs(x.cpuNs))}<br>${escapeXml(cost)}</small></td>`;
            })
            .join('')}</tr>`,
      ),
    )
    .join('\n')}</table>`;

  const roundTripTable = `<table>${scaleHead}\n${modes
    .map(
      (mode) =>
        `<tr><th>${escapeXml(`${mode}: round trips per second`)}</th>${scales
          .map((s) => {
            const x = r.roundTrip.find((t) => t.mode === mode && t.services === s);
            if (x === undefined) return '<td></td>';
            return `<td title="${escapeXml(`${x.samples} cycles; cluster built in ${fmtMs(x.buildMs)}${x.error !== null ? `; ERROR ${x.error}` : ''}`)}"${x.error !== null ? ' class="bad"' : ''}>${escapeXml(fmtRate(x.roundTripsPerSec))}/s <small>${escapeXml(fmtRme(x.rmePct))}<br>cpu ${escapeXml(fmtRate(x.cpuRoundTripsPerSec))}/s<br>${escapeXml(fmtNs(x.medianNs))} each</small></td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n')}</table>`;

  const combos = [...new Set(r.update.map((u) => `${u.mode}|${u.op}|${u.strategy}`))];
  const updateTable = `<table>${scaleHead}\n${combos
    .map((key) => {
      const [mode, op, strategy] = key.split('|');
      return `<tr><th>${escapeXml(`${mode}: ${op} (${strategy})`)}</th>${scales
        .map((s) => {
          const x = r.update.find((u) => u.mode === mode && u.op === op && u.strategy === strategy && u.services === s);
          if (x === undefined) return '<td></td>';
          if (x.skipped !== null) return `<td class="na" title="${escapeXml(x.skipped)}">skipped</td>`;
          const parts = x.buildMs !== null ? `build ${fmtMs(x.buildMs)} · restore ${fmtMs(x.restoreMs ?? Number.NaN)} · compile ${fmtMs(x.compileMs ?? Number.NaN)}` : '';
          const written = `${fmtCount(x.lines)} lines · ${fmtCount(x.rulesWritten)} ${mode === 'ipvs' ? 'objects' : 'rules'} · ${fmtCount(x.kernelCalls)} calls`;
          return `<td title="${escapeXml(`${x.samples} samples. ${x.note}`)}"${x.extrapolated ? ' class="ext"' : ''}>${x.extrapolated ? '≈' : ''}${escapeXml(fmtMs(x.medianMs))} <small>${escapeXml(fmtRme(x.rmePct))}${Number.isFinite(x.cpuMs) ? ` · cpu ${escapeXml(fmtMs(x.cpuMs))}` : ''}<br>${escapeXml(written)}${parts !== '' ? `<br>${escapeXml(parts)}` : ''}</small></td>`;
        })
        .join('')}</tr>`;
    })
    .join('\n')}</table>`;

  const memParts = [...new Set(r.memory.map((m) => `${m.mode}|${m.part}`))];
  const memoryTable = `<table>${scaleHead}\n${memParts
    .map((key) => {
      const [mode, part] = key.split('|');
      return `<tr><th>${escapeXml(`${mode}: ${part}`)}</th>${scales
        .map((s) => {
          const x = r.memory.find((m) => m.mode === mode && m.part === part && m.services === s);
          return x === undefined ? '<td></td>' : `<td>${escapeXml(fmtBytes(x.bytes))}<br><small>${x.bytesPerUnit.toFixed(0)} B/${escapeXml(x.unitName)} · ${fmtCount(x.units)} ${escapeXml(x.unitName)}s</small></td>`;
        })
        .join('')}</tr>`;
    })
    .join('\n')}</table>`;

  let kernelBody = '';
  if (!k.requested) kernelBody = '<p>Not requested (run with <code>--kernel</code>).</p>';
  else if (!k.available) kernelBody = `<p>Not measured: ${escapeXml(k.reason)}</p>`;
  else {
    const rest = `<table><tr><th>services</th><th>backend</th><th>lines</th><th>rules</th><th>median</th><th>rme</th><th>samples</th></tr>\n${k.restore
      .map((x) => `<tr>${td(fmtCount(x.services))}${td(x.backend)}${td(fmtCount(x.lines))}${td(fmtCount(x.rules))}${td(fmtMs(x.medianMs))}${td(fmtRme(x.rmePct))}${td(String(x.samples))}</tr>`)
      .join('\n')}</table>`;
    const conn = `<table><tr><th>services</th><th>target</th><th>kernel per packet</th><th>kernel − baseline</th><th>emulator per packet</th><th>rules evaluated (emulator)</th><th>emulator / kernel</th><th>packets × rounds</th></tr>\n${k.connection
      .map(
        (x) =>
          `<tr>${td(fmtCount(x.services))}${td(x.target)}${td(`${fmtNs(x.kernelNs)} ${fmtRme(x.kernelRmePct)}`)}${td(x.target === 'baseline' ? '' : fmtNs(x.kernelRulesNs))}${td(Number.isFinite(x.emulatorNs) ? `${fmtNs(x.emulatorNs)} ${fmtRme(x.emulatorRmePct)}` : '')}${td(Number.isFinite(x.rulesEvaluated) ? fmtCount(x.rulesEvaluated) : '')}${td(Number.isFinite(x.ratio) ? `${x.ratio.toFixed(2)}×` : '')}${td(`${x.packetsPerRound} × ${x.rounds}`)}</tr>`,
      )
      .join('\n')}</table>`;
    const ratios = `<table><tr><th>ratio</th><th>services</th><th>emulator / kernel</th><th>goal</th><th>status</th></tr>\n${k.ratios
      .map((x) => `<tr>${td(x.what)}${td(fmtCount(x.services))}${td(`${x.ratio.toFixed(3)}×`)}${td(x.goal)}${td(x.pass === null ? 'n/a' : x.pass ? 'met' : 'missed', x.pass === null ? 'na' : x.pass ? 'ok' : 'bad')}</tr>`)
      .join('\n')}</table>`;
    kernelBody = `<p class="method">${escapeXml(k.method)}</p>\n<div class="charts">${kernelCharts.join('\n')}</div>\n<h3>Ratios</h3>${ratios}<h3>Restore</h3>${rest}<h3>New connection</h3>${conn}`;
  }

  const m = r.meta;
  const metaList = `<ul class="meta">
<li>${escapeXml(m.startedAt)} · ${escapeXml(fmtMs(m.durationMs))} · ${escapeXml(m.tool)}</li>
<li>${escapeXml(m.cpu)} × ${m.cores} cores · ${m.totalMemGiB.toFixed(0)} GiB · ${escapeXml(m.platform)} ${escapeXml(m.kernel)} · Node ${escapeXml(m.node)}</li>
<li>load average at start ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${m.loadAvgEnd.map((x) => x.toFixed(2)).join(' / ')}; this process got ${(m.cpuShare * 100).toFixed(0)} % of a core on average (other work on the machine inflates wall times; CPU times are shown beside them)</li>
<li>options: services ${escapeXml(m.options.services.join(', '))} · endpoints ${m.options.endpoints} · modes ${escapeXml(m.options.modes.join(', '))} · ${m.options.quick ? 'quick' : 'full'} · kernel ${m.options.kernel ? 'yes' : 'no'} · seed ${m.options.seed}</li>
<li>yardstick: a bare scan of a 10,000-entry Float64Array costs ${m.scanYardstick.start.wallNs.toFixed(2)} ns per element at the start of the run and ${m.scanYardstick.end.wallNs.toFixed(2)} ns at the end (CPU ${m.scanYardstick.start.cpuNs.toFixed(2)} / ${m.scanYardstick.end.cpuNs.toFixed(2)} ns): the floor for one rule of a linear walk on this machine, under its load at the time</li>
<li>memory: ${escapeXml(m.gcMethod)}</li>
</ul>`;
  const notes = `<ul>${m.notes.map((n) => `<li>${escapeXml(n)}</li>`).join('\n')}</ul>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kpemu benchmarks (${escapeXml(m.options.label)})</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1360px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:12.5px}th,td{border:1px solid #ddd;padding:3px 7px;vertical-align:top;text-align:right}
th:first-child,td:first-child{text-align:left}td small{color:#666}
.ok{background:#e4f5e4}.bad{background:#fbe3e3}.na{background:#f3f3f3;color:#777}.ext{background:#fffbe6}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{border:1px solid #eee;background:#fff}
.meta{color:#555}.method{max-width:75em;color:#444}code{background:#f4f4f4;padding:0 3px}
</style></head><body>
<h1>kpemu: iptables mode vs IPVS mode, ${escapeXml(scales.map(fmtServices).join(' → '))} services</h1>
${metaList}
${section('Targets', `<p>From issues 2, 3, 4 and 7; reported here, never asserted in tests.</p>${targetsTable}`, 'targets')}
${section('Charts', `<div class="charts">${charts.join('\n')}</div><p>Hollow points joined by dashed lines are extrapolated, not measured. Hover a point for its figures.</p>`, 'charts')}
${section('Per packet', `<p>Median wall time per packet over benchmark.js cycles with its relative margin of error (95 %), the median process CPU time per packet (not inflated when other processes hold the CPU), and the machine-independent cost: iptables rules evaluated over every table the packet crossed, and hash probes (ipset buckets + IPVS table slots).</p>${lookupTable}`, 'lookup')}
${section('Round trips across nodes', `<p>A pod on node-1 opens a new connection to a ClusterIP whose endpoints are pods on other nodes; the SYN crosses cni0, kube-proxy's DNAT, flannel.1 (VXLAN), the underlay and the remote node, and the SYN-ACK comes all the way back un-DNATed. Median over benchmark.js cycles, no trace sink (issue 5).</p>${roundTripTable}`, 'roundtrip')}
${section('Updates', `<p>Median time of one update, with what it wrote. Hover a cell for its method. ≈ marks a value extrapolated from smaller scales.</p>${updateTable}`, 'update')}
${section('Memory', `<p>Live heap + array buffers added by building each part (full GC before and after).</p>${memoryTable}`, 'memory')}
${section('The real kernel beside the emulator', kernelBody, 'kernel')}
${section('What the figures mean and how they were taken', `${m.modeDescriptions.map((d) => `<p><b>${escapeXml(d.mode)} mode:</b> ${escapeXml(d.description)}</p>`).join('\n')}${notes}`, 'method')}
</body></html>
`;
}

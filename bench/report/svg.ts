/**
 * A small line chart as inline SVG: log or linear axes, one polyline per series, a dot per point
 * with a tooltip, dashed segments where a point is extrapolated, and a legend below the plot.
 * No dependencies; the output is a self-contained `<svg>` string.
 */

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  /** Drawn hollow and joined with a dashed segment (a fitted value, not a measurement). */
  readonly extrapolated?: boolean;
  /** Tooltip text; a default one is built from x and y. */
  readonly label?: string;
}

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly ChartPoint[];
  readonly dashed?: boolean;
  /** Index into the palette (default: the series' position), so related series can share a colour. */
  readonly colorIndex?: number;
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly formatX?: (v: number) => string;
  readonly formatY?: (v: number) => string;
  /** Horizontal reference lines (targets). */
  readonly refLines?: readonly { readonly y: number; readonly label: string }[];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22', '#393b79', '#637939'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Compact number: 1k, 20k, 1.5M; small values with up to 3 significant digits. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  return `${+v.toPrecision(3)}`;
}

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly log: boolean;
  readonly ticks: readonly number[];
  readonly minor: readonly number[];
}

function axis(values: readonly number[], log: boolean): Axis {
  const vs = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (vs.length === 0) return { min: 1, max: 10, log, ticks: [1, 10], minor: [] };
  let lo = Math.min(...vs);
  let hi = Math.max(...vs);
  if (log) {
    const a = Math.floor(Math.log10(lo));
    let b = Math.ceil(Math.log10(hi));
    if (b === a) b = a + 1;
    const ticks: number[] = [];
    const minor: number[] = [];
    for (let e = a; e <= b; e++) {
      ticks.push(10 ** e);
      if (e < b) for (const m of b - a <= 4 ? [2, 5] : []) minor.push(m * 10 ** e);
    }
    return { min: 10 ** a, max: 10 ** b, log, ticks, minor };
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  lo = Math.min(0, lo);
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= 6) ?? step * 10;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / nice) * nice; t <= hi + nice * 0.999; t += nice) ticks.push(+t.toPrecision(12));
  return { min: ticks[0] ?? lo, max: ticks[ticks.length - 1] ?? hi, log, ticks, minor: [] };
}

function scale(a: Axis, from: number, to: number): (v: number) => number {
  if (a.log) {
    const l0 = Math.log10(a.min);
    const l1 = Math.log10(a.max);
    return (v) => from + ((Math.log10(v) - l0) / (l1 - l0)) * (to - from);
  }
  return (v) => from + ((v - a.min) / (a.max - a.min)) * (to - from);
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 640;
  // Three legend columns, or two when names are long.
  const cols = spec.series.some((x) => x.name.length > 26) ? 2 : 3;
  const legendRows = Math.ceil(spec.series.length / cols);
  const plotH = spec.height ?? 280;
  const m = { left: 70, right: 20, top: 34 };
  const H = m.top + plotH + 52 + legendRows * 18;
  const fx = spec.formatX ?? compact;
  const fy = spec.formatY ?? compact;
  const logX = spec.logX ?? true;
  const logY = spec.logY ?? true;
  const pts = spec.series.flatMap((s) => s.points);
  const ax = axis(
    pts.map((p) => p.x),
    logX,
  );
  const ay = axis([...pts.map((p) => p.y), ...(spec.refLines ?? []).map((r) => r.y)], logY);
  const x0 = m.left;
  const x1 = W - m.right;
  const y0 = m.top + plotH;
  const y1 = m.top;
  const sx = scale(ax, x0, x1);
  const sy = scale(ay, y0, y1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="11">`);
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(spec.title)}</text>`);
  // Grid and ticks.
  for (const t of ay.minor) out.push(`<line x1="${x0}" x2="${x1}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
  for (const t of ax.minor) out.push(`<line y1="${y0}" y2="${y1}" x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" stroke="#eee"/>`);
  for (const t of ay.ticks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#ccc"/>`);
    out.push(`<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444">${escapeXml(fy(t))}</text>`);
  }
  for (const t of ax.ticks) {
    const x = sx(t).toFixed(1);
    out.push(`<line y1="${y0}" y2="${y1}" x1="${x}" x2="${x}" stroke="#ccc"/>`);
    out.push(`<text x="${x}" y="${y0 + 15}" text-anchor="middle" fill="#444">${escapeXml(fx(t))}</text>`);
  }
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${y0 + 32}" text-anchor="middle" fill="#222">${escapeXml(spec.xLabel)}${logX ? ' (log)' : ''}</text>`);
  out.push(`<text transform="translate(14 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(spec.yLabel)}${logY ? ' (log)' : ''}</text>`);
  for (const r of spec.refLines ?? []) {
    if (!(r.y > 0) && logY) continue;
    const y = sy(r.y).toFixed(1);
    out.push(`<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#b00" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${x1 - 4}" y="${Number(y) - 4}" text-anchor="end" fill="#b00">${escapeXml(r.label)}</text>`);
  }
  // Series.
  spec.series.forEach((s, i) => {
    const color = PALETTE[(s.colorIndex ?? i) % PALETTE.length] as string;
    const ps = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0) && (!logY || p.y > 0)).sort((a, b) => a.x - b.x);
    for (let k = 1; k < ps.length; k++) {
      const a = ps[k - 1] as ChartPoint;
      const b = ps[k] as ChartPoint;
      const dash = s.dashed === true || a.extrapolated === true || b.extrapolated === true ? ' stroke-dasharray="6 4"' : '';
      out.push(`<line x1="${sx(a.x).toFixed(1)}" y1="${sy(a.y).toFixed(1)}" x2="${sx(b.x).toFixed(1)}" y2="${sy(b.y).toFixed(1)}" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    for (const p of ps) {
      const tip = p.label ?? `${s.name}: ${fx(p.x)} → ${fy(p.y)}${p.extrapolated === true ? ' (extrapolated)' : ''}`;
      const fill = p.extrapolated === true ? 'white' : color;
      out.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${fill}" stroke="${color}" stroke-width="1.5"><title>${escapeXml(tip)}</title></circle>`);
    }
    const lx = m.left + (i % cols) * ((W - m.left) / cols);
    const ly = y0 + 48 + Math.floor(i / cols) * 18;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${lx + 28}" y="${ly}" dominant-baseline="middle" fill="#222">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

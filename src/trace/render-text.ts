import { formatIpv4 } from '../core/index.js';
import type { Endpoint4, TraceEvent, TracePlace } from './events.js';

export interface TextRenderOptions {
  /** ANSI colours (only on a terminal, never with NO_COLOR). */
  readonly color: boolean;
  /** Show rules that did not match (the events must have been collected with all rules). */
  readonly verbose: boolean;
}

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', blue: '\x1b[34m', magenta: '\x1b[35m', cyan: '\x1b[36m' } as const;
type Colour = keyof typeof ANSI;

function ep(e: Endpoint4): string {
  return e.port === 0 ? formatIpv4(e.addr) : `${formatIpv4(e.addr)}:${e.port}`;
}

function placeTitle(p: TracePlace): string {
  if (p.netns === 'host') return `node ${p.node}`;
  if (p.netns === 'client') return `client ${p.node}`;
  return `${p.netns} (on ${p.node})`;
}

/**
 * Renders a packet's journey as text grouped by place (node/namespace), hop by hop: devices,
 * hooks, the rules that matched (table, chain, rule number, rule text), NAT and conntrack
 * changes, routing, neighbour/bridge/FDB decisions, encapsulation, and the end.
 */
export function renderTraceText(events: readonly TraceEvent[], options: TextRenderOptions): string {
  const c = (colour: Colour, s: string) => (options.color ? `${ANSI[colour]}${s}${ANSI.reset}` : s);
  const lines: string[] = [];
  let lastPlace = '';
  for (const e of events) {
    const key = `${e.place.node}|${e.place.netns}`;
    if (key !== lastPlace) {
      lines.push(c('bold', `▸ ${placeTitle(e.place)}`));
      lastPlace = key;
    }
    const line = renderEvent(e, options, c);
    if (line !== null) lines.push(`  ${line}`);
  }
  return lines.join('\n');
}

function renderEvent(e: TraceEvent, options: TextRenderOptions, c: (colour: Colour, s: string) => string): string | null {
  switch (e.kind) {
    case 'packet':
      return c('bold', `${e.description}`);
    case 'device':
      return e.direction === 'in' ? c('cyan', `← in on ${e.dev}`) : c('cyan', `→ out on ${e.dev}`);
    case 'capture':
      return null;
    case 'hook':
      return c('blue', e.hook);
    case 'rule':
      if (!e.matched && !options.verbose) return null;
      return `  ${e.matched ? c('green', '✓') : c('dim', '·')} ${e.table}/${e.chain} #${e.ruleNumber}  ${e.matched ? e.ruleText : c('dim', e.ruleText)}`;
    case 'verdict':
      if (e.verdict.startsWith('ACCEPT')) return e.ruleNumber === 0 ? c('dim', `  ${e.table}/${e.chain}: ${e.verdict}`) : `  ${e.table}/${e.chain}: ${c('green', e.verdict)}`;
      return `  ${e.table}/${e.chain}: ${c('red', e.verdict)}`;
    case 'nat':
      return c('magenta', `  ${e.nat.toUpperCase()} ${ep(e.before)} → ${ep(e.after)}`);
    case 'conntrack':
      return c('yellow', `  conntrack ${e.action}${e.detail === '' ? '' : `: ${e.detail}`}`);
    case 'mark':
      return `  mark 0x${e.before.toString(16)} → 0x${e.after.toString(16)}`;
    case 'route':
      return `routing ${formatIpv4(e.dst)}: ${e.result}`;
    case 'neighbour':
      return `neighbour ${formatIpv4(e.addr)} lladdr ${e.mac} dev ${e.dev}`;
    case 'bridge':
      return `bridge ${e.bridge}: ${e.mac} via ${e.port}`;
    case 'encap':
      return c('magenta', `encapsulate ${e.detail}`);
    case 'decap':
      return c('magenta', `decapsulate ${e.detail}`);
    case 'ipvs':
      return c('magenta', `IPVS ${e.detail}`);
    case 'log':
      return `LOG ${JSON.stringify(e.prefix)}`;
    case 'deliver':
      return c('green', `✔ ${e.detail}`);
    case 'drop':
      return c('red', `✘ dropped (${e.reason}): ${e.detail}`);
    case 'note':
      return c('dim', e.detail);
    default: {
      const never: never = e;
      return never;
    }
  }
}

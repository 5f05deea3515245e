import { endpointText, renderTraceText, type TracePlan } from '../../index.js';
import { paint, table } from '../style.js';
import type { Journey } from './journey.js';
import { destinationNatStep, natSteps, sourceNatStep } from './nat-steps.js';
import { type JourneySummary, summariseJourney } from './outcome.js';
import type { CountResult, TracedOutcome, TraceResult } from './run.js';
import { endpoint, placeText, probabilityText, resultText, shareText } from './words.js';

export interface TraceTextOptions {
  readonly color: boolean;
  /** Show the rules that were evaluated without matching. */
  readonly verbose: boolean;
  readonly seed: number;
  /** Assumptions and remarks printed before the trace (replay). */
  readonly notes: readonly string[];
}

function verdictStyle(s: JourneySummary): 'green' | 'red' | 'yellow' {
  switch (s.verdict) {
    case 'delivered':
      return 'green';
    case 'transmitted':
      return 'yellow';
    case 'dropped':
    case 'rejected':
      return 'red';
    default: {
      const never: never = s.verdict;
      return never;
    }
  }
}

function mark(s: JourneySummary): string {
  return s.verdict === 'delivered' || s.verdict === 'transmitted' ? '✔' : '✘';
}

function destinationText(s: JourneySummary, j: Journey): string {
  const sent = endpointText(j.sent.dst, j.sent.dport);
  if (!s.destinationTranslated) return `${sent}, not translated`;
  const step = destinationNatStep(natSteps(j.events));
  return `${sent} → ${endpoint(s.destination)}${step !== undefined ? ` (${step.kind.toUpperCase()} on ${placeText(step.place)})` : ''}`;
}

function sourceText(s: JourneySummary, j: Journey): string {
  const sent = endpointText(j.sent.src, j.sent.sport);
  if (!s.sourceTranslated) return `${sent}, not translated`;
  const step = sourceNatStep(natSteps(j.events));
  return `${sent} → ${endpoint(s.source)}${step !== undefined ? ` (${step.kind.toUpperCase()} on ${placeText(step.place)})` : ''}`;
}

function journeyBlock(o: TracedOutcome, opts: TraceTextOptions): string {
  const c = opts.color;
  const s = o.summary;
  const lines = [renderTraceText(o.journey.events, { color: c, verbose: opts.verbose }), ''];
  const n = o.journey.end.crossings;
  // A replayed node is one namespace: crossings only mean something in a cluster.
  const crossings = n === 0 ? '' : paint(c, 'dim', ` (${n} namespace crossing${n === 1 ? '' : 's'})`);
  lines.push(paint(c, 'bold', paint(c, verdictStyle(s), `${mark(s)} ${resultText(s)}`)) + crossings);
  const rows = [
    ['destination', destinationText(s, o.journey)],
    ['source', sourceText(s, o.journey)],
  ];
  // The journey view knows the odds of its own random decisions, not how many outcomes there are.
  if (o.probability !== null && o.probability < 1) rows.push(['odds', `${probabilityText(o.probability)}: the random decisions on this path (--all-paths lists every outcome)`]);
  else if (o.probability !== null) rows.push(['odds', 'no random decision on this path']);
  else rows.push(['odds', 'chosen by the IPVS scheduler from its state (--all-paths lists every outcome with its long-run share)']);
  lines.push(table(rows));
  if (o.reply !== null) lines.push('', replyBlock(o.reply, o.journey, opts));
  else if (s.verdict === 'delivered' || s.verdict === 'transmitted') lines.push('', paint(c, 'dim', 'add --reply to follow the answer back'));
  return lines.join('\n');
}

function replyBlock(reply: Journey, forward: Journey, opts: TraceTextOptions): string {
  const c = opts.color;
  const s = summariseJourney(reply);
  const lines = [renderTraceText(reply.events, { color: c, verbose: opts.verbose }), ''];
  const from = endpoint(s.source);
  lines.push(paint(c, 'bold', paint(c, verdictStyle(s), `${mark(s)} reply ${resultText(s)}, from ${from}`)));
  // A client only accepts an answer from the address it sent to; NAT that is not undone breaks the connection.
  const expected = endpointText(forward.sent.dst, forward.sent.dport);
  if (s.verdict === 'delivered' && (s.source.addr !== forward.sent.dst || s.source.port !== forward.sent.dport)) {
    lines.push(paint(c, 'yellow', `  the client sent to ${expected}: an answer from ${from} does not belong to its connection`));
  }
  return lines.join('\n');
}

function sourceNatSuffix(j: Journey): string {
  const step = sourceNatStep(natSteps(j.events));
  return step === undefined ? '' : ` (${step.kind})`;
}

function outcomeRow(o: TracedOutcome, withReply: boolean): string[] {
  const s = o.summary;
  const row = [
    probabilityText(o.probability),
    resultText(s),
    s.destinationTranslated ? endpoint(s.destination) : 'not translated',
    s.sourceTranslated ? `${endpointText(s.source.addr, 0)}${sourceNatSuffix(o.journey)}` : 'not translated',
  ];
  if (withReply) {
    const r = o.reply === null ? null : summariseJourney(o.reply);
    row.push(r === null ? 'none' : `${r.verdict}${r.verdict === 'delivered' ? ` from ${endpoint(r.source)}` : ''}`);
  }
  return row;
}

function allPathsBlock(result: TraceResult, plan: TracePlan, withReply: boolean, opts: TraceTextOptions): string {
  const c = opts.color;
  const n = result.outcomes.length;
  const head = [paint(c, 'bold', `${plan.description}: ${n} possible outcome${n === 1 ? '' : 's'}`), ''];
  const header = ['ODDS', 'RESULT', 'DESTINATION', 'SOURCE', ...(withReply ? ['REPLY'] : [])].map((h) => paint(c, 'dim', h));
  return [...head, table([header, ...result.outcomes.map((o) => outcomeRow(o, withReply))])].join('\n');
}

function countBlock(count: CountResult, possible: number | null, plan: TracePlan, opts: TraceTextOptions): string {
  const c = opts.color;
  const title = `${count.connections} new connection${count.connections === 1 ? '' : 's'} ${plan.description}, source ports ${count.firstSport}-${count.lastSport}, seed ${opts.seed}`;
  const header = ['CONNECTIONS', 'SHARE', 'EXACT', 'RESULT', 'DESTINATION', 'SOURCE'].map((h) => paint(c, 'dim', h));
  const rows = count.rows.map((r) => [
    String(r.connections),
    shareText(r.connections, count.connections),
    probabilityText(r.probability),
    resultText(r.summary),
    r.summary.destinationTranslated ? endpoint(r.summary.destination) : 'not translated',
    r.summary.sourceTranslated ? endpointText(r.summary.source.addr, 0) : 'not translated',
  ]);
  const foot = `${possible ?? count.rows.length} possible outcome${possible === 1 ? '' : 's'}; EXACT is each one's probability for a single new connection`;
  return [paint(c, 'bold', title), '', table([header, ...rows]), '', paint(c, 'dim', foot)].join('\n');
}

/** The text report of a trace: notes, then the journey, the outcome table or the distribution. */
export function renderTraceResultText(result: TraceResult, plan: TracePlan, withReply: boolean, opts: TraceTextOptions): string {
  const parts: string[] = [];
  if (opts.notes.length > 0) parts.push(opts.notes.map((n) => paint(opts.color, 'yellow', `note: ${n}`)).join('\n'), '');
  switch (result.view) {
    case 'journey': {
      const o = result.outcomes[0];
      if (o !== undefined) parts.push(journeyBlock(o, opts));
      break;
    }
    case 'all-paths':
      parts.push(allPathsBlock(result, plan, withReply, opts));
      break;
    case 'count':
      if (result.count !== null) parts.push(countBlock(result.count, result.possibleOutcomes, plan, opts));
      break;
    default: {
      const never: never = result.view;
      return never;
    }
  }
  return parts.join('\n');
}

import { journeyCapture, type TraceEvent, type TracePlan } from '../../index.js';
import { out, useColor, writeBinaryFile } from '../io.js';
import type { Timings } from '../timings.js';
import type { TraceCliOptions } from './options.js';
import { traceJsonDocument } from './render-json.js';
import { renderTraceResultText } from './render-text.js';
import { runTrace } from './run.js';
import type { TraceWorld } from './world.js';

export interface EmitContext {
  /** The node named with --node, if any (recorded in the JSON request). */
  readonly node: string | null;
  /** Assumptions and remarks shown with the result. */
  readonly notes: readonly string[];
  readonly timings: Timings;
}

/** Runs the trace the options ask for and writes it (text or JSON on stdout, pcapng to a file). */
export function emitTrace(world: TraceWorld, plan: TracePlan, o: TraceCliOptions, ctx: EmitContext): void {
  const result = ctx.timings.phase('trace', () => runTrace(world, plan, { view: o.view, reply: o.reply, allRules: o.verbose, count: o.count }));
  if (o.pcap !== undefined) {
    const events: TraceEvent[] = [];
    for (const oc of result.outcomes) {
      events.push(...oc.journey.events);
      if (oc.reply !== null) events.push(...oc.reply.events);
    }
    writeBinaryFile(o.pcap, journeyCapture(events, 'pcapng'), 'the capture file');
  }
  switch (o.format) {
    case 'json':
      out(JSON.stringify(traceJsonDocument(result, plan, { mode: world.mode, seed: o.seed, from: o.from, to: o.to, node: ctx.node, verbose: o.verbose, notes: ctx.notes }), null, 2));
      break;
    case 'text':
      out(renderTraceResultText(result, plan, o.reply, { color: useColor(), verbose: o.verbose, seed: o.seed, notes: ctx.notes }));
      break;
    default: {
      const never: never = o.format;
      return never;
    }
  }
}

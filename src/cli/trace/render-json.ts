import { formatIpv4, type JsonEndpoint, type JsonHop, protocolName, traceHopsJson, type TracePlan, type TracePlace } from '../../index.js';
import type { Journey } from './journey.js';
import { type DestinationNatKind, destinationNatStep, type NatStep, natSteps, type SourceNatKind, sourceNatStep } from './nat-steps.js';
import { type JourneySummary, summariseJourney } from './outcome.js';
import type { CountRow, TracedOutcome, TraceResult, TraceView } from './run.js';

/**
 * The `--format json` document of `kpemu trace` and `kpemu replay`, version 1. The schema is
 * written down in docs/trace.schema.json; fields are only ever added within a version, and a
 * change to an existing field's meaning bumps `version`.
 */
export const TRACE_JSON_VERSION = 1;

export type JsonVerdict = JourneySummary['verdict'];

export interface JsonPlace {
  readonly node: string;
  readonly netns: string;
  /** The device the packet left by (`transmitted`), else null. */
  readonly device: string | null;
}

export interface JsonNatStep {
  readonly node: string;
  readonly netns: string;
  readonly kind: NatStep['kind'];
  readonly before: JsonEndpoint;
  readonly after: JsonEndpoint;
}

/** How one journey ended (the reply has the same shape without the probability and the reply). */
export interface JsonJourney {
  readonly verdict: JsonVerdict;
  /** kpemu's drop reason (`netfilter-drop`, `policy-drop`, `no-route`, ...) when dropped or rejected, else null. */
  readonly reason: string | null;
  /** The rule or policy that dropped or rejected it (`filter/KUBE-SERVICES#3`, `filter/INPUT policy`), else null. */
  readonly decidedBy: string | null;
  readonly rejectWith: string | null;
  readonly endedAt: JsonPlace;
  /** The destination as it ended: after DNAT or IPVS (or a reply's reverse SNAT) when `translated`; `by` names which. */
  readonly destination: JsonEndpoint & { readonly translated: boolean; readonly by: DestinationNatKind | null };
  /** The source as it ended: after SNAT or MASQUERADE (or a reply's reverse DNAT) when `translated`; `by` names which. */
  readonly source: JsonEndpoint & { readonly translated: boolean; readonly by: SourceNatKind | null };
  /** Namespace boundaries crossed. */
  readonly crossings: number;
  readonly nat: readonly JsonNatStep[];
  readonly hops: readonly JsonHop[];
}

export interface JsonOutcome extends JsonJourney {
  /** Exact probability over the random decisions; null when it could not be determined. */
  readonly probability: number | null;
  /** The answer traced back (`--reply`), null when not asked for or when nothing answers. */
  readonly reply: JsonJourney | null;
}

export interface JsonCountRow {
  readonly connections: number;
  /** connections / total connections. */
  readonly share: number;
  readonly probability: number | null;
  readonly verdict: JsonVerdict;
  readonly reason: string | null;
  readonly decidedBy: string | null;
  readonly rejectWith: string | null;
  readonly endedAt: JsonPlace;
  readonly destination: JsonEndpoint & { readonly translated: boolean };
  /** The translated source address; the port is left out (random per connection under --random-fully). */
  readonly source: { readonly addr: string; readonly translated: boolean };
}

export interface TraceJsonDocument {
  readonly schema: 'kpemu-trace';
  readonly version: typeof TRACE_JSON_VERSION;
  /** `iptables` or `ipvs` (a cluster), `replay` (a node's dumps). */
  readonly mode: string;
  readonly seed: number;
  readonly request: { readonly from: string; readonly to: string; readonly proto: string; readonly node: string | null; readonly view: TraceView };
  /** The first packet as sent. */
  readonly packet: { readonly description: string; readonly proto: string; readonly src: JsonEndpoint; readonly dst: JsonEndpoint };
  /** Distinct outcomes over all random decisions; null in the `journey` view, which does not explore them. */
  readonly possibleOutcomes: number | null;
  /** `journey`: the seeded outcome (its probability is that of the decisions it made); `all-paths`: every outcome, most likely first; `count`: empty. */
  readonly outcomes: readonly JsonOutcome[];
  readonly count: {
    readonly connections: number;
    readonly firstSourcePort: number;
    readonly lastSourcePort: number;
    readonly distribution: readonly JsonCountRow[];
  } | null;
  /** Assumptions kpemu made (replay without some dumps) and other remarks. */
  readonly notes: readonly string[];
}

function ep(addr: number, port: number): JsonEndpoint {
  return { addr: formatIpv4(addr), port };
}

function place(p: TracePlace, device: string): JsonPlace {
  return { node: p.node, netns: p.netns, device: device === '' ? null : device };
}

function decision(s: JourneySummary): Pick<JsonJourney, 'reason' | 'decidedBy' | 'rejectWith'> {
  const ended = s.verdict === 'dropped' || s.verdict === 'rejected';
  return {
    reason: ended ? s.reason : null,
    decidedBy: ended && s.decidedBy !== '' ? s.decidedBy : null,
    rejectWith: s.verdict === 'rejected' && s.rejectWith !== '' ? s.rejectWith : null,
  };
}

function journeyJson(j: Journey, verbose: boolean): JsonJourney {
  const s = summariseJourney(j);
  const steps = natSteps(j.events);
  return {
    verdict: s.verdict,
    ...decision(s),
    endedAt: place(s.place, s.outDev),
    destination: { ...ep(s.destination.addr, s.destination.port), translated: s.destinationTranslated, by: s.destinationTranslated ? (destinationNatStep(steps)?.kind ?? null) : null },
    source: { ...ep(s.source.addr, s.source.port), translated: s.sourceTranslated, by: s.sourceTranslated ? (sourceNatStep(steps)?.kind ?? null) : null },
    crossings: j.end.crossings,
    nat: steps.map((n) => ({ node: n.place.node, netns: n.place.netns, kind: n.kind, before: ep(n.before.addr, n.before.port), after: ep(n.after.addr, n.after.port) })),
    hops: traceHopsJson(j.events, { verbose }),
  };
}

function outcomeJson(o: TracedOutcome, verbose: boolean): JsonOutcome {
  return { probability: o.probability, ...journeyJson(o.journey, verbose), reply: o.reply === null ? null : journeyJson(o.reply, verbose) };
}

function countRowJson(r: CountRow, total: number): JsonCountRow {
  const s = r.summary;
  return {
    connections: r.connections,
    share: total === 0 ? 0 : r.connections / total,
    probability: r.probability,
    verdict: s.verdict,
    ...decision(s),
    endedAt: place(s.place, s.outDev),
    destination: { ...ep(s.destination.addr, s.destination.port), translated: s.destinationTranslated },
    source: { addr: formatIpv4(s.source.addr), translated: s.sourceTranslated },
  };
}

export interface TraceJsonContext {
  readonly mode: string;
  readonly seed: number;
  readonly from: string;
  readonly to: string;
  readonly node: string | null;
  readonly verbose: boolean;
  readonly notes: readonly string[];
}

/** Builds the JSON document of a trace result. */
export function traceJsonDocument(result: TraceResult, plan: TracePlan, ctx: TraceJsonContext): TraceJsonDocument {
  const proto = protocolName(plan.proto);
  return {
    schema: 'kpemu-trace',
    version: TRACE_JSON_VERSION,
    mode: ctx.mode,
    seed: ctx.seed,
    request: { from: ctx.from, to: ctx.to, proto, node: ctx.node, view: result.view },
    // ICMP has no ports: the echo id is not shown as one.
    packet: { description: plan.description, proto, src: ep(plan.src, plan.proto === 1 ? 0 : plan.sport), dst: ep(plan.dst, plan.proto === 1 ? 0 : plan.dport) },
    possibleOutcomes: result.possibleOutcomes,
    outcomes: result.outcomes.map((o) => outcomeJson(o, ctx.verbose)),
    count:
      result.count === null
        ? null
        : {
            connections: result.count.connections,
            firstSourcePort: result.count.firstSport,
            lastSourcePort: result.count.lastSport,
            distribution: result.count.rows.map((r) => countRowJson(r, result.count?.connections ?? 0)),
          },
    notes: [...ctx.notes],
  };
}

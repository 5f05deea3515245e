import { type AttemptSummary, endpointText, exploreOutcomes, firstPacket, replyPacket, type TracePlan } from '../../index.js';
import { type Journey, quietJourney, tracedJourney } from './journey.js';
import { keyText, outcomeKey, type JourneySummary, summariseJourney } from './outcome.js';
import type { JourneyStart, TraceWorld } from './world.js';

/**
 * The three questions `kpemu trace` answers about one packet:
 * - `journey`: what happens to it with the seeded randomness, hop by hop (and how likely that is);
 * - `all-paths`: every possible outcome with its exact probability, each with its own journey;
 * - `count`: what N new connections (distinct source ports) reach, next to the exact figures.
 */
export type TraceView = 'journey' | 'all-paths' | 'count';

export interface TraceRunOptions {
  readonly view: TraceView;
  /** Also trace the answer back to the client. */
  readonly reply: boolean;
  /** Record every rule evaluated (`-v`). */
  readonly allRules: boolean;
  /** Connections for the `count` view. */
  readonly count: number;
}

/** An outcome with its journey (and the reply's). */
export interface TracedOutcome {
  /**
   * Exact probability over the random decisions (`-m statistic`, schedulers): of the outcome
   * (`all-paths`), or of the decisions this journey made (`journey`).
   */
  readonly probability: number | null;
  readonly journey: Journey;
  readonly summary: JourneySummary;
  readonly reply: Journey | null;
}

/** One line of the `count` distribution. */
export interface CountRow {
  readonly key: AttemptSummary;
  /** A representative summary (of the first connection with this outcome, or of the explored path). */
  readonly summary: JourneySummary;
  readonly connections: number;
  readonly probability: number | null;
}

export interface CountResult {
  readonly connections: number;
  readonly firstSport: number;
  readonly lastSport: number;
  readonly rows: readonly CountRow[];
}

export interface TraceResult {
  readonly view: TraceView;
  /** `journey`: the seeded journey; `all-paths`: every outcome, most likely first; `count`: none. */
  readonly outcomes: readonly TracedOutcome[];
  /** How many distinct outcomes the packet can have; null for the `journey` view, which does not explore them. */
  readonly possibleOutcomes: number | null;
  readonly count: CountResult | null;
}

function startOf(plan: TracePlan): JourneyStart {
  return { ns: plan.sender, dev: plan.senderDev };
}

function replyTitle(j: Journey): string {
  const p = j.end.packet;
  return p.proto === 1 ? `reply ${endpointText(p.dst, 0)} → ${endpointText(p.src, 0)}` : `reply ${endpointText(p.dst, p.dport)} → ${endpointText(p.src, p.sport)}`;
}

/** Traces the answer to a journey's packet, or null when nothing answers it. */
function traceReply(world: TraceWorld, j: Journey, allRules: boolean): Journey | null {
  const start = world.replyStart(j.end);
  if (start === null) return null;
  return tracedJourney(world, start, replyPacket(j.end.packet), { allRules, title: replyTitle(j) });
}

/**
 * Runs `fn` with every namespace drawing its random decisions exactly as it would anyway
 * (`-m statistic`: a u31 from the namespace's Rng against the probability), while multiplying up
 * the probability of each decision taken: the probability of this path.
 */
function withPathProbability<T>(world: TraceWorld, fn: () => T): { value: T; probability: number } {
  let probability = 1;
  const all = world.namespaces();
  for (const ns of all) {
    ns.chooser = (p31) => {
      const taken = (ns.rng.nextU32() & 0x7fffffff) < p31;
      const p = p31 / 0x80000000;
      probability *= taken ? p : 1 - p;
      return taken;
    };
  }
  try {
    return { value: fn(), probability };
  } finally {
    for (const ns of all) ns.chooser = null;
  }
}

interface Explored {
  readonly key: AttemptSummary;
  readonly probability: number;
}

/**
 * Every outcome with its exact probability. Each attempt starts from a fresh connection state
 * with a new first packet; `onPath` sees each attempt's journey (to keep traced ones).
 */
function explore(world: TraceWorld, attempt: () => Journey, onPath: (key: AttemptSummary, j: Journey) => void): Explored[] {
  return exploreOutcomes(world.namespaces(), () => {
    const j = attempt();
    const key = outcomeKey(summariseJourney(j));
    onPath(key, j);
    return key;
  }).map((o) => {
    const { probability, ...key } = o;
    return { key, probability };
  });
}

/** Runs the view asked for. Leaves the world's connection state as the last run left it. */
export function runTrace(world: TraceWorld, plan: TracePlan, options: TraceRunOptions): TraceResult {
  const start = startOf(plan);
  switch (options.view) {
    case 'journey': {
      // Exploring every outcome would walk (and so sync kube-proxy on) every node an endpoint
      // lives on; the probability of the decisions this journey made costs nothing extra.
      const traced = () => tracedJourney(world, start, firstPacket(plan), { allRules: options.allRules, title: plan.description });
      const { value: journey, probability } = world.recordsOdds ? withPathProbability(world, traced) : { value: traced(), probability: null };
      const reply = options.reply ? traceReply(world, journey, options.allRules) : null;
      return { view: 'journey', outcomes: [{ probability, journey, summary: summariseJourney(journey), reply }], possibleOutcomes: null, count: null };
    }
    case 'all-paths': {
      const kept = new Map<string, { journey: Journey; reply: Journey | null }>();
      const explored = explore(
        world,
        () => tracedJourney(world, start, firstPacket(plan), { allRules: options.allRules, title: plan.description }),
        (key, j) => {
          const k = keyText(key);
          // The reply belongs to this path's connection, so it is traced inside the attempt.
          if (!kept.has(k)) kept.set(k, { journey: j, reply: options.reply ? traceReply(world, j, options.allRules) : null });
        },
      );
      const outcomes = explored.map((e): TracedOutcome => {
        const k = kept.get(keyText(e.key));
        if (k === undefined) throw new Error(`explored outcome without a journey: ${keyText(e.key)}`);
        return { probability: e.probability, journey: k.journey, summary: summariseJourney(k.journey), reply: k.reply };
      });
      outcomes.sort((a, b) => (b.probability ?? 0) - (a.probability ?? 0) || keyText(outcomeKey(a.summary)).localeCompare(keyText(outcomeKey(b.summary))));
      return { view: 'all-paths', outcomes, possibleOutcomes: outcomes.length, count: null };
    }
    case 'count': {
      const rows = new Map<string, { key: AttemptSummary; summary: JourneySummary; connections: number }>();
      for (let i = 0; i < options.count; i++) {
        // A new connection each time: same client, the next source port (or ICMP echo id).
        const j = quietJourney(world, start, firstPacket({ ...plan, sport: plan.sport + i }));
        const summary = summariseJourney(j);
        const key = outcomeKey(summary);
        const k = keyText(key);
        const row = rows.get(k);
        if (row === undefined) rows.set(k, { key, summary, connections: 1 });
        else row.connections++;
      }
      const summaries = new Map<string, JourneySummary>();
      const explored = explore(world, () => quietJourney(world, start, firstPacket(plan)), (key, j) => {
        const k = keyText(key);
        if (!summaries.has(k)) summaries.set(k, summariseJourney(j));
      });
      const out: CountRow[] = [...rows.values()].map((r) => ({ ...r, probability: explored.find((e) => keyText(e.key) === keyText(r.key))?.probability ?? null }));
      // Outcomes that are possible but no connection reached still belong in the distribution.
      for (const e of explored) {
        const k = keyText(e.key);
        const summary = summaries.get(k);
        if (!rows.has(k) && summary !== undefined) out.push({ key: e.key, summary, connections: 0, probability: e.probability });
      }
      out.sort((a, b) => b.connections - a.connections || (b.probability ?? 0) - (a.probability ?? 0) || keyText(a.key).localeCompare(keyText(b.key)));
      return {
        view: 'count',
        outcomes: [],
        possibleOutcomes: explored.length,
        count: { connections: options.count, firstSport: plan.sport, lastSport: plan.sport + options.count - 1, rows: out },
      };
    }
    default: {
      const never: never = options.view;
      return never;
    }
  }
}

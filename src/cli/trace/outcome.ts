import { type AttemptSummary, type DropReason, endpointText, type PathOutcome, type RejectWith, type TracePlace } from '../../index.js';
import { type Journey, placeKey } from './journey.js';

/** An address and port (uint32 address; port 0 for protocols without ports). */
export interface Endpoint {
  readonly addr: number;
  readonly port: number;
}

/** What a journey did to the packet, in the terms users ask about. */
export interface JourneySummary {
  readonly verdict: PathOutcome;
  /** Where it ended. */
  readonly place: TracePlace;
  /** The device it left by when `transmitted`. */
  readonly outDev: string;
  /** The destination as it ended (after DNAT or IPVS). */
  readonly destination: Endpoint;
  readonly destinationTranslated: boolean;
  /** The source as it ended (after SNAT or MASQUERADE). */
  readonly source: Endpoint;
  readonly sourceTranslated: boolean;
  readonly reason: DropReason;
  readonly rejectWith: RejectWith | '';
  readonly decidedBy: string;
  /** What the drop event of a traced journey said, '' when there is none. */
  readonly detail: string;
}

export function summariseJourney(j: Journey): JourneySummary {
  const p = j.end.packet;
  const ports = p.proto !== 1;
  const destination = { addr: p.dst, port: ports ? p.dport : 0 };
  const source = { addr: p.src, port: ports ? p.sport : 0 };
  // The drop event says what happened in words ("no host answers ARP for ..."); untraced runs have only the reason.
  let detail = '';
  for (const e of j.events) if (e.kind === 'drop') detail = e.detail;
  return {
    verdict: j.end.outcome,
    place: j.end.netns.place,
    outDev: j.end.outDev,
    destination,
    destinationTranslated: destination.addr !== j.sent.dst || destination.port !== j.sent.dport,
    source,
    sourceTranslated: source.addr !== j.sent.src || source.port !== j.sent.sport,
    reason: j.end.reason,
    rejectWith: j.end.rejectWith,
    decidedBy: j.end.decidedBy,
    detail,
  };
}

/**
 * The identity of an outcome, for merging explored paths and tallying `--count` runs: verdict,
 * place, the destination after NAT and the translated source *address*. The source port is left
 * out because MASQUERADE --random-fully picks a new one for every connection.
 */
export function outcomeKey(s: JourneySummary): AttemptSummary {
  return {
    verdict: s.verdict,
    where: s.outDev === '' ? placeKey(s.place) : `${placeKey(s.place)} → ${s.outDev}`,
    dnat: s.destinationTranslated ? endpointText(s.destination.addr, s.destination.port) : null,
    snat: s.sourceTranslated ? endpointText(s.source.addr, 0) : null,
    reason: s.reason,
    rejectWith: s.rejectWith,
    decidedBy: s.decidedBy,
  };
}

/** The text form of {@link outcomeKey}, as exploreOutcomes merges by it. */
export function keyText(k: AttemptSummary): string {
  return JSON.stringify(k);
}

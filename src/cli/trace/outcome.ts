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
}

export function summariseJourney(j: Journey): JourneySummary {
  const p = j.end.packet;
  const isIcmp = p.proto === 1;
  const destination = { addr: p.dst, port: isIcmp ? 0 : p.dport };
  const source = { addr: p.src, port: isIcmp ? p.icmpId : p.sport };
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

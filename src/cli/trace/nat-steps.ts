import type { Endpoint4, TraceEvent, TracePlace } from '../../index.js';

/** One address translation a journey went through, in order. */
export interface NatStep {
  readonly place: TracePlace;
  /** `masquerade` is a source NAT made by a MASQUERADE rule, `snat` one made by an SNAT rule. */
  readonly kind: 'dnat' | 'snat' | 'masquerade' | 'un-dnat' | 'un-snat' | 'ipvs';
  readonly before: Endpoint4;
  readonly after: Endpoint4;
}

/**
 * The NAT steps of a journey. Conntrack reports every source NAT as `snat`; which target made
 * the binding is the last nat-table rule that matched in that namespace (MASQUERADE or SNAT).
 */
export function natSteps(events: readonly TraceEvent[]): NatStep[] {
  const steps: NatStep[] = [];
  const lastNatTarget = new Map<string, 'masquerade' | 'snat'>();
  for (const e of events) {
    const key = `${e.place.node}/${e.place.netns}`;
    if (e.kind === 'rule' && e.matched && e.table === 'nat') {
      if (/ -j MASQUERADE\b/.test(e.ruleText)) lastNatTarget.set(key, 'masquerade');
      else if (/ -j SNAT\b/.test(e.ruleText)) lastNatTarget.set(key, 'snat');
    } else if (e.kind === 'nat') {
      const kind = e.nat === 'snat' ? (lastNatTarget.get(key) ?? 'snat') : e.nat;
      steps.push({ place: e.place, kind, before: e.before, after: e.after });
    }
  }
  return steps;
}

export type SourceNatKind = 'masquerade' | 'snat' | 'un-dnat';
export type DestinationNatKind = 'dnat' | 'ipvs' | 'un-snat';

/** The first step that rewrote the source (SNAT, MASQUERADE, or a reply's reverse DNAT), or undefined. */
export function sourceNatStep(steps: readonly NatStep[]): (NatStep & { readonly kind: SourceNatKind }) | undefined {
  for (const s of steps) if (s.kind === 'masquerade' || s.kind === 'snat' || s.kind === 'un-dnat') return s as NatStep & { readonly kind: SourceNatKind };
  return undefined;
}

/** The first step that rewrote the destination (DNAT, IPVS, or a reply's reverse SNAT), or undefined. */
export function destinationNatStep(steps: readonly NatStep[]): (NatStep & { readonly kind: DestinationNatKind }) | undefined {
  for (const s of steps) if (s.kind === 'dnat' || s.kind === 'ipvs' || s.kind === 'un-snat') return s as NatStep & { readonly kind: DestinationNatKind };
  return undefined;
}

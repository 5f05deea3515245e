import { formatIpv4, protocolName } from '../core/index.js';
import type { Endpoint4, TraceEvent, TracePlace } from './events.js';

/**
 * Trace events as plain JSON data, grouped into hops (one per stay in a namespace, in order),
 * with addresses as dotted quads. This is the `hops` part of `kpemu trace --format json`; its
 * shape is part of that documented, versioned schema, so fields are only ever added.
 */

/** An address and port; `port` is 0 for protocols without ports. */
export interface JsonEndpoint {
  readonly addr: string;
  readonly port: number;
}

/** One trace event. `kind` is the {@link TraceEvent} kind; `capture` events are not included (they go to pcap). */
export type JsonTraceEvent =
  | { readonly kind: 'packet'; readonly description: string; readonly proto: string; readonly src: JsonEndpoint; readonly dst: JsonEndpoint }
  | { readonly kind: 'device'; readonly dev: string; readonly direction: 'in' | 'out' }
  | { readonly kind: 'hook'; readonly hook: string }
  | { readonly kind: 'rule'; readonly table: string; readonly chain: string; readonly rule: number; readonly text: string; readonly matched: boolean }
  /** `rule` 0: the chain's policy decided. */
  | { readonly kind: 'verdict'; readonly table: string; readonly chain: string; readonly rule: number; readonly verdict: string }
  | { readonly kind: 'nat'; readonly nat: string; readonly before: JsonEndpoint; readonly after: JsonEndpoint }
  | { readonly kind: 'conntrack'; readonly action: string; readonly detail: string }
  /** Marks as `0x...` hex strings, as iptables prints them. */
  | { readonly kind: 'mark'; readonly before: string; readonly after: string }
  | { readonly kind: 'route'; readonly dst: string; readonly result: string }
  | { readonly kind: 'neighbour'; readonly addr: string; readonly mac: string; readonly dev: string }
  | { readonly kind: 'bridge'; readonly bridge: string; readonly mac: string; readonly port: string }
  | { readonly kind: 'encap' | 'decap' | 'ipvs' | 'deliver' | 'note'; readonly detail: string }
  | { readonly kind: 'log'; readonly prefix: string }
  | { readonly kind: 'drop'; readonly reason: string; readonly detail: string };

/** A stay in one namespace: where, and what happened there. */
export interface JsonHop {
  /** The node (or external client) name. */
  readonly node: string;
  /** `host`, `pod/NS/NAME`, or `client`. */
  readonly netns: string;
  readonly events: readonly JsonTraceEvent[];
}

export interface JsonRenderOptions {
  /** Include rules that were evaluated and did not match (the events must have been collected with all rules). */
  readonly verbose: boolean;
}

export function jsonEndpoint(e: Endpoint4): JsonEndpoint {
  return { addr: formatIpv4(e.addr), port: e.port };
}

/** Groups events into hops (a new hop whenever the place changes) and converts each to JSON data. */
export function traceHopsJson(events: readonly TraceEvent[], options: JsonRenderOptions): JsonHop[] {
  const hops: { node: string; netns: string; events: JsonTraceEvent[] }[] = [];
  let last: TracePlace | null = null;
  for (const e of events) {
    const converted = eventJson(e, options);
    if (converted === null) continue;
    if (last === null || last.node !== e.place.node || last.netns !== e.place.netns) {
      hops.push({ node: e.place.node, netns: e.place.netns, events: [] });
      last = e.place;
    }
    (hops[hops.length - 1] as (typeof hops)[number]).events.push(converted);
  }
  return hops;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** One event as JSON data, or null for events that are not part of the JSON view. */
export function eventJson(e: TraceEvent, options: JsonRenderOptions): JsonTraceEvent | null {
  switch (e.kind) {
    case 'packet':
      return { kind: 'packet', description: e.description, proto: protocolName(e.proto), src: jsonEndpoint(e.src), dst: jsonEndpoint(e.dst) };
    case 'device':
      return { kind: 'device', dev: e.dev, direction: e.direction };
    case 'capture':
      // Frames belong in pcap output; the JSON view describes decisions.
      return null;
    case 'hook':
      return { kind: 'hook', hook: e.hook };
    case 'rule':
      if (!e.matched && !options.verbose) return null;
      return { kind: 'rule', table: e.table, chain: e.chain, rule: e.ruleNumber, text: e.ruleText, matched: e.matched };
    case 'verdict':
      return { kind: 'verdict', table: e.table, chain: e.chain, rule: e.ruleNumber, verdict: e.verdict };
    case 'nat':
      return { kind: 'nat', nat: e.nat, before: jsonEndpoint(e.before), after: jsonEndpoint(e.after) };
    case 'conntrack':
      return { kind: 'conntrack', action: e.action, detail: e.detail };
    case 'mark':
      return { kind: 'mark', before: hex(e.before), after: hex(e.after) };
    case 'route':
      return { kind: 'route', dst: formatIpv4(e.dst), result: e.result };
    case 'neighbour':
      return { kind: 'neighbour', addr: formatIpv4(e.addr), mac: e.mac, dev: e.dev };
    case 'bridge':
      return { kind: 'bridge', bridge: e.bridge, mac: e.mac, port: e.port };
    case 'encap':
    case 'decap':
    case 'ipvs':
    case 'deliver':
    case 'note':
      return { kind: e.kind, detail: e.detail };
    case 'log':
      return { kind: 'log', prefix: e.prefix };
    case 'drop':
      return { kind: 'drop', reason: e.reason, detail: e.detail };
    default: {
      const never: never = e;
      return never;
    }
  }
}

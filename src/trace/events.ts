/**
 * Trace events: what happened to a packet, step by step. Built only when a sink is attached,
 * so the hot path pays nothing when tracing is off. Addresses are uint32; renderers format them.
 */

/** Where an event happened: the node (or client) and the network namespace inside it. */
export interface TracePlace {
  readonly node: string;
  /** 'host' for the node's root namespace, `pod/NS/NAME` for a pod, or a client name. */
  readonly netns: string;
}

/** The header fields of a packet at one capture point (addresses uint32, lengths in bytes). */
export interface CapturedFields {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly icmpId: number;
  readonly tcpFlags: number;
  readonly ttl: number;
  readonly length: number;
  readonly df: boolean;
  readonly innerSrc: number;
  readonly innerDst: number;
  readonly innerProto: number;
  readonly innerSport: number;
  readonly innerDport: number;
}

/** A copy of a packet's header fields (a `Packet` has them all), taken at a capture point. */
export function capturedFieldsOf(p: Readonly<CapturedFields>): CapturedFields {
  return {
    src: p.src,
    dst: p.dst,
    proto: p.proto,
    sport: p.sport,
    dport: p.dport,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
    icmpId: p.icmpId,
    tcpFlags: p.tcpFlags,
    ttl: p.ttl,
    length: p.length,
    df: p.df,
    innerSrc: p.innerSrc,
    innerDst: p.innerDst,
    innerProto: p.innerProto,
    innerSport: p.innerSport,
    innerDport: p.innerDport,
  };
}

/** A frame as it crossed a device: Ethernet addresses, IP fields, and a VXLAN payload if any. */
export interface CapturedFrame {
  readonly srcMac: string;
  readonly dstMac: string;
  readonly fields: CapturedFields;
  readonly encap: { readonly vni: number; readonly innerSrcMac: string; readonly innerDstMac: string; readonly inner: CapturedFields } | null;
}

export interface Endpoint4 {
  readonly addr: number;
  readonly port: number;
}

export type TraceEvent =
  | { readonly kind: 'packet'; readonly place: TracePlace; readonly description: string; readonly proto: number; readonly src: Endpoint4; readonly dst: Endpoint4 }
  | { readonly kind: 'device'; readonly place: TracePlace; readonly dev: string; readonly direction: 'in' | 'out' }
  /** A copy of the frame on the wire at a device, for pcap output. */
  | { readonly kind: 'capture'; readonly place: TracePlace; readonly dev: string; readonly direction: 'in' | 'out'; readonly frame: CapturedFrame }
  | { readonly kind: 'hook'; readonly place: TracePlace; readonly hook: string }
  | {
      readonly kind: 'rule';
      readonly place: TracePlace;
      readonly table: string;
      readonly chain: string;
      /** 1-based rule number in the chain. */
      readonly ruleNumber: number;
      readonly ruleText: string;
      readonly matched: boolean;
    }
  | {
      readonly kind: 'verdict';
      readonly place: TracePlace;
      readonly table: string;
      readonly chain: string;
      /** 0 when the verdict came from the chain's policy. */
      readonly ruleNumber: number;
      readonly verdict: string;
    }
  | {
      readonly kind: 'nat';
      readonly place: TracePlace;
      readonly nat: 'dnat' | 'snat' | 'masquerade' | 'un-dnat' | 'un-snat' | 'ipvs';
      readonly before: Endpoint4;
      readonly after: Endpoint4;
    }
  | {
      readonly kind: 'conntrack';
      readonly place: TracePlace;
      readonly action: 'new' | 'established' | 'related' | 'invalid' | 'confirmed' | 'untracked' | 'table-full' | 'expired';
      readonly detail: string;
    }
  | { readonly kind: 'mark'; readonly place: TracePlace; readonly before: number; readonly after: number }
  | { readonly kind: 'route'; readonly place: TracePlace; readonly dst: number; readonly result: string }
  | { readonly kind: 'neighbour'; readonly place: TracePlace; readonly addr: number; readonly mac: string; readonly dev: string }
  | { readonly kind: 'bridge'; readonly place: TracePlace; readonly bridge: string; readonly mac: string; readonly port: string }
  | { readonly kind: 'encap'; readonly place: TracePlace; readonly detail: string }
  | { readonly kind: 'decap'; readonly place: TracePlace; readonly detail: string }
  | { readonly kind: 'ipvs'; readonly place: TracePlace; readonly detail: string }
  | { readonly kind: 'log'; readonly place: TracePlace; readonly prefix: string }
  | { readonly kind: 'deliver'; readonly place: TracePlace; readonly detail: string }
  | { readonly kind: 'drop'; readonly place: TracePlace; readonly reason: string; readonly detail: string }
  | { readonly kind: 'note'; readonly place: TracePlace; readonly detail: string };
export type TraceEventKind = TraceEvent['kind'];

export interface TraceSink {
  emit(event: TraceEvent): void;
}

/** A sink that keeps every event, for tests and renderers. */
export class CollectingSink implements TraceSink {
  readonly events: TraceEvent[] = [];
  emit(event: TraceEvent): void {
    this.events.push(event);
  }
}

import type { DropReason, NetNamespace, Packet, PathOutcome, RejectWith } from '../../index.js';

/**
 * What the trace commands need from "the world" a packet travels in: a whole emulated cluster
 * (`kpemu trace`) or a single node rebuilt from a real node's dumps (`kpemu replay`). Both are
 * traced, explored and rendered by the same code.
 */

/** Where a packet starts: sent by a process in `ns` (`dev` ''), or arriving on `dev` of `ns`. */
export interface JourneyStart {
  readonly ns: NetNamespace;
  readonly dev: string;
}

/** How a journey ended. */
export interface WorldEnd {
  /** `transmitted`: the packet left the emulated world through `outDev` (replay of a single node). */
  readonly outcome: PathOutcome;
  /** The namespace where it ended. */
  readonly netns: NetNamespace;
  readonly reason: DropReason;
  readonly rejectWith: RejectWith | '';
  /** The rule or policy that dropped or rejected it (`filter/KUBE-SERVICES#3`, `filter/INPUT policy`). */
  readonly decidedBy: string;
  /** Namespace boundaries crossed. */
  readonly crossings: number;
  /** The device it left by when transmitted, '' otherwise. */
  readonly outDev: string;
  /** The packet as it ended (after NAT; the inner packet after VXLAN decapsulation). */
  readonly packet: Packet;
}

export interface TraceWorld {
  /** `iptables` or `ipvs` for a cluster, `replay` for a node rebuilt from dumps. */
  readonly mode: string;
  /**
   * Whether the random decisions are draws (`-m statistic`) whose probability can be recorded
   * while they are made. IPVS schedulers decide from their own state (rr's position, lc's loads),
   * so a journey through them has no path probability; `--all-paths` still explores them.
   */
  readonly recordsOdds: boolean;
  /** Every namespace a packet may visit (trace sinks and outcome exploration attach to these). */
  namespaces(): readonly NetNamespace[];
  /** Runs one packet to its end. */
  send(start: JourneyStart, pkt: Packet): WorldEnd;
  /** Where the answer to a journey's packet starts, or null when nothing answers (dropped, rejected). */
  replyStart(end: WorldEnd): JourneyStart | null;
}

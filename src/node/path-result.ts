import type { RejectWith } from '../netfilter/index.js';
import type { DropReason } from '../packet/index.js';

/** What happened to a packet inside one namespace. */
export type PathOutcome =
  /** Delivered to a local socket (host process) in this namespace. */
  | 'delivered'
  /** Left through a device (forwarded, or sent by a local process). */
  | 'transmitted'
  | 'dropped'
  /** Dropped by a REJECT rule; the error to send back is described by `rejectWith`. */
  | 'rejected';

/** Filled in by the namespace walk; reused between packets. */
export class PathResult {
  outcome: PathOutcome = 'dropped';
  /** Output device when transmitted. */
  outDev = '';
  /** Next-hop address (the gateway, or the destination when directly connected). */
  nextHop = 0;
  dropReason: DropReason = 'none';
  rejectWith: RejectWith | '' = '';
  /** Where the deciding rule was, for drop/reject reports: `filter/KUBE-SERVICES#3`. */
  decidedBy = '';

  reset(): this {
    this.outcome = 'dropped';
    this.outDev = '';
    this.nextHop = 0;
    this.dropReason = 'none';
    this.rejectWith = '';
    this.decidedBy = '';
    return this;
  }
}

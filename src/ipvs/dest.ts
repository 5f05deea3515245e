import { DEST_FLAGS, type FwdMethod } from './types.js';

/**
 * A real server of one virtual service (struct ip_vs_dest). Schedulers read `weight`, `flags` and
 * the connection counters on every new connection; connections hold a reference (`refcnt`), which
 * keeps a deleted destination alive in the trash while its connections drain.
 */
export class Dest {
  /** Index in the IPVS model's destination table (connections store it). */
  id = -1;
  weight: number;
  /** Latest non-zero weight (mh keeps a quiesced server's slots). */
  lastWeight: number;
  flags: number = DEST_FLAGS.AVAILABLE;
  fwd: FwdMethod;
  uThreshold = 0;
  lThreshold = 0;
  activeConns = 0;
  inactConns = 0;
  persistConns = 0;
  /** Connections (and templates) bound to this destination. */
  refcnt = 0;
  /** Deleted from its service but kept for its connections. */
  inTrash = false;
  /** Connections scheduled to this destination since it was created (ipvsadm --stats Conns). */
  conns = 0;

  constructor(
    readonly addr: number,
    readonly port: number,
    weight: number,
    fwd: FwdMethod,
    /** The service this destination belongs to (vaddr/vport/protocol identify it in the trash). */
    readonly svcProtocol: number,
    readonly svcAddr: number,
    readonly svcPort: number,
  ) {
    this.weight = weight;
    this.lastWeight = weight;
    this.fwd = fwd;
  }

  /** ip_vs_dest_conn_overhead: active connections weigh 256 inactive ones. */
  get overhead(): number {
    return this.activeConns * 256 + this.inactConns;
  }

  get totalConns(): number {
    return this.activeConns + this.inactConns;
  }

  get overloaded(): boolean {
    return (this.flags & DEST_FLAGS.OVERLOAD) !== 0;
  }

  get available(): boolean {
    return (this.flags & DEST_FLAGS.AVAILABLE) !== 0;
  }

  /** The common "unusable for a new connection" test of sh, dh and mh: weight <= 0 or overloaded. */
  get unavailable(): boolean {
    return this.weight <= 0 || (this.flags & DEST_FLAGS.OVERLOAD) !== 0;
  }
}

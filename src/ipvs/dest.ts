import { D_ACTIVE, D_ADDR, D_CONNS, D_FLAGS, D_INACTIVE, D_MASQ, D_PERSIST, D_PORT, D_REFCNT, D_UTHRESHOLD, D_WEIGHT, DEST_STRIDE, DestStore } from './dest-store.js';
import { DEST_FLAGS, type FwdMethod } from './types.js';

/**
 * A real server of one virtual service (struct ip_vs_dest). Schedulers read `weight`, `flags` and
 * the connection counters on every new connection; connections hold a reference (`refcnt`), which
 * keeps a deleted destination alive in the trash while its connections drain.
 *
 * The numbers schedulers and new connections touch live in the model's {@link DestStore} record
 * `id` (these properties are views on it), so the packet path can read them by id without
 * visiting this object; see dest-store.ts.
 */
export class Dest {
  /** Latest non-zero weight (mh keeps a quiesced server's slots). */
  lastWeight: number;
  lThreshold = 0;
  /** Deleted from its service but kept for its connections. */
  inTrash = false;
  private fwdMethod: FwdMethod;
  /** The shared store while the destination is live; its own copy once freed (see detach). */
  private store: { readonly f64: Float64Array | number[] };
  private base: number;

  constructor(
    store: DestStore,
    /** Index in the IPVS model's destination table (connections store it). */
    readonly id: number,
    readonly addr: number,
    readonly port: number,
    weight: number,
    fwd: FwdMethod,
    /** The service this destination belongs to (vaddr/vport/protocol identify it in the trash). */
    readonly svcProtocol: number,
    readonly svcAddr: number,
    readonly svcPort: number,
  ) {
    store.ensure(id);
    this.store = store;
    this.base = id * DEST_STRIDE;
    store.f64.fill(0, this.base, this.base + DEST_STRIDE);
    this.put(D_ADDR, addr);
    this.put(D_PORT, port);
    this.put(D_FLAGS, DEST_FLAGS.AVAILABLE);
    this.weight = weight;
    this.lastWeight = weight;
    this.fwdMethod = fwd;
    this.fwd = fwd;
  }

  private get(field: number): number {
    return this.store.f64[this.base + field] as number;
  }

  private put(field: number, value: number): void {
    this.store.f64[this.base + field] = value;
  }

  /**
   * Moves this destination's numbers out of the shared store (its id is about to be reused).
   * A plain array: allocating a typed array per freed destination would cost more than the
   * whole delete.
   */
  detach(): void {
    const own: number[] = [];
    for (let i = 0; i < DEST_STRIDE; i++) own.push(this.store.f64[this.base + i] as number);
    this.store = { f64: own };
    this.base = 0;
  }

  get weight(): number {
    return this.get(D_WEIGHT);
  }
  set weight(v: number) {
    this.put(D_WEIGHT, v);
  }
  get flags(): number {
    return this.get(D_FLAGS);
  }
  set flags(v: number) {
    this.put(D_FLAGS, v);
  }
  get fwd(): FwdMethod {
    return this.fwdMethod;
  }
  set fwd(v: FwdMethod) {
    this.fwdMethod = v;
    this.put(D_MASQ, v === 'masq' ? 1 : 0);
  }
  get uThreshold(): number {
    return this.get(D_UTHRESHOLD);
  }
  set uThreshold(v: number) {
    this.put(D_UTHRESHOLD, v);
  }
  get activeConns(): number {
    return this.get(D_ACTIVE);
  }
  set activeConns(v: number) {
    this.put(D_ACTIVE, v);
  }
  get inactConns(): number {
    return this.get(D_INACTIVE);
  }
  set inactConns(v: number) {
    this.put(D_INACTIVE, v);
  }
  get persistConns(): number {
    return this.get(D_PERSIST);
  }
  set persistConns(v: number) {
    this.put(D_PERSIST, v);
  }
  /** Connections (and templates) bound to this destination. */
  get refcnt(): number {
    return this.get(D_REFCNT);
  }
  set refcnt(v: number) {
    this.put(D_REFCNT, v);
  }
  /** Connections scheduled to this destination since it was created (ipvsadm --stats Conns). */
  get conns(): number {
    return this.get(D_CONNS);
  }
  set conns(v: number) {
    this.put(D_CONNS, v);
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

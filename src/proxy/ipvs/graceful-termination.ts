import type { Clock } from '../../core/index.js';
import type { IpvsApi, IpvsProtocolName, RealServer, VirtualServer } from '../../ipvs/index.js';
import { RS_CHECK_DELETE_INTERVAL_MS } from './constants.js';
import { tryDo, tryGet, type FailureSink, type IpvsOpCounts } from './ops.js';
import { realServerKey, uniqueRealServerName, virtualServerKey } from './virtual-server.js';

/** A quiesced real server waiting for its connections to end. */
export interface TerminatingRealServer {
  /** `VS/ip:port`. */
  readonly name: string;
  readonly vsKey: string;
  readonly vs: VirtualServer;
  readonly rs: RealServer;
  /** When it was quiesced (clock milliseconds). */
  readonly sinceMs: number;
}

/**
 * Whether removing a real server of this protocol waits for its connections (U
 * `IsRsGracefulTerminationNeeded`). UDP and SCTP servers are deleted at once; with
 * `expire_nodest_conn=1` their flows are dropped on their next packet instead.
 */
export function gracefulTerminationNeeded(protocol: IpvsProtocolName): boolean {
  switch (protocol) {
    case 'TCP':
      return true;
    case 'UDP':
    case 'SCTP':
      return false;
  }
}

/**
 * kube-proxy's graceful-termination manager (G), on an injected clock. A real server that is no
 * longer wanted is deleted at once when it carries no connections (or is UDP/SCTP); otherwise its
 * weight goes to 0, so schedulers stop choosing it while its connections finish, and it joins a
 * list that is retried every minute of clock time, measured from the manager's creation.
 *
 * Upstream's goroutine ticks by itself; here {@link runDue} must be called (the proxier calls it at
 * the start of every sync, and callers may call it between syncs). One deliberate difference: an
 * entry whose virtual server has disappeared is dropped, where upstream would retry it forever
 * and could later refuse to re-add the same real server to a re-created virtual server.
 */
export class GracefulTerminationManager {
  private readonly list = new Map<string, TerminatingRealServer>();
  private readonly startMs: number;
  private nextCheckMs: number;

  constructor(
    private readonly ipvs: IpvsApi,
    private readonly clock: Clock,
  ) {
    this.startMs = clock.nowMs();
    this.nextCheckMs = this.startMs + RS_CHECK_DELETE_INTERVAL_MS;
  }

  inTerminationList(name: string): boolean {
    return this.list.has(name);
  }

  /** The waiting real servers, by name. */
  pending(): TerminatingRealServer[] {
    return [...this.list.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** When the next retry is due (clock milliseconds). */
  get nextCheckAtMs(): number {
    return this.nextCheckMs;
  }

  /**
   * G `GracefulDeleteRS`: deletes `rs` now if it may go, else quiesces it (weight 0) and lists it.
   * `vs` is the kernel's copy of the virtual server.
   */
  gracefulDelete(vs: VirtualServer, rs: RealServer, ops: IpvsOpCounts, fail: FailureSink): void {
    const vsKey = virtualServerKey(vs);
    const item: TerminatingRealServer = { name: uniqueRealServerName(vsKey, realServerKey(rs)), vsKey, vs, rs, sinceMs: this.clock.nowMs() };
    if (this.deleteIfDrained(item, ops, fail)) return;
    const quiesced: RealServer = { address: rs.address, port: rs.port, weight: 0 };
    if (!tryDo('updateRealServer', item.name, fail, () => this.ipvs.updateRealServer(vs, quiesced))) return;
    ops.rsUpdated++;
    if (!this.list.has(item.name)) this.list.set(item.name, item);
  }

  /**
   * G `MoveRSOutofGracefulDeleteList`: the endpoint came back, so the weight-0 server is deleted
   * now (the caller re-adds it at weight 1). Returns false when that failed.
   */
  moveOut(name: string, ops: IpvsOpCounts, fail: FailureSink): boolean {
    const item = this.list.get(name);
    if (item === undefined) return false;
    if (!tryDo('deleteRealServer', name, fail, () => this.ipvs.deleteRealServer(item.vs, item.rs))) return false;
    ops.rsDeleted++;
    this.list.delete(name);
    return true;
  }

  /** Forgets the entries of a virtual server that was deleted (its real servers went with it). */
  forgetVirtualServer(vsKey: string): void {
    for (const [name, item] of this.list) if (item.vsKey === vsKey) this.list.delete(name);
  }

  /**
   * The one-minute retry, if one is due at the clock's time: every listed server whose
   * connections have ended is deleted. Ticks missed while nobody called are not replayed one by
   * one, since nothing changes between them. Returns the names deleted.
   */
  runDue(ops: IpvsOpCounts, fail: FailureSink): string[] {
    const now = this.clock.nowMs();
    if (now < this.nextCheckMs) return [];
    const ticks = Math.floor((now - this.startMs) / RS_CHECK_DELETE_INTERVAL_MS) + 1;
    this.nextCheckMs = this.startMs + ticks * RS_CHECK_DELETE_INTERVAL_MS;
    const deleted: string[] = [];
    for (const item of this.pending()) {
      if (!this.deleteIfDrained(item, ops, fail)) continue;
      this.list.delete(item.name);
      deleted.push(item.name);
    }
    return deleted;
  }

  /** G `deleteRsFunc`: true when the server is gone afterwards (deleted now, or not there any more). */
  private deleteIfDrained(item: TerminatingRealServer, ops: IpvsOpCounts, fail: FailureSink): boolean {
    let gone = false;
    ops.reads++;
    const current = tryGet('getRealServers', item.vsKey, (f) => {
      if (f.error.code === 'IPVS_NO_SERVICE') gone = true;
      else fail(f);
    }, () => this.ipvs.getRealServers(item.vs));
    if (current === null) return gone;
    const found = current.find((d) => d.address >>> 0 === item.rs.address >>> 0 && d.port === item.rs.port);
    if (found === undefined) return true;
    if (gracefulTerminationNeeded(item.vs.protocol) && found.activeConn + found.inactiveConn !== 0) return false;
    if (!tryDo('deleteRealServer', item.name, fail, () => this.ipvs.deleteRealServer(item.vs, found))) return false;
    ops.rsDeleted++;
    return true;
  }
}

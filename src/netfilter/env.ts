import type { Clock, Rng } from '../core/index.js';
import type { Packet } from '../packet/index.js';
import type { TracePlace, TraceSink } from '../trace/index.js';
import type { NatRange, PortRange, SetMatch } from './ast.js';
import type { RecentStore } from './recent-store.js';

/**
 * Everything outside the rules that evaluating them needs: the namespace's addresses and
 * conntrack, the NAT machinery, ipsets, counters, randomness and time, and the trace sink.
 * The node implements it; tests implement small fakes. Methods are called per packet, so
 * implementations must not allocate.
 */
export interface NetfilterEnv {
  readonly rng: Rng;
  readonly clock: Clock;
  readonly recent: RecentStore;
  /**
   * A random decision that is true with probability `probabilityU31 / 2^31`. Normally a draw from
   * `rng` compared as the kernel does; an explorer enumerating every outcome overrides it.
   */
  chance(probabilityU31: number): boolean;
  /** ADDRTYPE_BITS of `addr` in this namespace (LOCAL, UNICAST, BROADCAST, ...). */
  addrType(addr: number): number;
  /** ADDRTYPE_BITS of `addr` as seen from device `dev` (for --limit-iface-in/out). */
  addrTypeOnDevice(addr: number, dev: string): number;
  /** CT_STATE_BITS SNAT/DNAT of the packet's connection (0 without one). */
  ctNatBits(pkt: Packet): number;
  /** CT_STATUS_BITS of the packet's connection (0 without one). */
  ctStatusBits(pkt: Packet): number;
  ctMark(pkt: Packet): number;
  setCtMark(pkt: Packet, mark: number): void;
  /** Marks the packet untracked (raw table NOTRACK / CT --notrack). */
  notrack(pkt: Packet): void;
  /** Counts a packet on an nfacct object. */
  nfacctHit(name: string, bytes: number): void;
  /** `-m set` membership. */
  setTest(m: SetMatch, pkt: Packet): boolean;
  /** Binds the packet's new connection to a DNAT; false when it cannot (the packet is dropped). */
  dnat(pkt: Packet, to: NatRange, random: boolean, persistent: boolean): boolean;
  snat(pkt: Packet, to: NatRange, random: boolean, randomFully: boolean, persistent: boolean): boolean;
  masquerade(pkt: Packet, ports: PortRange | undefined, random: boolean, randomFully: boolean): boolean;
  /** Non-null when tracing; events are built only then. */
  readonly trace: TraceSink | null;
  /** When tracing, also report rules that did not match. */
  readonly traceAllRules: boolean;
  readonly place: TracePlace;
  /** Cost counters the benchmarks read. */
  readonly stats: EngineStats;
}

export interface EngineStats {
  rulesEvaluated: number;
  chainsEntered: number;
}

/**
 * Per-packet benchmarks: the first packet of a new connection (a TCP SYN from a pod on cni0) to
 * the first, middle and last service, to a random service, and to an address no service owns; and
 * a packet of an established connection. Each timed call walks the whole node namespace
 * (`receive`), exactly as pod traffic does.
 *
 * New connections are really new: every call uses a fresh (source address, source port) pair, and
 * between benchmark cycles, outside the timed loop, every connection is forgotten (conntrack
 * flushed, IPVS connections expired), so no call can hit a connection a kernel would not have.
 * The machine-independent cost of each case is read from untimed probe packets before timing.
 */
import { receive, output, PathResult } from '../src/node/index.js';
import { Packet, TCP_FLAGS, CT_INFO } from '../src/packet/index.js';
import { SeededRng } from '../src/core/index.js';
import { benchmarkOp, type TimedOp } from './sampler.js';
import type { Budget } from './budget.js';
import { type BenchCluster, CLIENT_BASE, CLIENT_COUNT, NODE_IP, NON_SERVICE_IP, SERVICE_PORT } from './cluster.js';
import type { LookupCase, LookupRow } from './model.js';
import type { Dataplane } from './modes/mode.js';
import type { ModeName } from './options.js';
import type { Progress } from './progress.js';

/** Distinct client tuples: 253 pod addresses × 64,512 source ports. */
class TupleSource {
  private src = CLIENT_BASE;
  private sport = 1024;

  next(pkt: Packet): void {
    pkt.src = this.src;
    pkt.sport = this.sport;
    if (++this.sport > 65535) {
      this.sport = 1024;
      if (++this.src >= CLIENT_BASE + CLIENT_COUNT) this.src = CLIENT_BASE;
    }
  }
}

function syn(pkt: Packet, dst: number): void {
  pkt.reset();
  pkt.dst = dst;
  pkt.proto = 6;
  pkt.dport = SERVICE_PORT;
  pkt.tcpFlags = TCP_FLAGS.SYN;
}

interface CaseSpec {
  readonly case: LookupCase;
  /** Destination of each call: fixed, or drawn from a list. */
  readonly dst: number | Uint32Array;
}

/** Random targets: 4,096 service indexes drawn once from the run's seed, cycled through. */
function randomTargets(cluster: BenchCluster, seed: number): Uint32Array {
  const rng = new SeededRng(seed ^ 0x5eed);
  const out = new Uint32Array(4096);
  for (let i = 0; i < out.length; i++) out[i] = cluster.clusterIP(rng.nextInt(cluster.services));
  return out;
}

export function lookupCases(cluster: BenchCluster, seed: number): CaseSpec[] {
  const S = cluster.services;
  return [
    { case: 'new-first', dst: cluster.clusterIP(0) },
    { case: 'new-middle', dst: cluster.clusterIP(S >> 1) },
    { case: 'new-last', dst: cluster.clusterIP(S - 1) },
    { case: 'new-random', dst: randomTargets(cluster, seed) },
    { case: 'non-service', dst: NON_SERVICE_IP },
  ];
}

interface Cost {
  rules: number;
  ipset: number;
  ipvs: number;
  outcome: string;
  error: string | null;
}

/** Sends `n` untimed packets of a case and averages their cost; checks they did what they should. */
function probeCost(dp: Dataplane, c: CaseSpec, n: number, isService: boolean): Cost {
  const pkt = new Packet();
  const res = new PathResult();
  const tuples = new TupleSource();
  dp.forgetConnections();
  dp.takeProbes();
  const before = dp.ns.stats.rulesEvaluated;
  let error: string | null = null;
  let outcome = '';
  for (let k = 0; k < n; k++) {
    const dst = typeof c.dst === 'number' ? c.dst : (c.dst[k % c.dst.length] as number);
    syn(pkt, dst);
    tuples.next(pkt);
    receive(dp.ns, pkt, 'cni0', res);
    outcome = res.outcome;
    if (error === null) {
      if (res.outcome !== 'transmitted') error = `packet to ${dst >>> 0} was ${res.outcome} (${res.dropReason} ${res.decidedBy})`;
      else if (isService && pkt.dst === dst) error = 'service packet left without DNAT';
      else if (!isService && pkt.dst !== dst) error = 'non-service packet was rewritten';
    }
  }
  const p = dp.takeProbes();
  const rules = (dp.ns.stats.rulesEvaluated - before) / n;
  dp.forgetConnections();
  return { rules, ipset: p.ipset / n, ipvs: p.ipvs / n, outcome, error };
}

function row(mode: ModeName, cluster: BenchCluster, c: LookupCase, t: TimedOp, cost: Cost): LookupRow {
  return {
    mode,
    services: cluster.services,
    endpoints: cluster.endpoints,
    case: c,
    medianNs: t.medianNs,
    meanNs: t.meanNs,
    rmePct: t.rmePct,
    samples: t.samples,
    cpuNs: t.cpuNs,
    rulesEvaluated: cost.rules,
    hashProbes: cost.ipset + cost.ipvs,
    ipsetProbes: cost.ipset,
    ipvsProbes: cost.ipvs,
    outcome: cost.outcome,
    error: cost.error ?? t.error,
  };
}

export function measureLookups(mode: ModeName, dp: Dataplane, cluster: BenchCluster, budget: Budget, progress: Progress, seed: number): LookupRow[] {
  const rows: LookupRow[] = [];
  const pkt = new Packet();
  const res = new PathResult();
  const ns = dp.ns;
  const cases = lookupCases(cluster, seed);
  // Warm-up (untimed): every case in turn, and ACKs of one connection, until the JIT has compiled
  // the walk and the connection tables have grown to a cycle's size.
  const warm = new TupleSource();
  const ack = new Packet();
  const warmUntil = performance.now() + (budget.quick ? 250 : 700);
  for (let k = 0; performance.now() < warmUntil && k < 400_000; k++) {
    const c = cases[k % cases.length] as CaseSpec;
    syn(pkt, typeof c.dst === 'number' ? c.dst : (c.dst[k & 4095] as number));
    warm.next(pkt);
    receive(ns, pkt, 'cni0', res);
    if (k % cases.length === 0) {
      // Packets of the connection just opened (not answered: conntrack and IPVS still look them up).
      ack.reset();
      ack.src = pkt.src;
      ack.sport = pkt.sport;
      ack.dst = typeof c.dst === 'number' ? c.dst : (c.dst[k & 4095] as number);
      ack.proto = 6;
      ack.dport = SERVICE_PORT;
      ack.tcpFlags = TCP_FLAGS.ACK;
      receive(ns, ack, 'cni0', res);
    }
    if ((k & 16383) === 16383) dp.forgetConnections();
  }
  dp.forgetConnections();
  for (const c of cases) {
    progress.step(`${mode} ${cluster.services} svc · lookup ${c.case}`);
    const isService = c.case !== 'non-service';
    const cost = probeCost(dp, c, typeof c.dst === 'number' ? 1 : 512, isService);
    const tuples = new TupleSource();
    let fn: () => void;
    if (typeof c.dst === 'number') {
      const dst = c.dst;
      fn = () => {
        syn(pkt, dst);
        tuples.next(pkt);
        receive(ns, pkt, 'cni0', res);
      };
    } else {
      const list = c.dst;
      let k = 0;
      fn = () => {
        syn(pkt, list[k] as number);
        k = (k + 1) & 4095;
        tuples.next(pkt);
        receive(ns, pkt, 'cni0', res);
      };
    }
    const t = benchmarkOp(`${mode} ${cluster.services} ${c.case}`, fn, { ...budget.lookup(), onCycle: () => dp.forgetConnections() });
    dp.forgetConnections();
    rows.push(row(mode, cluster, c.case, t, cost));
  }
  progress.step(`${mode} ${cluster.services} svc · lookup established`);
  rows.push(measureEstablished(mode, dp, cluster, budget));
  return rows;
}

/**
 * A packet of an established connection: one connection to the first service is opened with a
 * real handshake (SYN through the node, SYN-ACK back from the chosen endpoint, ACK), then ACKs of
 * that connection are timed. Conntrack answers them; the nat table is not consulted.
 */
function measureEstablished(mode: ModeName, dp: Dataplane, cluster: BenchCluster, budget: Budget): LookupRow {
  const ns = dp.ns;
  const res = new PathResult();
  dp.forgetConnections();
  const vip = cluster.clusterIP(0);
  const client = CLIENT_BASE + 7;
  const cport = 40_000;
  const p = new Packet();
  syn(p, vip);
  p.src = client;
  p.sport = cport;
  receive(ns, p, 'cni0', res);
  const endpoint = p.dst;
  const endpointPort = p.dport;
  let error: string | null = res.outcome === 'transmitted' ? null : `SYN ${res.outcome}`;
  const reply = new Packet();
  reply.src = endpoint;
  reply.dst = client;
  reply.proto = 6;
  reply.sport = endpointPort;
  reply.dport = cport;
  reply.tcpFlags = TCP_FLAGS.SYN | TCP_FLAGS.ACK;
  dp.onReply(reply);
  receive(ns, reply, 'eth0', res);
  if (error === null && res.outcome !== 'transmitted') error = `SYN-ACK ${res.outcome} (${res.dropReason})`;
  const pkt = new Packet();
  const ack = (): void => {
    pkt.reset();
    pkt.src = client;
    pkt.dst = vip;
    pkt.proto = 6;
    pkt.sport = cport;
    pkt.dport = SERVICE_PORT;
    pkt.tcpFlags = TCP_FLAGS.ACK;
    receive(ns, pkt, 'cni0', res);
  };
  dp.takeProbes();
  const before = ns.stats.rulesEvaluated;
  ack();
  const rules = ns.stats.rulesEvaluated - before;
  const probes = dp.takeProbes();
  if (error === null && pkt.ctInfo !== CT_INFO.ESTABLISHED) error = `ACK classified ctinfo=${pkt.ctInfo}, not ESTABLISHED`;
  if (error === null && (pkt.dst !== endpoint || res.outcome !== 'transmitted')) error = `ACK ${res.outcome}, not forwarded to the connection's endpoint`;
  const warmUntil = performance.now() + (budget.quick ? 60 : 200);
  for (let k = 0; k < 200_000 && performance.now() < warmUntil; k++) ack();
  const t = benchmarkOp(`${mode} ${cluster.services} established`, ack, budget.lookup());
  const outcome = res.outcome;
  dp.forgetConnections();
  return row(mode, cluster, 'established', t, { rules, ipset: probes.ipset, ipvs: probes.ipvs, outcome, error });
}

/**
 * The path the real-kernel comparison measures: a local process on the node sends a SYN to a
 * ClusterIP (OUTPUT: raw, conntrack, mangle, nat KUBE-SERVICES, filter; reroute; POSTROUTING).
 * Returns the benchmark.js figures and the rules evaluated per packet.
 */
export function measureOutputPath(dp: Dataplane, dst: number, budget: Budget, expectDnat = true): { t: TimedOp; rules: number; error: string | null } {
  const ns = dp.ns;
  const pkt = new Packet();
  const res = new PathResult();
  let sport = 1024;
  const send = (): void => {
    pkt.reset();
    pkt.src = NODE_IP;
    pkt.dst = dst;
    pkt.proto = 6;
    pkt.sport = sport;
    pkt.dport = SERVICE_PORT;
    pkt.tcpFlags = TCP_FLAGS.SYN;
    if (++sport > 65535) {
      // The node has one address: after 64,512 ports the tuples would repeat, so forget them
      // (once per 64k packets, inside the timed loop but negligible).
      sport = 1024;
      dp.forgetConnections();
    }
    output(ns, pkt, res);
  };
  dp.forgetConnections();
  const warmUntil = performance.now() + (budget.quick ? 100 : 300);
  for (let k = 0; k < 200_000 && performance.now() < warmUntil; k++) send();
  dp.forgetConnections();
  const before = ns.stats.rulesEvaluated;
  send();
  const rules = ns.stats.rulesEvaluated - before;
  const error = res.outcome === 'transmitted' && (pkt.dst !== dst) === expectDnat ? null : `output path: ${res.outcome} ${res.dropReason}, dst ${pkt.dst === dst ? 'unchanged' : 'rewritten'}`;
  const t = benchmarkOp(`output ${dst}`, send, { ...budget.lookup(), onCycle: () => dp.forgetConnections() });
  dp.forgetConnections();
  return { t, rules, error };
}

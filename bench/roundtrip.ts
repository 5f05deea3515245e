/**
 * Issue #5: a full pod → ClusterIP → remote pod round trip through the emulated cluster, the path
 * `kpemu trace` follows, with no trace sink attached.
 *
 * The cluster has three nodes (flannel VXLAN between them) and S ClusterIP services whose
 * endpoints are all pods on node-2 and node-3; a client pod lives on node-1. Each round trip is a
 * new connection (fresh source port): the SYN leaves the client pod, crosses its veth into cni0,
 * is DNATed by kube-proxy's rules on node-1, routed to flannel.1, wrapped in VXLAN, sent over the
 * underlay, decapsulated on the endpoint's node, bridged to the endpoint pod and delivered; the
 * SYN-ACK goes all the way back and arrives at the client un-DNATed (from the ClusterIP). Between
 * benchmark cycles, outside the timed loop, every namespace forgets its connections.
 */
import { Cluster, type JourneyEnd, syntheticClusterIP, syntheticNodes, syntheticService, SYNTHETIC_PROXY_CONFIG } from '../src/cluster/index.js';
import { formatIpv4 } from '../src/core/index.js';
import type { ClusterObjects, EndpointSlice, Pod, ProxyMode } from '../src/kube/index.js';
import type { NetNamespace } from '../src/node/index.js';
import { Packet, TCP_FLAGS } from '../src/packet/index.js';
import type { Budget } from './budget.js';
import { ipToU32, SERVICE_PORT, TARGET_PORT } from './cluster.js';
import type { RoundTripRow } from './model.js';
import { benchmarkOp } from './sampler.js';

const SOURCE = { file: '<bench round trip>', line: 0 } as const;
/** The client pod on node-1. */
export const CLIENT_POD_IP = 0x0af4010a; // 10.244.1.10
/** Largest scale measured: the rig builds three nodes, each running a full kube-proxy sync. */
export const ROUND_TRIP_MAX_SERVICES = 10_000;
/** Endpoint pods per remote node (addresses .2 – .251 of its /24); services share them. */
const PODS_PER_NODE = 250;

function meta(namespace: string, name: string, labels: Record<string, string> = {}) {
  return { name, namespace, labels, annotations: {} };
}

/** Endpoint j of service i: a pod on node-2 or node-3 (never on the client's node). */
export function remoteEndpointIP(i: number, j: number, perService: number): { ip: string; node: string } {
  const n = i * perService + j;
  const nodeIndex = 2 + (n % 2);
  const host = 2 + (Math.floor(n / 2) % PODS_PER_NODE);
  return { ip: `10.244.${nodeIndex}.${host}`, node: `node-${nodeIndex}` };
}

function slice(i: number, perService: number): EndpointSlice {
  const name = syntheticService(i, {}).metadata.name;
  return {
    kind: 'EndpointSlice',
    metadata: meta('bench', `${name}-abcde`, { 'kubernetes.io/service-name': name }),
    source: SOURCE,
    serviceName: name,
    addressType: 'IPv4',
    ports: [{ name: 'http', protocol: 'TCP', port: TARGET_PORT }],
    endpoints: Array.from({ length: perService }, (_, j) => {
      const ep = remoteEndpointIP(i, j, perService);
      return { addresses: [ep.ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: ep.node, zone: '', hintsForZones: [] };
    }),
  };
}

/** The cluster objects of the round-trip benchmark (three flannel nodes, S services, one client pod). */
export function roundTripObjects(services: number, endpoints: number, mode: ProxyMode): ClusterObjects {
  const nodes = syntheticNodes('node-1');
  const client: Pod = { kind: 'Pod', metadata: meta('bench', 'client'), source: SOURCE, nodeName: 'node-1', hostNetwork: false, podIP: formatIpv4(CLIENT_POD_IP), containerPorts: [] };
  return {
    services: Array.from({ length: services }, (_, i) => syntheticService(i, {})),
    endpointSlices: Array.from({ length: services }, (_, i) => slice(i, endpoints)),
    nodes,
    pods: [client],
    proxyConfig: { ...SYNTHETIC_PROXY_CONFIG, mode },
    flannel: null,
    skipped: {},
    warnings: [],
  };
}

/**
 * A built cluster and the two reusable packets of a round trip. {@link RoundTrip.run} performs one
 * round trip on a fresh source port and returns the outcome; {@link RoundTrip.check} says what, if
 * anything, went wrong with the last one.
 */
export class RoundTrip {
  readonly cluster: Cluster;
  readonly client: NetNamespace;
  private readonly namespaces: NetNamespace[];
  private readonly request = new Packet();
  private readonly reply = new Packet();
  private sport = 1024;
  private vip = 0;
  /** How the request ended (in the endpoint pod) and how the reply ended (in the client), of the last run. */
  there: JourneyEnd | null = null;
  back: JourneyEnd | null = null;

  constructor(
    readonly services: number,
    readonly endpoints: number,
    mode: ProxyMode,
    seed: number,
  ) {
    this.cluster = Cluster.build(roundTripObjects(services, endpoints, mode), { seed, mode, eager: true });
    const pod = this.cluster.topology.pods.get('bench/client');
    if (pod === undefined) throw new Error('round trip: the client pod is missing');
    this.client = pod.netns;
    this.namespaces = this.cluster.topology.allNamespaces();
  }

  /** ClusterIP of service i. */
  clusterIP(i: number): number {
    return ipToU32(syntheticClusterIP(i));
  }

  /** One round trip to the ClusterIP `vip` (uint32) from the next source port. */
  run(vip: number): void {
    this.vip = vip;
    const q = this.request.reset();
    q.src = CLIENT_POD_IP;
    q.dst = vip;
    q.proto = 6;
    q.sport = this.sport;
    q.dport = SERVICE_PORT;
    q.tcpFlags = TCP_FLAGS.SYN;
    if (++this.sport > 65535) this.sport = 1024;
    const there = this.cluster.forwarder.send(this.client, q);
    this.there = there;
    this.back = null;
    if (there.outcome !== 'delivered') return;
    // The endpoint answers the packet it received (the inner copy made at encapsulation).
    const got = there.packet;
    const r = this.reply.reset();
    r.src = got.dst;
    r.dst = got.src;
    r.proto = 6;
    r.sport = got.dport;
    r.dport = got.sport;
    r.tcpFlags = TCP_FLAGS.SYN | TCP_FLAGS.ACK;
    r.length = got.length;
    this.back = this.cluster.forwarder.send(there.netns, r);
  }

  /** null when the last round trip went as it must: delivered to a remote pod, answered from the ClusterIP. */
  check(): string | null {
    const there = this.there;
    const back = this.back;
    if (there === null) return 'no round trip ran';
    if (there.outcome !== 'delivered') return `request ${there.outcome} (${there.reason} ${there.decidedBy}) in ${there.netns.place.node}/${there.netns.place.netns}`;
    if (there.netns.place.node === 'node-1' || !there.netns.place.netns.startsWith('pod/')) return `request delivered in ${there.netns.place.node}/${there.netns.place.netns}, not a remote pod`;
    if (there.packet.dport !== TARGET_PORT) return `request arrived on port ${there.packet.dport}, not the target port`;
    if (back === null || back.outcome !== 'delivered') return `reply ${back?.outcome ?? 'not sent'} (${back?.reason ?? ''} ${back?.decidedBy ?? ''})`;
    if (back.netns !== this.client) return `reply delivered in ${back.netns.place.node}/${back.netns.place.netns}, not the client`;
    if (back.packet.src !== this.vip || back.packet.sport !== SERVICE_PORT) return `reply came from ${formatIpv4(back.packet.src)}:${back.packet.sport}, not the ClusterIP`;
    return null;
  }

  /** Every namespace forgets its connections (between benchmark cycles). */
  forget(): void {
    for (const ns of this.namespaces) ns.conntrack.table.flush();
  }
}

/** Service targets: the ClusterIPs of 4,096 service indexes drawn once from the seed, cycled through. */
function targets(rt: RoundTrip, services: number, seed: number): Uint32Array {
  let x = (seed ^ 0x7217) >>> 0 || 1;
  const out = new Uint32Array(4096);
  for (let k = 0; k < out.length; k++) {
    // xorshift32: deterministic, cheap, good enough to spread targets over the services.
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[k] = rt.clusterIP(x % services);
  }
  return out;
}

/** Times round trips at one scale and mode; the figure is round trips per second. */
export function measureRoundTrips(mode: ProxyMode, services: number, endpoints: number, budget: Budget, seed: number): RoundTripRow {
  const t0 = performance.now();
  const rt = new RoundTrip(services, endpoints, mode, seed);
  const buildMs = performance.now() - t0;
  const list = targets(rt, services, seed);
  let k = 0;
  let error: string | null = null;
  // Untimed: every target once is checked, then warm-up until the JIT has settled.
  for (let n = 0; n < Math.min(512, list.length); n++) {
    rt.run(list[n] as number);
    error ??= rt.check();
  }
  rt.forget();
  const warmUntil = performance.now() + (budget.quick ? 150 : 500);
  for (let n = 0; performance.now() < warmUntil && n < 200_000; n++) {
    rt.run(list[n & 4095] as number);
    if ((n & 16383) === 16383) rt.forget();
  }
  rt.forget();
  const fn = (): void => {
    rt.run(list[k] as number);
    k = (k + 1) & 4095;
  };
  const t = benchmarkOp(`${mode} ${services} round trip`, fn, { ...budget.lookup(), onCycle: () => rt.forget() });
  // The last timed round trip must also have gone the whole way.
  error ??= rt.check();
  rt.forget();
  return {
    mode,
    services,
    endpoints,
    roundTripsPerSec: 1e9 / t.medianNs,
    cpuRoundTripsPerSec: 1e9 / t.cpuNs,
    medianNs: t.medianNs,
    rmePct: t.rmePct,
    cpuNs: t.cpuNs,
    samples: t.samples,
    buildMs,
    error: error ?? t.error,
  };
}

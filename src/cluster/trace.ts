import { parseIpv4, parsePort } from '../addr/index.js';
import { formatIpv4, KpemuError, maskOfLength, protocolName } from '../core/index.js';
import type { Service } from '../kube/index.js';
import type { NetNamespace } from '../node/index.js';
import { Packet, TCP_FLAGS } from '../packet/index.js';
import { CollectingSink, type TraceEvent } from '../trace/index.js';
import type { Cluster } from './build.js';
import type { JourneyEnd } from './forwarding.js';
import { closeMatches } from './suggest.js';

export type TraceProto = 'tcp' | 'udp' | 'sctp' | 'icmp';

/** Where a traced packet starts. */
export type SourceSpec = { readonly kind: 'pod'; readonly namespace: string; readonly name: string } | { readonly kind: 'node'; readonly name: string } | { readonly kind: 'ip'; readonly addr: number };

/** Where it is sent. */
export type DestSpec =
  | { readonly kind: 'svc'; readonly namespace: string; readonly name: string; readonly port?: string }
  | { readonly kind: 'pod'; readonly namespace: string; readonly name: string; readonly port: number }
  | { readonly kind: 'ip'; readonly addr: number; readonly port: number };

export interface TraceRequest {
  readonly from: SourceSpec;
  readonly to: DestSpec;
  /** Default: the service port's protocol, else tcp. */
  readonly proto?: TraceProto;
  readonly sport?: number;
  /** The node an external client's packet enters (default: the one owning the destination, else the first). */
  readonly node?: string;
}

/** A resolved request: who sends what, from where. */
export interface TracePlan {
  readonly description: string;
  readonly sender: NetNamespace;
  /** '' when the sender's own stack sends it (output path). */
  readonly senderDev: string;
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
}

/** Parses `pod/NS/NAME`, `node/NAME` or an IP. Throws CLI_USAGE. */
export function parseSource(text: string): SourceSpec {
  const parts = text.split('/');
  if (parts[0] === 'pod' && parts.length === 3 && parts[1] !== '' && parts[2] !== '') return { kind: 'pod', namespace: parts[1] as string, name: parts[2] as string };
  if (parts[0] === 'node' && parts.length === 2 && parts[1] !== '') return { kind: 'node', name: parts[1] as string };
  if (parts.length === 1) return { kind: 'ip', addr: parseIpv4(text) };
  throw new KpemuError('CLI_USAGE', `bad source "${text}": expected pod/NAMESPACE/NAME, node/NAME or an IPv4 address`);
}

/** Parses `svc/NS/NAME[:PORT]`, `pod/NS/NAME:PORT` or `IP:PORT`. Throws CLI_USAGE. */
export function parseDest(text: string): DestSpec {
  const parts = text.split('/');
  if (parts[0] === 'svc' && parts.length === 3) {
    const [name, port] = (parts[2] as string).split(':');
    if (parts[1] !== '' && name !== undefined && name !== '') return port === undefined ? { kind: 'svc', namespace: parts[1] as string, name } : { kind: 'svc', namespace: parts[1] as string, name, port };
  }
  if (parts[0] === 'pod' && parts.length === 3) {
    const [name, port] = (parts[2] as string).split(':');
    if (name === undefined || name === '' || port === undefined) throw new KpemuError('CLI_USAGE', `bad destination "${text}": a pod destination needs a port, pod/NAMESPACE/NAME:PORT`);
    return { kind: 'pod', namespace: parts[1] as string, name, port: parsePort(port) };
  }
  if (parts.length === 1) {
    const i = text.lastIndexOf(':');
    if (i < 0) throw new KpemuError('CLI_USAGE', `bad destination "${text}": expected IP:PORT (or svc/NAMESPACE/NAME[:PORT], pod/NAMESPACE/NAME:PORT)`);
    return { kind: 'ip', addr: parseIpv4(text.slice(0, i)), port: parsePort(text.slice(i + 1)) };
  }
  throw new KpemuError('CLI_USAGE', `bad destination "${text}": expected svc/NAMESPACE/NAME[:PORT], pod/NAMESPACE/NAME:PORT or IP:PORT`);
}

function findService(cluster: Cluster, namespace: string, name: string): Service {
  const svc = cluster.objects.services.find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
  if (svc !== undefined) return svc;
  const all = cluster.objects.services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
  throw new KpemuError('CLI_NOT_FOUND', `no service ${namespace}/${name}${closeMatches(`${namespace}/${name}`, all, 'svc/')}`);
}

/** Turns a request into addresses, ports and the sending namespace. */
export function planTrace(cluster: Cluster, req: TraceRequest): TracePlan {
  const topo = cluster.topology;
  let dst: number;
  let dport: number;
  let proto: TraceProto = req.proto ?? 'tcp';
  let dstText: string;
  switch (req.to.kind) {
    case 'svc': {
      const svc = findService(cluster, req.to.namespace, req.to.name);
      if (svc.spec.clusterIP === '' || svc.spec.clusterIP === 'None') {
        throw new KpemuError('CLI_USAGE', `service ${req.to.namespace}/${req.to.name} has no cluster IP (${svc.spec.type === 'ExternalName' ? 'ExternalName' : 'headless'}): kube-proxy programs nothing for it; trace a pod instead`);
      }
      const want = req.to.port;
      const port =
        want === undefined
          ? svc.spec.ports.find((p) => req.proto === undefined || p.protocol.toLowerCase() === req.proto)
          : svc.spec.ports.find((p) => (p.name === want || String(p.port) === want) && (req.proto === undefined || p.protocol.toLowerCase() === req.proto));
      if (port === undefined) {
        const ports = svc.spec.ports.map((p) => `${p.name !== '' ? `${p.name}=` : ''}${p.port}/${p.protocol}`).join(', ');
        throw new KpemuError('CLI_NOT_FOUND', `service ${req.to.namespace}/${req.to.name} has no port ${want ?? ''}${req.proto !== undefined ? ` for ${req.proto}` : ''} (ports: ${ports})`);
      }
      dst = parseIpv4(svc.spec.clusterIP);
      dport = port.port;
      if (req.proto === undefined) proto = port.protocol.toLowerCase() as TraceProto;
      dstText = `svc/${req.to.namespace}/${req.to.name}:${port.name !== '' ? port.name : port.port} (${svc.spec.clusterIP}:${port.port}/${proto})`;
      break;
    }
    case 'pod': {
      const pod = topo.pods.get(`${req.to.namespace}/${req.to.name}`);
      if (pod === undefined) throw new KpemuError('CLI_NOT_FOUND', `no pod ${req.to.namespace}/${req.to.name}${closeMatches(`${req.to.namespace}/${req.to.name}`, [...topo.pods.keys()], 'pod/')}`);
      dst = pod.ip;
      dport = req.to.port;
      dstText = `pod/${req.to.namespace}/${req.to.name} (${formatIpv4(dst)}:${dport})`;
      break;
    }
    case 'ip':
      dst = req.to.addr;
      dport = req.to.port;
      dstText = `${formatIpv4(dst)}:${dport}`;
      break;
    default: {
      const never: never = req.to;
      return never;
    }
  }
  const protoNum = proto === 'tcp' ? 6 : proto === 'udp' ? 17 : proto === 'sctp' ? 132 : 1;
  const sport = req.sport ?? 43210;
  const entryNode = (): string => {
    if (req.node !== undefined) {
      if (!topo.nodes.has(req.node)) throw new KpemuError('CLI_NOT_FOUND', `no node ${req.node}${closeMatches(req.node, [...topo.nodes.keys()], 'node/')}`);
      return req.node;
    }
    for (const n of topo.nodes.values()) if (n.host.isLocal(dst) && (dst >>> 24) !== 127) return n.name;
    return topo.nodes.keys().next().value as string;
  };
  const from = req.from;
  switch (from.kind) {
    case 'pod': {
      const pod = topo.pods.get(`${from.namespace}/${from.name}`);
      if (pod === undefined) throw new KpemuError('CLI_NOT_FOUND', `no pod ${from.namespace}/${from.name}${closeMatches(`${from.namespace}/${from.name}`, [...topo.pods.keys()], 'pod/')}`);
      // A host-network process picks its source from the node's routes as kube-proxy left them.
      if (pod.hostNetwork) cluster.syncNode(pod.node);
      const src = pod.hostNetwork ? sourceFor(pod.netns, dst) : pod.ip;
      return { description: `pod/${from.namespace}/${from.name} → ${dstText}`, sender: pod.netns, senderDev: '', src, dst, proto: protoNum, sport, dport };
    }
    case 'node': {
      const node = topo.nodes.get(from.name);
      if (node === undefined) throw new KpemuError('CLI_NOT_FOUND', `no node ${from.name}${closeMatches(from.name, [...topo.nodes.keys()], 'node/')}`);
      // The source address comes from the node's routes after kube-proxy's sync, as on a running
      // node: in IPVS mode a Service address bound to kube-ipvs0 is local and becomes the source.
      cluster.syncNode(from.name);
      return { description: `node/${from.name} → ${dstText}`, sender: node.host, senderDev: '', src: sourceFor(node.host, dst), dst, proto: protoNum, sport, dport };
    }
    case 'ip': {
      const a = from.addr >>> 0;
      if ((a >>> 24) === 127) {
        const node = topo.node(entryNode());
        return { description: `${formatIpv4(a)} on node/${node.name} → ${dstText}`, sender: node.host, senderDev: '', src: a, dst, proto: protoNum, sport, dport };
      }
      for (const n of topo.nodes.values()) {
        if (n.host.isLocal(a)) return { description: `node/${n.name} (${formatIpv4(a)}) → ${dstText}`, sender: n.host, senderDev: '', src: a, dst, proto: protoNum, sport, dport };
      }
      const owner = topo.podsByIP.get(a);
      if (owner !== undefined) return { description: `pod/${owner.namespace}/${owner.name} (${formatIpv4(a)}) → ${dstText}`, sender: owner.netns, senderDev: '', src: a, dst, proto: protoNum, sport, dport };
      const podNode = topo.nodeForPodIP(a);
      if (podNode !== undefined && a !== podNode.gateway && ((a & ~maskOfLength(podNode.podPrefixLen)) >>> 0) !== 0) {
        const pod = topo.addPod('kpemu', `ip-${formatIpv4(a)}`, podNode.name, a, false);
        return { description: `${formatIpv4(a)} (a pod on node/${podNode.name}) → ${dstText}`, sender: pod.netns, senderDev: '', src: a, dst, proto: protoNum, sport, dport };
      }
      const node = topo.node(entryNode());
      const name = `external-${formatIpv4(a)}`;
      const client = topo.clients.get(name) ?? topo.addClient(name, a, node.internalIP);
      return { description: `external ${formatIpv4(a)} via node/${node.name} → ${dstText}`, sender: client, senderDev: '', src: a, dst, proto: protoNum, sport, dport };
    }
    default: {
      const never: never = from;
      return never;
    }
  }
}

/** The source address a local process gets when it does not bind one (the route's preferred source). */
function sourceFor(ns: NetNamespace, dst: number): number {
  const route = ns.fib.lookup(dst);
  if (route === null) return 0;
  if (route.src !== 0) return route.src;
  if (route.type === 'local') return dst;
  return ns.selectSource(route.dev, route.gateway !== 0 ? route.gateway : dst);
}

/** The first packet of a new connection for a plan. */
export function firstPacket(plan: TracePlan): Packet {
  const p = new Packet();
  p.src = plan.src;
  p.dst = plan.dst;
  p.proto = plan.proto;
  if (plan.proto === 1) {
    p.icmpType = 8;
    p.icmpId = plan.sport;
  } else {
    p.sport = plan.sport;
    p.dport = plan.dport;
  }
  p.tcpFlags = plan.proto === 6 ? TCP_FLAGS.SYN : 0;
  p.length = plan.proto === 6 ? 60 : 28 + 32;
  return p;
}

/** The answer to a delivered packet: the tuple swapped (SYN-ACK, a datagram back, an echo reply). */
export function replyPacket(arrived: Packet): Packet {
  const r = new Packet();
  r.src = arrived.dst;
  r.dst = arrived.src;
  r.proto = arrived.proto;
  if (arrived.proto === 1) {
    r.icmpType = 0;
    r.icmpId = arrived.icmpId;
  } else {
    r.sport = arrived.dport;
    r.dport = arrived.sport;
  }
  r.tcpFlags = arrived.proto === 6 ? TCP_FLAGS.SYN | TCP_FLAGS.ACK : 0;
  r.length = arrived.length;
  return r;
}

/** One traced journey. */
export interface TracedJourney {
  readonly events: readonly TraceEvent[];
  readonly end: JourneyEnd;
  /** The packet as first sent (after the sender chose its source address). */
  readonly sent: { readonly src: number; readonly dst: number; readonly sport: number; readonly dport: number };
}

/** Sends a packet from `sender` with a trace sink on every namespace. */
export function traceJourney(cluster: Cluster, sender: NetNamespace, pkt: Packet, options: { readonly allRules: boolean; readonly title: string }): TracedJourney {
  const sink = new CollectingSink();
  const all = cluster.topology.allNamespaces();
  for (const ns of all) {
    ns.trace = sink;
    ns.traceAllRules = options.allRules;
  }
  sink.emit({ kind: 'packet', place: sender.place, description: options.title, proto: pkt.proto, src: { addr: pkt.src, port: pkt.sport }, dst: { addr: pkt.dst, port: pkt.dport } });
  const sent = { src: pkt.src, dst: pkt.dst, sport: pkt.sport, dport: pkt.dport };
  try {
    const end = cluster.forwarder.send(sender, pkt);
    return { events: sink.events, end, sent };
  } finally {
    for (const ns of all) {
      ns.trace = null;
      ns.traceAllRules = false;
    }
  }
}

export function protoText(proto: number): string {
  return protocolName(proto);
}

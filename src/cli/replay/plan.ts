import { formatIpv4, KpemuError, maskOfLength, type NetNamespace, parseIpv4, parsePort, type TracePlan, type TraceProto } from '../../index.js';
import { type RuleServicePort, resolveRuleService } from './services.js';

const PROTO_NUMBERS: Readonly<Record<TraceProto, number>> = { tcp: 6, udp: 17, sctp: 132, icmp: 1 };

/** A destination of a replay: an address and port, possibly named by a Service. */
export interface ReplayDest {
  readonly addr: number;
  readonly port: number;
  readonly proto: TraceProto | undefined;
  readonly text: string;
}

/** `svc/NS/NAME[:PORT]` (from kube-proxy's rule comments) or `IP:PORT`. Throws CLI_USAGE / CLI_NOT_FOUND. */
export function parseReplayDest(text: string, services: readonly RuleServicePort[], proto: TraceProto | undefined): ReplayDest {
  if (text.startsWith('svc/')) {
    const parts = text.split('/');
    const [name, port] = (parts[2] ?? '').split(':');
    if (parts.length !== 3 || parts[1] === '' || name === undefined || name === '') throw new KpemuError('CLI_USAGE', `bad destination "${text}": expected svc/NAMESPACE/NAME[:PORT] or IP:PORT`);
    const svc = resolveRuleService(services, `${parts[1]}/${name}`, port, proto);
    return { addr: svc.clusterIP, port: svc.port, proto: svc.proto, text: `svc/${svc.service}:${svc.portName !== '' ? svc.portName : svc.port} (${formatIpv4(svc.clusterIP)}:${svc.port}/${svc.proto})` };
  }
  if (text.startsWith('pod/')) throw new KpemuError('CLI_USAGE', `a replay knows no pods by name: give the pod's IP:PORT instead of ${text}`);
  const i = text.lastIndexOf(':');
  if (i < 0) throw new KpemuError('CLI_USAGE', `bad destination "${text}": expected IP:PORT or svc/NAMESPACE/NAME[:PORT]`);
  const addr = parseIpv4(text.slice(0, i));
  const port = parsePort(text.slice(i + 1));
  return { addr, port, proto: undefined, text: `${formatIpv4(addr)}:${port}` };
}

/** The source address a local process gets (the route's preferred source, else the device's address facing the next hop). */
function localSource(ns: NetNamespace, dst: number): number {
  const route = ns.fib.lookup(dst);
  if (route === null) return 0;
  if (route.src !== 0) return route.src;
  if (route.type === 'local') return dst;
  return ns.selectSource(route.dev, route.gateway !== 0 ? route.gateway : dst);
}

/** The device a packet from `src` arrives on: where the node's route back to it points. */
function ingressDevice(ns: NetNamespace, src: number): string {
  const route = ns.fib.lookup(src);
  if (route === null || route.dev === '' || route.type !== 'unicast') {
    throw new KpemuError('CLI_USAGE', `the node has no route back to ${formatIpv4(src)}, so kpemu cannot tell which device its packets arrive on: give --in-dev`);
  }
  return route.dev;
}

export interface ReplayPlanRequest {
  readonly from: string;
  readonly dest: ReplayDest;
  readonly proto: TraceProto | undefined;
  readonly sport: number;
  /** Overrides the device an outside packet arrives on. */
  readonly inDev: string | undefined;
}

/**
 * Who sends what on the replayed node: `node` / `node/NAME` and the node's own addresses
 * (and 127.0.0.0/8) send from its stack (OUTPUT); any other address arrives on the device the
 * route back to it uses (a pod behind cni0, a pod of another node via flannel.1, a client via eth0).
 */
export function planReplay(ns: NetNamespace, req: ReplayPlanRequest): TracePlan {
  const proto = req.proto ?? req.dest.proto ?? 'tcp';
  const protoNum = PROTO_NUMBERS[proto];
  const node = ns.place.node;
  const base = { dst: req.dest.addr, proto: protoNum, sport: req.sport, dport: req.dest.port };
  if (req.from === 'node' || req.from.startsWith('node/')) {
    const name = req.from.slice('node/'.length);
    if (req.from !== 'node' && name !== node) throw new KpemuError('CLI_NOT_FOUND', `no node ${name}: this replay is node ${node} (use --from node or --node-name)`);
    return { ...base, description: `node/${node} → ${req.dest.text}`, sender: ns, senderDev: '', src: localSource(ns, req.dest.addr) };
  }
  if (req.from.startsWith('pod/')) throw new KpemuError('CLI_USAGE', `a replay knows no pods by name: give the pod's IP instead of ${req.from}`);
  const src = parseIpv4(req.from);
  if ((src >>> 24) === 127 || ns.isLocal(src)) {
    if (req.inDev !== undefined) throw new KpemuError('CLI_USAGE', `${formatIpv4(src)} is the node's own address: its packets start in the node's stack, not on --in-dev`);
    return { ...base, description: `node/${node} (${formatIpv4(src)}) → ${req.dest.text}`, sender: ns, senderDev: '', src };
  }
  const dev = req.inDev ?? ingressDevice(ns, src);
  if (!ns.devices.has(dev)) throw new KpemuError('CLI_NOT_FOUND', `no device ${dev} on node ${node} (devices: ${[...ns.devices.keys()].join(', ')})`);
  const local = [...(ns.devices.get(dev)?.addresses ?? [])].some((a) => ((a.addr & maskOfLength(a.length)) >>> 0) === ((src & maskOfLength(a.length)) >>> 0));
  const who = ns.devices.get(dev)?.kind === 'bridge' && local ? `${formatIpv4(src)} (a pod behind ${dev})` : `${formatIpv4(src)} arriving on ${dev}`;
  return { ...base, description: `${who} → ${req.dest.text}`, sender: ns, senderDev: dev, src };
}

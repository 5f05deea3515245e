import { parsePrefix } from '../addr/index.js';
import { type Clock, KpemuError, ManualClock, SeededRng, type Rng } from '../core/index.js';
import type { ClusterObjects } from '../kube/index.js';
import { NetNamespace } from '../node/index.js';
import { IptablesProxier, type SyncReport } from '../proxy/index.js';

/**
 * One node the way kube-proxy's own unit tests picture it: the node's addresses on eth0 (the
 * first InternalIP's /24, the others as host addresses), pods and endpoints behind cni0 on the
 * cluster CIDR, a default route to the outside, and kube-proxy's rules. Used for the upstream
 * packet-flow cases and for clusters whose nodes have no pod subnets.
 */
export class KubeProxyNode {
  readonly ns: NetNamespace;
  readonly proxier: IptablesProxier;
  readonly report: SyncReport;

  constructor(
    readonly objects: ClusterObjects,
    nodeName: string,
    options: { readonly seed?: number; readonly clock?: Clock; readonly rng?: Rng; readonly hasRandomFully?: boolean } = {},
  ) {
    const node = objects.nodes.find((n) => n.metadata.name === nodeName);
    if (node === undefined) throw new KpemuError('CLI_NOT_FOUND', `no Node "${nodeName}" in the cluster`);
    const ips = node.internalIPs.length > 0 ? node.internalIPs : node.externalIPs;
    if (ips.length === 0) throw new KpemuError('CLUSTER_INVALID', `Node ${nodeName} has no InternalIP or ExternalIP`);
    const clock = options.clock ?? new ManualClock(0);
    const rng = options.rng ?? new SeededRng(options.seed ?? 1);
    const ns = new NetNamespace({ node: nodeName, name: 'host', clock, rng });
    ns.sysctl.ipForward = true;
    ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
    ips.forEach((text, i) => ns.addAddress('eth0', parsePrefix(text).network, i === 0 ? 24 : 32));
    const primary = parsePrefix(ips[0] as string).network;
    ns.addRoute({ network: 0, length: 0, dev: 'eth0', gateway: ((primary & 0xffffff00) | 1) >>> 0, onlink: true });
    const clusterCIDR = objects.proxyConfig.clusterCIDR !== '' ? objects.proxyConfig.clusterCIDR : node.podCIDR !== '' ? node.podCIDR : '10.0.0.0/8';
    const pods = parsePrefix(clusterCIDR);
    ns.addDevice('cni0', 'bridge', '02:00:00:00:00:02');
    ns.addAddress('cni0', (pods.network + 1) >>> 0, pods.length);
    const cfg = objects.proxyConfig;
    if (cfg.localhostNodePorts) ns.sysctl.routeLocalnet = true;
    this.proxier = new IptablesProxier({
      nodeName,
      nodeIPs: ips,
      config: cfg,
      iptables: ns.iptables,
      nfacct: ns,
      hasRandomFully: options.hasRandomFully ?? true,
      nodePodCIDRs: node.podCIDRs,
      masqueradeMark: '0x4000',
      clock,
    });
    this.proxier.setObjects(objects.services, objects.endpointSlices);
    this.report = this.proxier.sync();
    if (!this.report.ok && this.report.error !== null) throw this.report.error;
    this.ns = ns;
  }
}

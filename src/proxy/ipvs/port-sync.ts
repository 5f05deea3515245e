import { formatPrefix, prefixContains } from '../../core/index.js';
import { protocolLower, type PortSnapshot } from '../common/index.js';
import { ipPortEntry, ipPortIpEntry, ipPortNetEntry, portEntry } from './entries.js';
import type { NoNodeAccessEntry } from './iptables-rules.js';
import { IPSET, type IpvsSetName } from './ipsets.js';
import { chooseEndpoints, syncRealServers, syncVirtualServer, type VirtualServerSyncContext } from './real-servers.js';
import { buildVirtualServer, virtualServerKey } from './virtual-server.js';

/** What one sync accumulates over all service ports. */
export interface PortSyncState {
  readonly ctx: VirtualServerSyncContext;
  readonly scheduler: string;
  /** The proxier's primary node IP (uint32), checked against loadBalancerSourceRanges. */
  readonly primaryNodeIP: number;
  /** Usable node addresses outside kube-ipvs0: external IPs and LB VIPs found here are not bound again. */
  readonly nodeAddresses: ReadonlySet<string>;
  /** Where NodePort virtual servers go. */
  readonly nodePortIPs: readonly string[];
  /** Wanted entries per set. */
  readonly sets: ReadonlyMap<IpvsSetName, Set<string>>;
  /** Keys of virtual servers this sync created or confirmed. */
  readonly activeServices: Set<string>;
  /** Addresses that must stay on kube-ipvs0. */
  readonly activeBindAddresses: Set<string>;
  readonly noNodeAccess: NoNodeAccessEntry[];
}

function add(st: PortSyncState, set: IpvsSetName, entry: string): void {
  (st.sets.get(set) as Set<string>).add(entry);
}

/**
 * One service port of P `syncProxyRules`, in kube-proxy's order: hairpin entries for local
 * endpoints, the ClusterIP, each external IP, each load-balancer VIP, the NodePort on every node
 * address, then the health-check port. Set entries are collected in `st.sets`; virtual and real
 * servers are synced against the kernel as they are met.
 */
export function syncServicePort(port: PortSnapshot, st: PortSyncState): void {
  const { info } = port;
  const protocol = info.protocol;
  const proto = protocolLower(protocol);
  const ctx = st.ctx;

  // Hairpin: a pod reaching itself through its own Service is masqueraded, whatever its readiness.
  for (const ep of port.endpoints) {
    if (ep.isLocal) add(st, IPSET.loopBack, ipPortIpEntry(ep.ip, protocol, ep.port, ep.ip));
  }

  add(st, IPSET.clusterIP, ipPortEntry(info.clusterIP, protocol, info.port));
  const clusterVS = buildVirtualServer(info.clusterIP, info.port, protocol, info, st.scheduler);
  const clusterKey = virtualServerKey(clusterVS);
  if (syncVirtualServer(ctx, clusterVS, clusterKey, info.clusterIP, true)) {
    st.activeServices.add(clusterKey);
    st.activeBindAddresses.add(info.clusterIP);
    // externalTrafficPolicy does not apply to the ClusterIP; internalTrafficPolicy does.
    syncRealServers(ctx, clusterVS, clusterKey, chooseEndpoints(port, info.internalPolicyLocal));
  }

  for (const ip of info.externalIPs) {
    // Only eTP Cluster external traffic needs SNAT; eTP Local keeps the client address.
    add(st, info.externalPolicyLocal ? IPSET.externalIPLocal : IPSET.externalIP, ipPortEntry(ip, protocol, info.port));
    syncExternal(st, port, ip);
  }

  for (const vip of info.loadBalancerVIPs) {
    const entry = ipPortEntry(vip, protocol, info.port);
    add(st, IPSET.loadBalancer, entry);
    if (info.externalPolicyLocal) add(st, IPSET.loadBalancerLocal, entry);
    if (info.loadBalancerSourceRanges.length > 0) {
      add(st, IPSET.loadBalancerFW, entry);
      let allowFromNode = false;
      for (const cidr of info.loadBalancerSourceRanges) {
        add(st, IPSET.loadBalancerSourceCIDR, ipPortNetEntry(vip, protocol, info.port, formatPrefix(cidr)));
        if (prefixContains(cidr, st.primaryNodeIP)) allowFromNode = true;
      }
      // Node → VIP traffic carries the VIP as its source (it is bound locally), so the node is
      // allowed in by (VIP, port, VIP) when a range covers the node, and shut out otherwise.
      if (allowFromNode) add(st, IPSET.loadBalancerSourceIP, ipPortIpEntry(vip, protocol, info.port, vip));
      else st.noNodeAccess.push({ ip: vip, protocol: proto, port: info.port });
    }
    syncExternal(st, port, vip);
  }

  if (info.nodePort !== 0) {
    // Upstream leaves the rest of the port (health-check port included) out when no node address is known.
    if (st.nodePortIPs.length === 0) return;
    const entries = nodePortEntries(protocol, info.nodePort, st.nodePortIPs);
    for (const e of entries.values) add(st, entries.set, e);
    if (info.externalPolicyLocal) for (const e of entries.values) add(st, entries.local, e);
    for (const ip of st.nodePortIPs) {
      const vs = buildVirtualServer(ip, info.nodePort, protocol, info, st.scheduler);
      const key = virtualServerKey(vs);
      // Node IPs already live on real interfaces: never bound to kube-ipvs0.
      if (!syncVirtualServer(ctx, vs, key, ip, false)) continue;
      st.activeServices.add(key);
      syncRealServers(ctx, vs, key, chooseEndpoints(port, info.externalPolicyLocal));
    }
  }

  if (info.healthCheckNodePort !== 0) add(st, IPSET.healthCheckNodePort, portEntry(info.healthCheckNodePort));
}

/** An external IP or LB VIP: bound to kube-ipvs0 unless the node already has it on a real interface. */
function syncExternal(st: PortSyncState, port: PortSnapshot, ip: string): void {
  const { info } = port;
  const vs = buildVirtualServer(ip, info.port, info.protocol, info, st.scheduler);
  const key = virtualServerKey(vs);
  const shouldBind = !st.nodeAddresses.has(ip);
  if (!syncVirtualServer(st.ctx, vs, key, ip, shouldBind)) return;
  st.activeServices.add(key);
  if (shouldBind) st.activeBindAddresses.add(ip);
  syncRealServers(st.ctx, vs, key, chooseEndpoints(port, info.externalPolicyLocal));
}

/**
 * NodePort set entries: bitmap:port sets hold the bare port (one set per protocol, since the
 * bitmap stores no protocol); SCTP uses hash:ip,port with one entry per node address.
 */
function nodePortEntries(protocol: PortSnapshot['info']['protocol'], nodePort: number, nodeIPs: readonly string[]): { set: IpvsSetName; local: IpvsSetName; values: string[] } {
  switch (protocol) {
    case 'TCP':
      return { set: IPSET.nodePortTCP, local: IPSET.nodePortLocalTCP, values: [portEntry(nodePort)] };
    case 'UDP':
      return { set: IPSET.nodePortUDP, local: IPSET.nodePortLocalUDP, values: [portEntry(nodePort)] };
    case 'SCTP':
      return { set: IPSET.nodePortSCTP, local: IPSET.nodePortLocalSCTP, values: nodeIPs.map((ip) => ipPortEntry(ip, protocol, nodePort)) };
  }
}

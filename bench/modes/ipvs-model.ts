/**
 * IPVS mode as kube-proxy programs it, built in the bench from the kernel models of src/ipvs and
 * src/ipset (the IPVS proxier of src/proxy does not exist yet; when it does, {@link IpvsMode}
 * should drive it instead of this file). What is here follows reference/kube-proxy-ipvs.md:
 *
 * - one virtual server per ClusterIP:port (scheduler rr), one real server per endpoint (weight 1,
 *   masquerading);
 * - the ipsets kube-proxy creates, with KUBE-CLUSTER-IP (ClusterIP,tcp:port), KUBE-IPVS-IPS
 *   (ClusterIP) and KUBE-LOOP-BACK (local endpoint,tcp:port,endpoint) filled;
 * - the fixed iptables rules of §3.3 for a cluster-CIDR local-traffic detector (set-driven rules
 *   only where their set is non-empty), and the jump rules of §3.2;
 * - IPVS and ipsets enabled in the node namespace through src/node (IpvsHooks: requests at
 *   LOCAL_IN/LOCAL_OUT, replies at LOCAL_IN/LOCAL_OUT/FORWARD, conntrack reply tuples altered as
 *   with net.ipv4.vs.conntrack=1), with kube-proxy's sysctls expire_nodest_conn and
 *   expire_quiescent_template on.
 *
 * Known simplification: ClusterIPs are made local with one `local 10.96.0.0/12 dev kube-ipvs0`
 * route instead of one /32 address per service, because the emulated FIB is a linear scan
 * (src/route/fib.ts) and 50,000 local routes would make every route lookup O(services); the
 * kernel's FIB trie does not have that cost.
 */
import { formatIpv4, isKpemuError } from '../../src/core/index.js';
import { syntheticSlice } from '../../src/cluster/index.js';
import type { IpsetApi, IpsetSpec, SetTypeName } from '../../src/ipset/index.js';
import type { IpvsApi, RealServer, VirtualServer } from '../../src/ipvs/index.js';
import { type BenchCluster, NODE_NAME, TARGET_PORT, SERVICE_PORT } from '../cluster.js';

export const SERVICE_CIDR = { network: 0x0a600000, length: 12 } as const;
export const CLUSTER_CIDR = '10.244.0.0/16';
export const MASQ_MARK = '0x00004000';

/** The sets kube-proxy's IPVS mode creates (pkg/proxy/ipvs ipsetInfo), with their types. */
export const KUBE_SETS: readonly { readonly name: string; readonly type: SetTypeName }[] = [
  { name: 'KUBE-LOOP-BACK', type: 'hash:ip,port,ip' },
  { name: 'KUBE-CLUSTER-IP', type: 'hash:ip,port' },
  { name: 'KUBE-EXTERNAL-IP', type: 'hash:ip,port' },
  { name: 'KUBE-EXTERNAL-IP-LOCAL', type: 'hash:ip,port' },
  { name: 'KUBE-LOAD-BALANCER', type: 'hash:ip,port' },
  { name: 'KUBE-LOAD-BALANCER-LOCAL', type: 'hash:ip,port' },
  { name: 'KUBE-LOAD-BALANCER-FW', type: 'hash:ip,port' },
  { name: 'KUBE-LOAD-BALANCER-SOURCE-CIDR', type: 'hash:ip,port,net' },
  { name: 'KUBE-LOAD-BALANCER-SOURCE-IP', type: 'hash:ip,port,ip' },
  { name: 'KUBE-NODE-PORT-TCP', type: 'bitmap:port' },
  { name: 'KUBE-NODE-PORT-LOCAL-TCP', type: 'bitmap:port' },
  { name: 'KUBE-NODE-PORT-UDP', type: 'bitmap:port' },
  { name: 'KUBE-NODE-PORT-LOCAL-UDP', type: 'bitmap:port' },
  { name: 'KUBE-NODE-PORT-SCTP-HASH', type: 'hash:ip,port' },
  { name: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', type: 'hash:ip,port' },
  { name: 'KUBE-HEALTH-CHECK-NODE-PORT', type: 'bitmap:port' },
  { name: 'KUBE-IPVS-IPS', type: 'hash:ip' },
];

/** kube-proxy's set maximum (setIPSetDefaults); raised in the bench when a set needs more, with a note. */
export const KUBE_MAXELEM = 65_536;

export function setSpec(name: string, type: SetTypeName, maxElem: number): IpsetSpec {
  return type === 'bitmap:port' ? { name, setType: type, portRange: '0-65535' } : { name, setType: type, hashFamily: 'inet', hashSize: 1024, maxElem };
}

/** The fixed iptables-restore payload of IPVS mode (both tables), as §3.3 writes it for this cluster. */
export function fixedRulesPayload(): string {
  const m = MASQ_MARK;
  return [
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-NODE-PORT - [0:0]',
    ':KUBE-LOAD-BALANCER - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN',
    '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
    `-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s ${CLUSTER_CIDR} -j KUBE-MARK-MASQ`,
    '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
    '-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ',
    '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
    `-A KUBE-POSTROUTING -m mark ! --mark ${m}/${m} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${m}`,
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${m}`,
    'COMMIT',
    '*filter',
    ':KUBE-FORWARD - [0:0]',
    ':KUBE-NODE-PORT - [0:0]',
    ':KUBE-PROXY-FIREWALL - [0:0]',
    ':KUBE-SOURCE-RANGES-FIREWALL - [0:0]',
    ':KUBE-IPVS-FILTER - [0:0]',
    ':KUBE-IPVS-OUT-FILTER - [0:0]',
    '-A KUBE-SOURCE-RANGES-FIREWALL -j DROP',
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${m}/${m} -j ACCEPT`,
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT',
    '-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN',
    '-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN',
    '-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN',
    '-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN',
    '-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN',
    '-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT',
    'COMMIT',
    '',
  ].join('\n');
}

/** The jump rules of §3.2, each prepended (so applied in this order, INPUT ends up IPVS-FILTER first). */
export function jumpRulesPayload(): string {
  return [
    '*nat',
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    '-I OUTPUT 1 -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-I PREROUTING 1 -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-I POSTROUTING 1 -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    'COMMIT',
    '*filter',
    ':KUBE-FORWARD - [0:0]',
    ':KUBE-NODE-PORT - [0:0]',
    ':KUBE-PROXY-FIREWALL - [0:0]',
    ':KUBE-IPVS-FILTER - [0:0]',
    ':KUBE-IPVS-OUT-FILTER - [0:0]',
    '-I FORWARD 1 -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-I INPUT 1 -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT',
    '-I INPUT 1 -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
    '-I FORWARD 1 -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
    '-I INPUT 1 -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER',
    '-I OUTPUT 1 -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER',
    'COMMIT',
    '',
  ].join('\n');
}

/** What kube-proxy programs for one service: its virtual server, real servers and set entries. */
export interface ServiceState {
  readonly vs: VirtualServer;
  readonly rs: readonly RealServer[];
  /** KUBE-CLUSTER-IP entry. */
  readonly clusterIPEntry: string;
  /** KUBE-IPVS-IPS entry. */
  readonly boundAddress: string;
  /** KUBE-LOOP-BACK entries of the service's endpoints on this node. */
  readonly loopback: readonly string[];
}

export function serviceState(cluster: BenchCluster, i: number, generation = 0): ServiceState {
  const vip = cluster.clusterIP(i);
  const vipText = formatIpv4(vip);
  const slice = generation === 0 && i < cluster.services ? cluster.slices[i] : syntheticSlice(i, cluster.endpoints, NODE_NAME, generation);
  const rs: RealServer[] = [];
  const loopback: string[] = [];
  for (const ep of slice?.endpoints ?? []) {
    const addr = ep.addresses[0];
    if (addr === undefined) continue;
    rs.push({ address: ipU32(addr), port: TARGET_PORT, weight: 1 });
    if (ep.nodeName === NODE_NAME) loopback.push(`${addr},tcp:${TARGET_PORT},${addr}`);
  }
  return {
    vs: { address: vip, protocol: 'TCP', port: SERVICE_PORT, scheduler: 'rr', flags: 0, timeout: 0 },
    rs,
    clusterIPEntry: `${vipText},tcp:${SERVICE_PORT}`,
    boundAddress: vipText,
    loopback,
  };
}

function ipU32(text: string): number {
  const p = text.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

/** Set specs by name, as created (their maxelem is what the add calls pass along). */
export type SetSpecs = ReadonlyMap<string, IpsetSpec>;

/**
 * Set-entry failures of the incremental operations (a full set, an entry that is not there):
 * kube-proxy logs them and carries on, so do these helpers; the count goes into the row's note.
 */
export const setFailures = { count: 0, last: '' };

function tryEntry(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!isKpemuError(e)) throw e;
    setFailures.count++;
    setFailures.last = e.message;
  }
}

/** Programs one service (what a sync does for a service it has not seen before). Returns kernel calls made. */
export function addService(ipvs: IpvsApi, ipset: IpsetApi, sets: SetSpecs, s: ServiceState): number {
  ipvs.addVirtualServer(s.vs);
  for (const r of s.rs) ipvs.addRealServer(s.vs, r);
  tryEntry(() => ipset.addEntry(s.clusterIPEntry, sets.get('KUBE-CLUSTER-IP') as IpsetSpec, true));
  tryEntry(() => ipset.addEntry(s.boundAddress, sets.get('KUBE-IPVS-IPS') as IpsetSpec, true));
  const lb = sets.get('KUBE-LOOP-BACK') as IpsetSpec;
  for (const e of s.loopback) tryEntry(() => ipset.addEntry(e, lb, true));
  return 3 + s.rs.length + s.loopback.length;
}

/** Removes one service (virtual server with its real servers, and its set entries). Returns kernel calls made. */
export function removeService(ipvs: IpvsApi, ipset: IpsetApi, s: ServiceState): number {
  ipvs.deleteVirtualServer(s.vs);
  tryEntry(() => ipset.delEntry(s.clusterIPEntry, 'KUBE-CLUSTER-IP'));
  tryEntry(() => ipset.delEntry(s.boundAddress, 'KUBE-IPVS-IPS'));
  for (const e of s.loopback) tryEntry(() => ipset.delEntry(e, 'KUBE-LOOP-BACK'));
  return 3 + s.loopback.length;
}

/** Moves a service from one endpoint set to another: real servers and KUBE-LOOP-BACK entries that differ. */
export function changeEndpoints(ipvs: IpvsApi, ipset: IpsetApi, sets: SetSpecs, from: ServiceState, to: ServiceState): number {
  let calls = 0;
  const key = (r: RealServer) => `${r.address}:${r.port}`;
  const next = new Set(to.rs.map(key));
  const prev = new Set(from.rs.map(key));
  for (const r of from.rs) {
    if (next.has(key(r))) continue;
    ipvs.deleteRealServer(from.vs, r);
    calls++;
  }
  for (const r of to.rs) {
    if (prev.has(key(r))) continue;
    ipvs.addRealServer(to.vs, r);
    calls++;
  }
  const nextLb = new Set(to.loopback);
  const prevLb = new Set(from.loopback);
  for (const e of from.loopback) {
    if (nextLb.has(e)) continue;
    tryEntry(() => ipset.delEntry(e, 'KUBE-LOOP-BACK'));
    calls++;
  }
  const lb = sets.get('KUBE-LOOP-BACK') as IpsetSpec;
  for (const e of to.loopback) {
    if (prevLb.has(e)) continue;
    tryEntry(() => ipset.addEntry(e, lb, true));
    calls++;
  }
  return calls;
}

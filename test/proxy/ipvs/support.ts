import { KpemuError, ManualClock, SeededRng } from '../../../src/core/index.js';
import { IpsetRegistry, RegistryIpsetApi } from '../../../src/ipset/index.js';
import { Ipvs, KernelIpvsApi } from '../../../src/ipvs/index.js';
import type { EndpointSlice, KubeProxyConfiguration, Service } from '../../../src/kube/index.js';
import type { IptablesApi, TableName } from '../../../src/netfilter/index.js';
import { NetNamespace } from '../../../src/node/index.js';
import { IpvsProxier, realServerKey, virtualServerKey, type IpvsProxierOptions, type IpvsSyncReport, type NetlinkApi } from '../../../src/proxy/index.js';
import { FakeIptables } from '../fake-iptables.js';
import { makeConfig, makeService, makeSlice } from '../support/objects.js';
import { splitWords } from '../support/words.js';

/**
 * An in-memory NetlinkApi: links with their addresses, as kube-proxy's fake netlink handle keeps
 * them. `kube-ipvs0` appears when the proxier ensures it.
 */
export class FakeNetlink implements NetlinkApi {
  readonly links = new Map<string, Set<string>>();
  /** Calls in order, for asserting on bind/unbind traffic. */
  readonly calls: string[] = [];

  /** Puts `addresses` on `dev` (creating it), like upstream's `SetLocalAddresses`. */
  setLocalAddresses(dev: string, ...addresses: string[]): this {
    this.links.set(dev, new Set(addresses));
    return this;
  }

  ensureDummyDevice(name: string): boolean {
    this.calls.push(`ensureDummyDevice ${name}`);
    if (this.links.has(name)) return true;
    this.links.set(name, new Set());
    return false;
  }

  listBindAddresses(dev: string): string[] {
    return [...this.link(dev)];
  }

  bindAddress(addr: string, dev: string): boolean {
    this.calls.push(`bind ${addr}`);
    const l = this.link(dev);
    if (l.has(addr)) return false;
    l.add(addr);
    return true;
  }

  unbindAddress(addr: string, dev: string): void {
    this.calls.push(`unbind ${addr}`);
    this.link(dev).delete(addr);
  }

  listLocalAddresses(excludeDev: string): string[] {
    const out: string[] = [];
    for (const [name, addrs] of this.links) if (name !== excludeDev) out.push(...addrs);
    return out;
  }

  /** Sorted addresses of a link ([] when missing). */
  addresses(dev: string): string[] {
    return [...(this.links.get(dev) ?? [])].sort();
  }

  private link(dev: string): Set<string> {
    const l = this.links.get(dev);
    if (l === undefined) throw new KpemuError('DEVICE_INVALID', `Link not found: ${dev}`, { location: { object: dev } });
    return l;
  }
}

export interface HarnessOptions {
  /** Addresses on eth0 (upstream's `nodeIPs` of NewFakeProxier). Default none. */
  readonly eth0?: readonly string[];
  readonly config?: Partial<KubeProxyConfiguration>;
  /** Overrides of the ipvs section of the configuration. */
  readonly ipvs?: Partial<KubeProxyConfiguration['ipvs']>;
  /** 'netns' (default): a NetNamespace's emulated iptables, which parses every rule; 'fake': the text fake. */
  readonly iptables?: 'netns' | 'fake';
  readonly proxier?: Partial<Omit<IpvsProxierOptions, 'iptables' | 'ipset' | 'ipvs' | 'netlink' | 'config' | 'clock'>>;
}

/** The proxier with the emulated kernel pieces it talks to. */
export interface Harness {
  readonly proxier: IpvsProxier;
  readonly clock: ManualClock;
  readonly ns: NetNamespace;
  readonly registry: IpsetRegistry;
  readonly ipsetApi: RegistryIpsetApi;
  readonly ipvs: Ipvs;
  readonly ipvsApi: KernelIpvsApi;
  readonly netlink: FakeNetlink;
  readonly iptables: IptablesApi;
  readonly fakeIptables: FakeIptables | null;
}

/** Upstream's NewFakeProxier setup: node `test-node`, rr, no local detector, no masqueradeAll. */
export function newHarness(opts: HarnessOptions = {}): Harness {
  const clock = new ManualClock(0);
  const ns = new NetNamespace({ node: 'test-node', name: 'host', clock, rng: new SeededRng(7) });
  const registry = ns.enableIpsets();
  const ipsetApi = new RegistryIpsetApi(registry);
  const ipvs = new Ipvs({ clock, expireNodestConn: true, expireQuiescentTemplate: true, conntrack: true });
  const ipvsApi = new KernelIpvsApi(ipvs);
  const netlink = new FakeNetlink();
  if (opts.eth0 !== undefined) netlink.setLocalAddresses('eth0', ...opts.eth0);
  const fakeIptables = opts.iptables === 'fake' ? new FakeIptables() : null;
  const iptables: IptablesApi = fakeIptables ?? ns.iptables;
  const base = makeConfig({ mode: 'ipvs', clusterCIDR: '', ...opts.config });
  const config: KubeProxyConfiguration = { ...base, ipvs: { ...base.ipvs, scheduler: 'rr', ...opts.ipvs } };
  const proxier = new IpvsProxier({
    nodeName: 'test-node',
    nodeIPs: ['192.168.0.2'],
    hasRandomFully: false,
    ...opts.proxier,
    config,
    iptables,
    ipset: ipsetApi,
    ipvs: ipvsApi,
    netlink,
    clock,
  });
  return { proxier, clock, ns, registry, ipsetApi, ipvs, ipvsApi, netlink, iptables, fakeIptables };
}

/** Loads objects and syncs once, failing the test on a stopped sync or a failed kernel call. */
export function syncWith(h: Harness, services: readonly Service[], slices: readonly EndpointSlice[] = []): IpvsSyncReport {
  h.proxier.setObjects(services, slices);
  return checkedSync(h);
}

/** Syncs once, failing the test on a stopped sync or a failed kernel call. */
export function checkedSync(h: Harness): IpvsSyncReport {
  const r = h.proxier.sync();
  if (!r.ok) throw r.error ?? new Error('sync stopped');
  if (r.failures.length > 0) throw new Error(`kernel calls failed: ${r.failures.map((f) => `${f.op} ${f.target}: ${f.error.message}`).join('; ')}`);
  return r;
}

/** Virtual servers in the kernel as `ip:port/PROTO`, sorted. */
export function virtualServers(h: Harness): string[] {
  return h.ipvsApi.getVirtualServers().map(virtualServerKey).sort();
}

/** The kernel's copy of a virtual server given by key. */
export function virtualServer(h: Harness, key: string): ReturnType<KernelIpvsApi['getVirtualServer']> {
  const vs = h.ipvsApi.getVirtualServers().find((v) => virtualServerKey(v) === key);
  if (vs === undefined) throw new Error(`no virtual server ${key}`);
  return vs;
}

/** Real servers of a virtual server as `ip:port`, sorted. */
export function realServers(h: Harness, key: string): string[] {
  return h.ipvsApi.getRealServers(virtualServer(h, key)).map(realServerKey).sort();
}

/** Real servers with their weights: `ip:port=w`, sorted. */
export function weightedRealServers(h: Harness, key: string): string[] {
  return h.ipvsApi.getRealServers(virtualServer(h, key)).map((r) => `${realServerKey(r)}=${r.weight}`).sort();
}

/** Entries of a set in the kernel, sorted. */
export function setEntries(h: Harness, name: string): string[] {
  return h.ipsetApi.listEntries(name).sort();
}

/** One rule of a chain as upstream's checkIptables sees it: jump target, match-set name, `-s`. */
export interface ChainRule {
  readonly jump: string;
  readonly set?: string;
  readonly source?: string;
}

/** The rules of `chain` read back from iptables-save: nat's then filter's, as PT merges them per chain name. */
export function chainRules(iptables: IptablesApi, chain: string): ChainRule[] {
  const out: ChainRule[] = [];
  for (const table of ['nat', 'filter'] as TableName[]) {
    for (const line of iptables.save(table).split('\n')) {
      const words = splitWords(line);
      if (words[0] !== '-A' || words[1] !== chain) continue;
      const j = words.indexOf('-j');
      const m = words.indexOf('--match-set');
      const s = words.indexOf('-s');
      out.push({
        jump: words[j + 1] ?? '',
        ...(m >= 0 ? { set: words[m + 1] ?? '' } : {}),
        ...(s >= 0 ? { source: words[s + 1] ?? '' } : {}),
      });
    }
  }
  return out;
}

/** Rule lines of a chain in one table as iptables-save prints them. */
export function savedRules(iptables: IptablesApi, table: TableName, chain: string): string[] {
  return iptables
    .save(table)
    .split('\n')
    .filter((l) => l.startsWith(`-A ${chain} `));
}

/**
 * A world that fills every one of the 17 sets: NodePorts of the three protocols (eTP Local
 * and Cluster), external IPs of both policies, load balancers with source ranges that do and do
 * not cover the node (100.101.102.103), an eTP Local load balancer with a health-check port, and
 * local endpoints for the hairpin set.
 */
export function richWorld(): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [
    makeService('ns1', 'np-tcp', { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }], externalTrafficPolicy: 'Local' }),
    makeService('ns1', 'np-udp', { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }], externalTrafficPolicy: 'Local' }),
    makeService('ns1', 'np-sctp', { type: 'NodePort', clusterIP: '10.96.0.12', ports: [{ name: 'sig', port: 3868, protocol: 'SCTP', nodePort: 30868 }], externalTrafficPolicy: 'Local' }),
    makeService('ns2', 'ext', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 8080 }], externalIPs: ['50.60.70.81'] }),
    makeService('ns2', 'ext-local', { type: 'NodePort', clusterIP: '10.96.0.21', ports: [{ name: 'http', port: 8081, nodePort: 30081 }], externalIPs: ['50.60.70.82'], externalTrafficPolicy: 'Local' }),
    makeService('ns3', 'lb-fw', {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.30',
      ports: [{ name: 'https', port: 443, nodePort: 30443 }],
      loadBalancerIngress: ['1.2.3.4'],
      loadBalancerSourceRanges: ['10.0.0.0/8', '100.101.0.0/16'],
    }),
    makeService('ns3', 'lb-closed', { type: 'LoadBalancer', clusterIP: '10.96.0.31', ports: [{ name: 'https', port: 443, nodePort: 30444 }], loadBalancerIngress: ['1.2.3.5'], loadBalancerSourceRanges: ['192.0.2.0/24'] }),
    makeService('ns3', 'lb-local', {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.32',
      ports: [{ name: 'http', port: 80, nodePort: 30445 }],
      loadBalancerIngress: ['1.2.3.6'],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 32000,
    }),
  ];
  const ep = (ns: string, name: string, port: { name: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }, ...ips: [string, string][]) =>
    makeSlice(ns, `${name}-1`, { service: name, ports: [port], endpoints: ips.map(([ip, nodeName]) => ({ ip, nodeName })) });
  const slices: EndpointSlice[] = [
    ep('ns1', 'np-tcp', { name: 'http', port: 8080 }, ['10.244.1.5', 'test-node'], ['10.244.2.5', 'node2']),
    ep('ns1', 'np-udp', { name: 'dns', port: 53, protocol: 'UDP' }, ['10.244.1.6', 'test-node']),
    ep('ns1', 'np-sctp', { name: 'sig', port: 3868, protocol: 'SCTP' }, ['10.244.2.7', 'node2']),
    ep('ns2', 'ext', { name: 'http', port: 8080 }, ['10.244.2.8', 'node2']),
    ep('ns2', 'ext-local', { name: 'http', port: 8081 }, ['10.244.1.9', 'test-node']),
    ep('ns3', 'lb-fw', { name: 'https', port: 8443 }, ['10.244.2.10', 'node2']),
    ep('ns3', 'lb-closed', { name: 'https', port: 8443 }, ['10.244.2.11', 'node2']),
    ep('ns3', 'lb-local', { name: 'http', port: 80 }, ['10.244.1.12', 'test-node'], ['10.244.2.12', 'node2']),
  ];
  return { services, slices };
}

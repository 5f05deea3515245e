/**
 * The benchmark's cluster and node: services from the deterministic generator of src/cluster
 * (so both proxy modes and the real kernel see the same objects), and one emulated node namespace
 * laid out like a flannel node: eth0 on the underlay with a default route, cni0 holding the node's
 * pod subnet. Packets under test come from a pod on cni0 (PREROUTING, as pod traffic does).
 */
import { ManualClock, SeededRng } from '../src/core/index.js';
import { syntheticCluster, syntheticClusterIP, syntheticService, syntheticSlice, SYNTHETIC_PROXY_CONFIG } from '../src/cluster/index.js';
import type { EndpointSlice, KubeProxyConfiguration, Service } from '../src/kube/index.js';
import { NetNamespace } from '../src/node/index.js';

export const NODE_NAME = 'node-1';
/** node-1's InternalIP in the generator (192.168.56.11). */
export const NODE_IP = 0xc0a8380b;
export const NODE_IP_TEXT = '192.168.56.11';
export const GATEWAY_IP = 0xc0a83801;
/** node-1's pod subnet (10.244.1.0/24) on cni0, gateway .1. */
export const POD_GATEWAY = 0x0af40101;
/** First client pod address; clients use 10.244.1.2 – 10.244.1.254. */
export const CLIENT_BASE = 0x0af40102;
export const CLIENT_COUNT = 253;
/** An address that no service owns and that routes out of the node (10.200.0.1). */
export const NON_SERVICE_IP = 0x0ac80001;
export const SERVICE_PORT = 80;
export const TARGET_PORT = 8080;

export interface BenchCluster {
  readonly services: number;
  readonly endpoints: number;
  readonly serviceObjects: readonly Service[];
  readonly slices: readonly EndpointSlice[];
  /** ClusterIP of service i as a uint32. */
  clusterIP(i: number): number;
  /** A service that is not in the cluster yet (index `services`), and its slice. */
  readonly extra: { readonly index: number; readonly service: Service; readonly slice: EndpointSlice };
}

/** Dotted quad to uint32 (the generator's addresses are well-formed). */
export function ipToU32(text: string): number {
  const p = text.split('.');
  return (((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0) as number;
}

export function makeCluster(services: number, endpoints: number): BenchCluster {
  const c = syntheticCluster({ services, endpointsPerService: endpoints, nodeName: NODE_NAME });
  const extraIndex = services;
  return {
    services,
    endpoints,
    serviceObjects: c.services,
    slices: c.endpointSlices,
    clusterIP: (i) => ipToU32(syntheticClusterIP(i)),
    extra: { index: extraIndex, service: syntheticService(extraIndex, {}), slice: syntheticSlice(extraIndex, endpoints, NODE_NAME) },
  };
}

export function proxyConfig(mode: 'iptables' | 'ipvs'): KubeProxyConfiguration {
  return { ...SYNTHETIC_PROXY_CONFIG, mode } as KubeProxyConfiguration;
}

/** Clock and randomness shared by one mode's emulated kernel pieces. */
export interface KernelEnv {
  readonly clock: ManualClock;
  readonly rng: SeededRng;
}

export function kernelEnv(seed: number): KernelEnv {
  return { clock: new ManualClock(), rng: new SeededRng(seed) };
}

/**
 * node-1's host namespace: lo, eth0 192.168.56.11/24 with the default route via .1, cni0
 * 10.244.1.1/24, forwarding on. Conntrack is sized so a benchmark cycle never fills it.
 */
export function makeNodeNamespace(env: KernelEnv): NetNamespace {
  const ns = new NetNamespace({ node: NODE_NAME, name: 'host', clock: env.clock, rng: env.rng, conntrackMax: 1 << 21 });
  ns.sysctl.ipForward = true;
  ns.addDevice('eth0', 'ethernet', '02:42:c0:a8:38:0b');
  ns.addAddress('eth0', NODE_IP, 24);
  ns.addRoute({ network: 0, length: 0, dev: 'eth0', gateway: GATEWAY_IP });
  ns.addDevice('cni0', 'bridge', '02:42:0a:f4:01:01');
  ns.addAddress('cni0', POD_GATEWAY, 24);
  return ns;
}

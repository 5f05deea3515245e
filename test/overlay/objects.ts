/**
 * Builders for the kube objects the overlay reads (Node, FlannelNetConf), shaped as the kube
 * loader returns them, and the worked example of reference flannel.md §7: node1 192.168.1.11 with
 * lease 10.244.1.0/24, node2 192.168.1.12 with 10.244.2.0/24 (plus node0 for §6b's route list).
 */
import type { FlannelBackend, FlannelNetConf, Node } from '../../src/kube/index.js';
import { FLANNEL_ANNOTATION } from '../../src/overlay/index.js';

export interface NodeSpec {
  readonly name: string;
  readonly podCIDR: string;
  readonly internalIP?: string;
  readonly externalIP?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly line?: number;
}

export function node(spec: NodeSpec): Node {
  return {
    kind: 'Node',
    metadata: { name: spec.name, namespace: '', labels: {}, annotations: spec.annotations ?? {} },
    source: { file: 'cluster.yaml', line: spec.line ?? 1 },
    internalIPs: spec.internalIP === undefined ? [] : [spec.internalIP],
    externalIPs: spec.externalIP === undefined ? [] : [spec.externalIP],
    podCIDR: spec.podCIDR,
    podCIDRs: spec.podCIDR === '' ? [] : [spec.podCIDR],
  };
}

export function netConf(network = '10.244.0.0/16', subnetLen = 0, backend: Partial<FlannelBackend> = {}, enableIPv4 = true): FlannelNetConf {
  return {
    kind: 'FlannelNetConf',
    source: { file: 'net-conf.json', line: 1 },
    network,
    subnetLen,
    subnetMin: '',
    subnetMax: '',
    enableIPv4,
    backend: { type: 'vxlan', vni: 1, port: 8472, directRouting: false, mtu: 0, gbp: false, learning: false, ...backend },
  };
}

/** The example MAC of the reference (§2a's backend-data example), used as node2's stored VtepMAC. */
export const V2 = '12:c6:65:89:b4:e3';
export const MAC_SEED = 42;

/** §7's nodes; node2 carries a backend-data annotation (flanneld reuses that MAC on restart). */
export function exampleNodes(): Node[] {
  return [
    node({ name: 'node0', podCIDR: '10.244.0.0/24', internalIP: '192.168.1.10', line: 1 }),
    node({ name: 'node1', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.11', line: 20 }),
    node({
      name: 'node2',
      podCIDR: '10.244.2.0/24',
      internalIP: '192.168.1.12',
      line: 40,
      annotations: { [FLANNEL_ANNOTATION.backendData]: `{"VNI":1,"VtepMAC":"${V2}"}` },
    }),
  ];
}

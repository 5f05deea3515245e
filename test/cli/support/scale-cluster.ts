/**
 * A kube-proxy-shaped cluster of N ClusterIP Services, written as the YAML `kubectl get -o yaml`
 * would give kpemu: three nodes with flannel pod subnets, and per Service one EndpointSlice with
 * `endpoints` ready pods spread over the nodes. Deterministic, so timings compare across runs.
 *
 * Run directly to write a file: node dist/test/cli/support/scale-cluster.js 10000 /tmp/c10k.yaml
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface ScaleClusterOptions {
  readonly services: number;
  readonly endpoints: number;
}

function ip(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Name of Service i: `svc-00042`. */
export function scaleServiceName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

export function scaleClusterYaml(o: ScaleClusterOptions): string {
  const docs: string[] = [
    ['apiVersion: kubeproxy.config.k8s.io/v1alpha1', 'kind: KubeProxyConfiguration', 'mode: iptables', 'clusterCIDR: 10.244.0.0/16'].join('\n'),
  ];
  for (let k = 1; k <= 3; k++) {
    docs.push(['apiVersion: v1', 'kind: Node', 'metadata:', `  name: node-${k}`, 'spec:', `  podCIDR: 10.244.${k}.0/24`, 'status:', '  addresses:', '    - type: InternalIP', `      address: 192.168.56.${10 + k}`].join('\n'));
  }
  for (let i = 0; i < o.services; i++) {
    const name = scaleServiceName(i);
    docs.push(
      [
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        `  name: ${name}`,
        '  namespace: bench',
        'spec:',
        '  type: ClusterIP',
        `  clusterIP: ${ip(0x0a600000 + 10 + i)}`,
        `  selector: { app: ${name} }`,
        '  ports:',
        '    - { name: http, port: 80, targetPort: 8080, protocol: TCP }',
      ].join('\n'),
    );
    const endpoints: string[] = [];
    for (let j = 0; j < o.endpoints; j++) {
      const n = i * o.endpoints + j;
      const node = 1 + (n % 3);
      // 250 usable hosts per node subnet; endpoints of different Services may share a pod IP.
      endpoints.push(`  - addresses: [10.244.${node}.${2 + (Math.floor(n / 3) % 250)}]\n    conditions: { ready: true }\n    nodeName: node-${node}`);
    }
    docs.push(
      [
        'apiVersion: discovery.k8s.io/v1',
        'kind: EndpointSlice',
        'metadata:',
        `  name: ${name}-abcde`,
        '  namespace: bench',
        '  labels:',
        `    kubernetes.io/service-name: ${name}`,
        'addressType: IPv4',
        'ports:',
        '  - { name: http, port: 8080, protocol: TCP }',
        'endpoints:',
        ...endpoints,
      ].join('\n'),
    );
  }
  return `${docs.join('\n---\n')}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const services = Number(process.argv[2] ?? '10000');
  const out = process.argv[3] ?? `/tmp/kpemu-${services}-services.yaml`;
  writeFileSync(out, scaleClusterYaml({ services, endpoints: 5 }));
  process.stdout.write(`${out}\n`);
}

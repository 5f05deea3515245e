/**
 * Generated clusters as one YAML file in the shapes `kubectl get -o yaml` prints, so a failing
 * property's cluster can be replayed with `kpemu trace FILE --from SRC --to DST`. The writer
 * emits exactly the fields the objects carry; the replay test loads the text back and checks it
 * gives the same objects.
 */
import { stringify } from 'yaml';
import type { ClusterObjects, EndpointSlice, KubeProxyConfiguration, Node, Pod, Service } from '../../src/kube/index.js';

function configDoc(c: KubeProxyConfiguration): object {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: c.mode,
    clusterCIDR: c.clusterCIDR,
    detectLocalMode: c.detectLocalMode,
    iptables: { masqueradeBit: c.masqueradeBit, masqueradeAll: c.masqueradeAll, localhostNodePorts: c.localhostNodePorts },
    ...(c.nodePortAddresses.length > 0 ? { nodePortAddresses: [...c.nodePortAddresses] } : {}),
    ...(c.ipvs.scheduler !== '' ? { ipvs: { scheduler: c.ipvs.scheduler } } : {}),
    conntrack: { tcpBeLiberal: c.conntrackTcpBeLiberal },
  };
}

function nodeDoc(n: Node): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.metadata.name },
    spec: n.podCIDR === '' ? {} : { podCIDR: n.podCIDR, podCIDRs: [...n.podCIDRs] },
    status: {
      addresses: [...n.internalIPs.map((address) => ({ type: 'InternalIP', address })), ...n.externalIPs.map((address) => ({ type: 'ExternalIP', address }))],
    },
  };
}

function podDoc(p: Pod): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.metadata.name, namespace: p.metadata.namespace, labels: { ...p.metadata.labels } },
    spec: { nodeName: p.nodeName, ...(p.hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9' }] },
    status: p.podIP === '' ? {} : { podIP: p.podIP, podIPs: [{ ip: p.podIP }] },
  };
}

function serviceDoc(s: Service): object {
  const spec = s.spec;
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.metadata.name, namespace: s.metadata.namespace },
    spec: {
      type: spec.type,
      ...(spec.type === 'ExternalName' ? { externalName: spec.externalName } : { clusterIP: spec.clusterIP, selector: { ...spec.selector } }),
      ...(spec.ports.length > 0
        ? {
            ports: spec.ports.map((p) => ({
              ...(p.name !== '' ? { name: p.name } : {}),
              protocol: p.protocol,
              port: p.port,
              targetPort: p.targetPort,
              ...(p.nodePort !== 0 ? { nodePort: p.nodePort } : {}),
            })),
          }
        : {}),
      ...(spec.externalIPs.length > 0 ? { externalIPs: [...spec.externalIPs] } : {}),
      ...(spec.loadBalancerSourceRanges.length > 0 ? { loadBalancerSourceRanges: [...spec.loadBalancerSourceRanges] } : {}),
      ...(external ? { externalTrafficPolicy: spec.externalTrafficPolicy } : {}),
      ...(spec.type !== 'ExternalName' ? { internalTrafficPolicy: spec.internalTrafficPolicy } : {}),
      ...(spec.healthCheckNodePort !== 0 ? { healthCheckNodePort: spec.healthCheckNodePort } : {}),
      ...(spec.sessionAffinity === 'ClientIP'
        ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: spec.sessionAffinityTimeoutSeconds } } }
        : {}),
    },
    ...(s.status.loadBalancerIngress.length > 0 ? { status: { loadBalancer: { ingress: s.status.loadBalancerIngress.map((i) => ({ ip: i.ip, ipMode: i.ipMode })) } } } : {}),
  };
}

function sliceDoc(e: EndpointSlice): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: e.metadata.name, namespace: e.metadata.namespace, labels: { ...e.metadata.labels } },
    addressType: e.addressType,
    endpoints: e.endpoints.map((ep) => ({
      addresses: [...ep.addresses],
      conditions: { ...ep.conditions },
      ...(ep.nodeName !== '' ? { nodeName: ep.nodeName } : {}),
    })),
    ports: e.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
  };
}

/** The whole cluster as one multi-document YAML text, with a header comment. */
export function clusterYaml(objects: ClusterObjects, header: readonly string[] = []): string {
  const docs: object[] = [
    configDoc(objects.proxyConfig),
    ...objects.nodes.map(nodeDoc),
    ...objects.pods.map(podDoc),
    ...objects.services.map(serviceDoc),
    ...objects.endpointSlices.map(sliceDoc),
  ];
  const head = header.map((l) => `# ${l}\n`).join('');
  return head + docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}

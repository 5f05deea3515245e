import fc from 'fast-check';
import type { EndpointSlice, Service } from '../../../src/kube/index.js';
import { makeService, makeSlice, type EndpointSpec } from '../support/objects.js';

/**
 * Small Kubernetes worlds for the IPVS proxier: up to six Services of every type, protocol and
 * policy, with external IPs, LB ingresses, source ranges (never /32, whose churn is upstream's
 * and tested on its own), affinity, and endpoints in every condition on this node or another.
 * Addresses and ports are unique per Service, so no two Services share a virtual server.
 */

interface ServiceShape {
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
  readonly eTPLocal: boolean;
  readonly iTPLocal: boolean;
  readonly externalIP: boolean;
  readonly ranges: readonly string[];
  readonly affinity: boolean;
  readonly endpoints: readonly { readonly host: number; readonly local: boolean; readonly state: 'ready' | 'terminating' | 'gone' }[];
}

const shape: fc.Arbitrary<ServiceShape> = fc.record({
  type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
  protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'),
  port: fc.constantFrom(80, 443, 53),
  eTPLocal: fc.boolean(),
  iTPLocal: fc.boolean(),
  externalIP: fc.boolean(),
  ranges: fc.subarray(['10.0.0.0/8', '192.0.2.0/24', '100.101.0.0/16']),
  affinity: fc.boolean(),
  endpoints: fc.array(fc.record({ host: fc.integer({ min: 1, max: 4 }), local: fc.boolean(), state: fc.constantFrom('ready', 'terminating', 'gone') }), { maxLength: 4 }),
});

/** Services keyed by slot 1..6; a missing slot is a Service that does not exist in that world. */
export const ipvsWorld: fc.Arbitrary<{ services: Service[]; slices: EndpointSlice[] }> = fc
  .array(fc.option(shape, { nil: undefined }), { minLength: 6, maxLength: 6 })
  .map((slots) => {
    const services: Service[] = [];
    const slices: EndpointSlice[] = [];
    slots.forEach((s, i) => {
      if (s === undefined) return;
      const n = i + 1;
      const name = `svc${n}`;
      const external = s.type !== 'ClusterIP';
      services.push(
        makeService('ns', name, {
          type: s.type,
          clusterIP: `172.30.0.${n}`,
          ports: [{ name: 'p', port: s.port, protocol: s.protocol, ...(external ? { nodePort: 30000 + n } : {}) }],
          ...(s.externalIP ? { externalIPs: [`50.60.70.${n}`] } : {}),
          ...(s.type === 'LoadBalancer' ? { loadBalancerIngress: [`1.2.3.${n}`], loadBalancerSourceRanges: s.ranges } : {}),
          externalTrafficPolicy: external && s.eTPLocal ? 'Local' : 'Cluster',
          internalTrafficPolicy: s.iTPLocal ? 'Local' : 'Cluster',
          ...(s.type === 'LoadBalancer' && s.eTPLocal ? { healthCheckNodePort: 32000 + n } : {}),
          ...(s.affinity ? { sessionAffinity: 'ClientIP' as const, sessionAffinityTimeoutSeconds: 600 } : {}),
        }),
      );
      const seen = new Set<number>();
      const endpoints: EndpointSpec[] = [];
      for (const e of s.endpoints) {
        if (seen.has(e.host)) continue;
        seen.add(e.host);
        const conditions =
          e.state === 'ready' ? {} : e.state === 'terminating' ? { ready: false, serving: true, terminating: true } : { ready: false, serving: false, terminating: true };
        endpoints.push({ ip: `10.244.${n}.${e.host}`, nodeName: e.local ? 'test-node' : 'node2', ...conditions });
      }
      slices.push(makeSlice('ns', `${name}-1`, { service: name, ports: [{ name: 'p', port: 8000 + n, protocol: s.protocol }], endpoints }));
    });
    return { services, slices };
  });

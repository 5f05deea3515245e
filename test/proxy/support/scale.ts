import type { EndpointSlice, Service } from '../../../src/kube/index.js';
import type { IptablesApi } from '../../../src/netfilter/index.js';
import { makeService, makeSlice } from './objects.js';

/** `services` ClusterIP Services with `endpoints` ready endpoints each, half of them local. */
export function scaleCluster(services: number, endpoints: number): { services: Service[]; slices: EndpointSlice[] } {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    const ns = `ns${i % 50}`;
    const name = `svc${i}`;
    svcs.push(makeService(ns, name, { clusterIP: `172.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    slices.push(
      makeSlice(ns, `${name}-x`, {
        service: name,
        ports: [{ name: 'http', port: 8080 }],
        endpoints: Array.from({ length: endpoints }, (_, j) => ({ ip: `10.${(i >> 8) & 255}.${i & 255}.${j + 1}`, nodeName: j % 2 === 0 ? 'test-node' : 'other' })),
      }),
    );
  }
  return { services: svcs, slices };
}

/** An IptablesApi that accepts everything and holds nothing, to time payload building alone. */
export const nullIptables: IptablesApi = {
  ensureChain: () => true,
  flushChain: () => undefined,
  deleteChain: () => undefined,
  ensureRule: () => true,
  deleteRule: () => undefined,
  save: () => '',
  restoreAll: () => undefined,
};

import type { EndpointSlice, Service } from '../../../src/kube/index.js';
import { NODE_NAME } from './fixture.js';
import { makeService, makeSlice } from './objects.js';

/** The TestOverallIPTablesRules cluster (reference §4.5), built in code. */
export function overallCluster(): { services: Service[]; slices: EndpointSlice[] } {
  const p80 = { name: 'p80', port: 80 };
  const services = [
    makeService('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [p80] }),
    makeService('ns2', 'svc2', {
      type: 'LoadBalancer',
      clusterIP: '172.30.0.42',
      ports: [{ ...p80, nodePort: 3001 }],
      loadBalancerIngress: ['1.2.3.4'],
      externalIPs: ['192.168.99.22'],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 30000,
    }),
    makeService('ns3', 'svc3', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ ...p80, nodePort: 3003 }] }),
    makeService('ns4', 'svc4', { type: 'NodePort', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [{ ...p80, targetPort: 80 }] }),
    makeService('ns5', 'svc5', {
      type: 'LoadBalancer',
      clusterIP: '172.30.0.45',
      ports: [{ ...p80, nodePort: 3002 }],
      loadBalancerIngress: ['5.6.7.8'],
      healthCheckNodePort: 30000,
      loadBalancerSourceRanges: [' 203.0.113.0/25'],
      sessionAffinity: 'ClientIP',
      sessionAffinityTimeoutSeconds: 10800,
    }),
    makeService('ns6', 'svc6', { clusterIP: '172.30.0.46', ports: [{ name: 'p80', port: 80, targetPort: 80 }] }),
  ];
  const slicePort = [{ name: 'p80', port: 80 }];
  const slices = [
    makeSlice('ns1', 'svc1', { ports: slicePort, endpoints: [{ ip: '10.180.0.1' }] }),
    makeSlice('ns2', 'svc2', { ports: slicePort, endpoints: [{ ip: '10.180.0.2' }] }),
    makeSlice('ns3', 'svc3', { ports: slicePort, endpoints: [{ ip: '10.180.0.3' }] }),
    makeSlice('ns4', 'svc4', { ports: slicePort, endpoints: [{ ip: '10.180.0.4' }, { ip: '10.180.0.5', nodeName: NODE_NAME }] }),
    makeSlice('ns5', 'svc5', { ports: slicePort, endpoints: [{ ip: '10.180.0.3' }] }),
  ];
  return { services, slices };
}

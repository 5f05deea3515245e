import { describe, expect, it } from 'vitest';
import { formatSourceRanges, servicePortInfos, type ProxyWarning } from '../../src/proxy/index.js';
import { makeService } from './support/objects.js';

function infos(...args: Parameters<typeof makeService>) {
  const warnings: ProxyWarning[] = [];
  return { infos: servicePortInfos(makeService(...args), (w) => void warnings.push(w)), warnings };
}

describe('servicePortInfos', () => {
  it('canonicalises addresses and CIDRs like TestBadIPs, trimming source ranges', () => {
    const { infos: [i], warnings } = infos('ns', 'svc', {
      type: 'LoadBalancer',
      clusterIP: '172.30.0.041',
      ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
      externalIPs: ['192.168.099.011', 'fd00::1', 'garbage'],
      loadBalancerSourceRanges: [' 203.0.113.000/025 ', '10.1.2.3/8'],
      loadBalancerIngress: ['1.2.3.4', { ip: '5.6.7.8', ipMode: 'Proxy' }, ''],
    });
    expect(i?.clusterIP).toBe('172.30.0.41');
    expect(i?.externalIPs).toEqual(['192.168.99.11']);
    expect(i && formatSourceRanges(i)).toEqual(['203.0.113.0/25', '10.0.0.0/8']);
    expect(i?.loadBalancerVIPs).toEqual(['1.2.3.4']);
    expect(warnings.map((w) => [w.code, w.location.field])).toEqual([
      ['SERVICE_BAD_ADDRESS', 'spec.externalIPs[1]'],
      ['SERVICE_BAD_ADDRESS', 'spec.externalIPs[2]'],
    ]);
  });

  it('names ports ns/name:port, or ns/name when unnamed', () => {
    expect(infos('ns1', 'svc1', { clusterIP: '10.0.0.1', ports: [{ port: 80 }] }).infos.map((i) => i.nameString)).toEqual(['ns1/svc1']);
    expect(infos('ns1', 'svc1', { clusterIP: '10.0.0.1', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, protocol: 'UDP' }] }).infos.map((i) => `${i.nameString}/${i.protocol}`)).toEqual([
      'ns1/svc1:a/TCP',
      'ns1/svc1:b/UDP',
    ]);
  });

  it('keeps the health-check node port only for LoadBalancer + externalTrafficPolicy Local', () => {
    const hc = (type: 'LoadBalancer' | 'NodePort', policy: 'Local' | 'Cluster') =>
      infos('ns', 'svc', { type, clusterIP: '10.0.0.1', ports: [{ port: 80, nodePort: 3001 }], externalTrafficPolicy: policy, healthCheckNodePort: 30000 }).infos[0]?.healthCheckNodePort;
    expect([hc('LoadBalancer', 'Local'), hc('LoadBalancer', 'Cluster'), hc('NodePort', 'Local')]).toEqual([30000, 0, 0]);
    const missing = infos('ns', 'svc', { type: 'LoadBalancer', clusterIP: '10.0.0.1', ports: [{ port: 80 }], externalTrafficPolicy: 'Local' });
    expect(missing.warnings.map((w) => w.code)).toEqual(['SERVICE_NO_HEALTH_CHECK_PORT']);
  });

  it('reads externalTrafficPolicy Local only for NodePort and LoadBalancer Services', () => {
    const local = (type: 'ClusterIP' | 'NodePort') => infos('ns', 'svc', { type, clusterIP: '10.0.0.1', ports: [{ port: 80 }], externalTrafficPolicy: 'Local' }).infos[0]?.externalPolicyLocal;
    expect([local('ClusterIP'), local('NodePort')]).toEqual([false, true]);
  });

  it('does not proxy headless, ExternalName or unusable Services', () => {
    expect(infos('ns', 'svc', { clusterIP: 'None', ports: [{ port: 80 }] }).infos).toEqual([]);
    expect(infos('ns', 'svc', { type: 'ExternalName', clusterIP: '', ports: [{ port: 80 }] }).infos).toEqual([]);
    const v6 = infos('ns', 'svc', { clusterIP: 'fd00::1', ports: [{ port: 80 }] });
    expect(v6.infos).toEqual([]);
    expect(v6.warnings.map((w) => w.code)).toEqual(['SERVICE_SKIPPED']);
  });

  it('carries session affinity with its timeout', () => {
    expect(infos('ns', 'svc', { clusterIP: '10.0.0.1', ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 60 }).infos[0]?.sessionAffinity).toEqual({
      kind: 'ClientIP',
      timeoutSeconds: 60,
    });
  });
});

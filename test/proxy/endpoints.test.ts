import { describe, expect, it } from 'vitest';
import { categorizeEndpoints, collectServiceEndpoints, servicePortInfos, type EndpointInfo, type ProxyWarning } from '../../src/proxy/index.js';
import { makeService, makeSlice, type EndpointSpec } from './support/objects.js';

const NODE = 'test-node';

function collect(slices: Parameters<typeof collectServiceEndpoints>[0]) {
  const warnings: ProxyWarning[] = [];
  const map = collectServiceEndpoints(slices, { nodeName: NODE }, (w) => void warnings.push(w));
  return { map, warnings };
}

const ep = (ip: string, more: Partial<EndpointSpec> = {}): EndpointSpec => ({ ip, ...more });

describe('collectServiceEndpoints', () => {
  it('sorts endpoints by the "ip:port" string, not numerically', () => {
    const { map } = collect([makeSlice('ns', 's', { service: 'svc', ports: [{ name: 'p', port: 11 }], endpoints: [ep('10.1.1.1'), ep('10.1.1.11'), ep('10.1.1.2')] })]);
    expect(map.get('p/TCP')?.map((e) => e.endpoint)).toEqual(['10.1.1.11:11', '10.1.1.1:11', '10.1.1.2:11']);
  });

  it('keys ports by name and protocol, and reads conditions and locality', () => {
    const { map } = collect([
      makeSlice('ns', 's', {
        service: 'svc',
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns', port: 5353, protocol: 'TCP' },
        ],
        endpoints: [ep('10.0.0.1', { nodeName: NODE }), ep('10.0.0.2', { nodeName: 'other', ready: false, serving: true, terminating: true })],
      }),
    ]);
    expect([...map.keys()].sort()).toEqual(['dns/TCP', 'dns/UDP']);
    const udp = map.get('dns/UDP') ?? [];
    expect(udp.map((e) => [e.endpoint, e.isLocal, e.ready, e.serving, e.terminating])).toEqual([
      ['10.0.0.1:53', true, true, true, false],
      ['10.0.0.2:53', false, false, true, true],
    ]);
  });

  it('uses only the first address and canonicalises it', () => {
    const { map } = collect([makeSlice('ns', 's', { service: 'svc', ports: [{ name: 'p', port: 80 }], endpoints: [ep('10.180.00.001', { extraAddresses: ['10.9.9.9'] })] })]);
    expect(map.get('p/TCP')?.map((e) => e.endpoint)).toEqual(['10.180.0.1:80']);
  });

  it('lets a non-terminating duplicate replace a terminating one across slices, never the reverse', () => {
    const live = ep('10.0.0.1', { nodeName: 'a' });
    const dying = ep('10.0.0.1', { nodeName: 'b', ready: false, terminating: true });
    for (const order of [
      [dying, live],
      [live, dying],
    ]) {
      const { map } = collect(order.map((e, i) => makeSlice('ns', `s${i}`, { service: 'svc', ports: [{ name: 'p', port: 80 }], endpoints: [e] })));
      const list = map.get('p/TCP') ?? [];
      expect(list).toHaveLength(1);
      expect(list[0]?.terminating).toBe(false);
      expect(list[0]?.nodeName).toBe('a');
    }
  });

  it('skips unusable input with warnings instead of failing', () => {
    const { map, warnings } = collect([
      makeSlice('ns', 'a', { service: 'svc', ports: [{ name: 'p', port: 80 }, { name: 'zero', port: 0 }], endpoints: [ep('not-an-ip'), ep('10.0.0.1')] }),
      makeSlice('ns', 'b', { service: 'svc', addressType: 'IPv6', ports: [{ name: 'p', port: 80 }], endpoints: [ep('fd00::1')] }),
      makeSlice('ns', 'c', { service: 'svc', addressType: 'FQDN', ports: [{ name: 'p', port: 80 }], endpoints: [ep('example.com')] }),
    ]);
    expect(map.get('p/TCP')?.map((e) => e.endpoint)).toEqual(['10.0.0.1:80']);
    expect(map.has('zero/TCP')).toBe(false);
    expect(warnings.map((w) => [w.code, w.location.object, w.location.field])).toEqual([
      ['SLICE_PORT_INVALID', 'EndpointSlice ns/a', 'ports[1].port'],
      ['ENDPOINT_BAD_ADDRESS', 'EndpointSlice ns/a', 'endpoints[0].addresses[0]'],
      ['SLICE_ADDRESS_TYPE', 'EndpointSlice ns/b', 'addressType'],
      ['SLICE_ADDRESS_TYPE', 'EndpointSlice ns/c', 'addressType'],
    ]);
  });
});

describe('categorizeEndpoints', () => {
  const info = (spec: Partial<Parameters<typeof makeService>[2]> = {}) => {
    const [first] = servicePortInfos(makeService('ns', 'svc', { clusterIP: '172.30.0.1', ports: [{ name: 'p', port: 80, nodePort: spec.type === 'ClusterIP' || spec.type === undefined ? 0 : 30000 }], ...spec }), () => undefined);
    if (first === undefined) throw new Error('no port');
    return first;
  };
  const e = (ip: string, local: boolean, state: 'ready' | 'terminating' | 'dead'): EndpointInfo => ({
    ip,
    port: 80,
    endpoint: `${ip}:80`,
    ready: state === 'ready',
    serving: state !== 'dead',
    terminating: state !== 'ready',
    isLocal: local,
    nodeName: local ? NODE : 'other',
    zone: '',
    zoneHints: [],
  });
  const names = (list: readonly EndpointInfo[]) => list.map((x) => x.ip);

  it('uses ready endpoints for the cluster list and nothing local for policy Cluster', () => {
    const r = categorizeEndpoints([e('1.0.0.1', true, 'ready'), e('1.0.0.2', false, 'terminating'), e('1.0.0.3', false, 'ready')], info());
    expect([names(r.clusterEndpoints), names(r.localEndpoints), names(r.allReachable), r.hasAnyEndpoints]).toEqual([['1.0.0.1', '1.0.0.3'], [], ['1.0.0.1', '1.0.0.3'], true]);
  });

  it('falls back to serving-terminating endpoints when none is ready', () => {
    const r = categorizeEndpoints([e('1.0.0.1', false, 'terminating'), e('1.0.0.2', false, 'dead')], info());
    expect([names(r.clusterEndpoints), r.hasAnyEndpoints]).toEqual([['1.0.0.1'], true]);
    const none = categorizeEndpoints([e('1.0.0.2', false, 'dead')], info());
    expect([names(none.clusterEndpoints), none.hasAnyEndpoints]).toEqual([[], false]);
  });

  it('decides the terminating fallback for the local list on its own and merges both lists', () => {
    const lb = info({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerIngress: ['1.2.3.4'], healthCheckNodePort: 32000 });
    const r = categorizeEndpoints([e('1.0.0.1', true, 'terminating'), e('1.0.0.2', false, 'ready')], lb);
    expect(names(r.clusterEndpoints)).toEqual(['1.0.0.2']);
    expect(names(r.localEndpoints)).toEqual(['1.0.0.1']);
    expect(names(r.allReachable)).toEqual(['1.0.0.1', '1.0.0.2']);
  });

  it('internalTrafficPolicy Local uses only local endpoints but still knows remote ones exist', () => {
    const r = categorizeEndpoints([e('1.0.0.2', false, 'ready')], info({ internalTrafficPolicy: 'Local' }));
    expect([names(r.clusterEndpoints), names(r.localEndpoints), names(r.allReachable), r.hasAnyEndpoints]).toEqual([[], [], [], true]);
  });
});

import { describe, expect, it } from 'vitest';
import { KubeObjectStore, ServiceChangeTracker } from '../../src/proxy/index.js';
import { makeService, makeSlice } from './support/objects.js';

function setup() {
  const store = new KubeObjectStore();
  const tracker = new ServiceChangeTracker(store, { nodeName: 'test-node' });
  return { store, tracker };
}

const svc = (ip = '172.30.0.41') => makeService('ns1', 'svc1', { clusterIP: ip, ports: [{ name: 'p', port: 80 }] });
const slice = (name: string, ...ips: string[]) => makeSlice('ns1', name, { service: 'svc1', ports: [{ name: 'p', port: 80 }], endpoints: ips.map((ip) => ({ ip })) });

describe('ServiceChangeTracker', () => {
  it('reports a Service once per real change, keyed by namespace/name', () => {
    const { store, tracker } = setup();
    store.upsertService(svc());
    store.upsertEndpointSlice(slice('a', '10.0.0.1'));
    expect([...tracker.checkout().changed]).toEqual(['ns1/svc1']);
    expect([...tracker.checkout().changed]).toEqual([]);

    // Same content in new objects: touched, but not changed.
    store.upsertService(svc());
    store.upsertEndpointSlice(slice('a', '10.0.0.1'));
    expect([...tracker.checkout().changed]).toEqual([]);

    // An endpoint moving to a second slice leaves the merged view unchanged.
    store.upsertEndpointSlice(slice('b', '10.0.0.1'));
    expect([...tracker.checkout().changed]).toEqual([]);
    store.deleteEndpointSlice('ns1', 'a');
    expect([...tracker.checkout().changed]).toEqual([]);

    store.upsertService(svc('172.30.0.99'));
    expect([...tracker.checkout().changed]).toEqual(['ns1/svc1']);
    expect(tracker.get('ns1/svc1')?.ports[0]?.info.clusterIP).toBe('172.30.0.99');
  });

  it('counts endpoints over proxied ports and forgets deleted Services', () => {
    const { store, tracker } = setup();
    store.replaceAll([svc()], [slice('a', '10.0.0.1', '10.0.0.2')]);
    tracker.checkout();
    expect(tracker.totalEndpoints()).toBe(2);
    expect(tracker.sorted().map((s) => s.key)).toEqual(['ns1/svc1']);
    store.replaceAll([], [slice('a', '10.0.0.1', '10.0.0.2')]);
    expect([...tracker.checkout().changed]).toEqual(['ns1/svc1']);
    expect(tracker.totalEndpoints()).toBe(0);
    expect(tracker.sorted()).toEqual([]);
    store.replaceAll([], []);
    expect([...tracker.checkout().changed]).toEqual(['ns1/svc1']);
    expect(tracker.get('ns1/svc1')).toBeUndefined();
  });

  it('moves a slice between Services when its label changes', () => {
    const { store, tracker } = setup();
    const other = makeService('ns1', 'svc2', { clusterIP: '172.30.0.42', ports: [{ name: 'p', port: 80 }] });
    store.replaceAll([svc(), other], [slice('a', '10.0.0.1')]);
    tracker.checkout();
    store.upsertEndpointSlice(makeSlice('ns1', 'a', { service: 'svc2', ports: [{ name: 'p', port: 80 }], endpoints: [{ ip: '10.0.0.1' }] }));
    expect([...tracker.checkout().changed].sort()).toEqual(['ns1/svc1', 'ns1/svc2']);
  });
});

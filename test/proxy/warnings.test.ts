import { describe, expect, it } from 'vitest';
import type { ProxyWarning } from '../../src/proxy/index.js';
import { makeFixture, syncWith } from './support/fixture.js';
import { makeService, makeSlice } from './support/objects.js';

const summary = (ws: readonly ProxyWarning[]) => ws.map((w) => `${w.code} ${w.location.object ?? ''} ${w.location.field ?? ''}`.trim());

describe('contradictory input', () => {
  it('warns about ports that do not line up, bad endpoints and orphan slices, and still syncs', () => {
    const f = makeFixture();
    const r = syncWith(
      f,
      [makeService('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] })],
      [
        makeSlice('ns1', 'svc1-a', {
          service: 'svc1',
          ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9000 }],
          endpoints: [{ ip: '10.0.0.1' }, { ip: '10.0.0.999' }],
        }),
        makeSlice('ns1', 'ghost-a', { service: 'ghost', ports: [{ name: 'http', port: 80 }], endpoints: [{ ip: '10.0.0.5' }] }),
        makeSlice('ns1', 'nolabel', { service: '', ports: [{ name: 'http', port: 80 }], endpoints: [{ ip: '10.0.0.6' }] }),
      ],
    );
    expect(summary(r.warnings)).toEqual([
      'SLICE_NO_SERVICE EndpointSlice ns1/nolabel metadata.labels',
      'SLICE_SERVICE_MISSING EndpointSlice ns1/ghost-a',
      'ENDPOINT_BAD_ADDRESS EndpointSlice ns1/svc1-a endpoints[1].addresses[0]',
      'SLICE_PORT_UNMATCHED EndpointSlice ns1/svc1-a ports[1]',
      'SERVICE_PORT_NO_ENDPOINTS Service ns1/svc1 spec.ports[1]',
    ]);
    expect(r.warnings.every((w) => w.location.file === 'test.yaml')).toBe(true);
    // The usable parts still work: http has its endpoint, metrics is rejected.
    expect(r.payload).toContain('--to-destination 10.0.0.1:8080\n');
    expect(r.payload).toContain('"ns1/svc1:metrics has no endpoints"');
    expect(r.payload).not.toContain('10.0.0.5');
    // Persistent contradictions are reported on every sync; one-off ones only once.
    expect(summary(f.proxier.sync().warnings)).toEqual([
      'SLICE_SERVICE_MISSING EndpointSlice ns1/ghost-a',
      'ENDPOINT_BAD_ADDRESS EndpointSlice ns1/svc1-a endpoints[1].addresses[0]',
      'SLICE_PORT_UNMATCHED EndpointSlice ns1/svc1-a ports[1]',
      'SERVICE_PORT_NO_ENDPOINTS Service ns1/svc1 spec.ports[1]',
    ]);
  });

  it('keeps the later of two objects with the same name', () => {
    const f = makeFixture();
    const a = makeService('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ port: 80 }] });
    const b = makeService('ns1', 'svc1', { clusterIP: '172.30.0.42', ports: [{ port: 80 }] });
    const r = syncWith(f, [a, b], []);
    expect(summary(r.warnings)).toEqual(['DUPLICATE_OBJECT Service ns1/svc1']);
    expect(r.payload).toContain('-d 172.30.0.42 ');
    expect(r.payload).not.toContain('-d 172.30.0.41 ');
  });

  it('does not warn about a Service without slices yet, nor about slices of headless Services', () => {
    const r = syncWith(
      makeFixture(),
      [makeService('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ port: 80 }] }), makeService('ns1', 'db', { clusterIP: 'None', ports: [{ port: 5432 }] })],
      [makeSlice('ns1', 'db-x', { service: 'db', ports: [{ port: 5432 }], endpoints: [{ ip: '10.0.0.7' }] })],
    );
    expect(r.warnings).toEqual([]);
    expect(r.payload).not.toContain('5432');
  });
});

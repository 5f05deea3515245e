import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { loadClusterText, validateClusterObjects } from '../../src/kube/index.js';
import { kubeTextArb, renderService, validServiceArb } from '../arbitraries/kube-text.js';

const bases = readdirSync('fixtures/clusters')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(`fixtures/clusters/${f}`, 'utf8'));

describe('loading arbitrary text', () => {
  it('gives ClusterObjects or throws a KpemuError, never anything else', () => {
    fc.assert(
      fc.property(kubeTextArb(bases), (text) => {
        try {
          const objects = loadClusterText(text, 'fuzz.yaml');
          expect(Array.isArray(objects.services)).toBe(true);
        } catch (e) {
          if (!isKpemuError(e)) throw e;
          expect(e.location?.file).toBe('fuzz.yaml');
          expect(e.location?.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('validation never throws, and every issue names the file and a line inside it', () => {
    fc.assert(
      fc.property(kubeTextArb(bases), (text) => {
        const result = validateClusterObjects([{ file: 'fuzz.yaml', text }]);
        const lineCount = text.split('\n').length;
        for (const issue of [...result.errors, ...result.warnings]) {
          expect(isKpemuError(issue)).toBe(true);
          expect(issue.location?.file).toBe('fuzz.yaml');
          expect(issue.location?.line).toBeGreaterThanOrEqual(1);
          expect(issue.location?.line).toBeLessThanOrEqual(lineCount);
        }
        // load and validate agree
        if (result.errors.length === 0) expect(() => loadClusterText(text, 'fuzz.yaml')).not.toThrow();
        else expect(() => loadClusterText(text, 'fuzz.yaml')).toThrow(result.errors[0]!.message);
      }),
      { numRuns: 150 },
    );
  });
});

describe('valid Services round-trip', () => {
  it('load without issues and keep their values, the cluster IP canonicalised', () => {
    fc.assert(
      fc.property(validServiceArb, (s) => {
        const result = validateClusterObjects([{ file: 'svc.yaml', text: renderService(s) }]);
        expect(result.errors.map((e) => e.describe())).toEqual([]);
        expect(result.warnings.map((e) => e.describe())).toEqual([]);
        const loaded = result.objects.services[0]!;
        expect(loaded.metadata).toMatchObject({ name: s.name, namespace: s.namespace });
        expect(loaded.spec.type).toBe(s.type);
        expect(loaded.spec.clusterIP).toBe(s.clusterIP.join('.'));
        expect(loaded.spec.ports).toEqual(s.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort, nodePort: p.nodePort })));
      }),
      { numRuns: 200 },
    );
  });
});

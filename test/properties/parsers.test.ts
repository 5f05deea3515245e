/**
 * Parser robustness for the readers no other property covered (iptables text, kube YAML, ipset,
 * ipvsadm and frames have their own): `ip -j addr` / `ip -j route` dumps (kpemu replay), address,
 * prefix and port words, the `--from`/`--to` words of `kpemu trace`, and the overlay's strict
 * address text. Given random or mutated text, each returns a value (or null where that is its
 * answer) or throws a KpemuError — never anything else.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseIpv4, parseIpv4Sloppy, parsePort, parsePrefix } from '../../src/addr/index.js';
import { parseDest, parseSource } from '../../src/cluster/index.js';
import { isKpemuError } from '../../src/core/index.js';
import { parseIpAddrJson, parseIpRouteJson } from '../../src/node/index.js';
import { overlay } from '../../src/index.js';
import { mutatedTextArb } from '../arbitraries/rules.js';
import { propertyRuns, replayParameters } from './support/run.js';

const RUNS = { numRuns: propertyRuns(300), ...replayParameters() };
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/replay/node-1/${name}`, import.meta.url), 'utf8');

/** Runs `f`; anything thrown must be a KpemuError. */
function onlyKpemuErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!isKpemuError(e)) throw e;
  }
}

/** Text that looks like what the parser expects, or is anything at all. */
function textArb(base: string): fc.Arbitrary<string> {
  return fc.oneof(mutatedTextArb(base), fc.string({ maxLength: 120 }), fc.json({ maxDepth: 3 }));
}

describe('parser robustness: values or KpemuErrors only (fast-check)', () => {
  it('ip -j addr and ip -j route dumps', () => {
    fc.assert(fc.property(textArb(fixture('ip-addr.json')), (t) => onlyKpemuErrors(() => parseIpAddrJson(t, 'ip-addr.json'))), RUNS);
    fc.assert(fc.property(textArb(fixture('ip-route.json')), (t) => onlyKpemuErrors(() => parseIpRouteJson(t, 'ip-route.json'))), RUNS);
  });

  it('address, prefix and port words', () => {
    const words = fc.oneof(mutatedTextArb('10.244.1.0/24'), mutatedTextArb('192.168.56.11'), mutatedTextArb('30080'), fc.string({ maxLength: 24 }));
    fc.assert(
      fc.property(words, (w) => {
        onlyKpemuErrors(() => parseIpv4(w));
        onlyKpemuErrors(() => parseIpv4Sloppy(w));
        onlyKpemuErrors(() => parsePrefix(w));
        onlyKpemuErrors(() => parsePrefix(w, { sloppy: true }));
        onlyKpemuErrors(() => parsePort(w));
        overlay.parseIpv4Text(w);
        overlay.parseCidrText(w);
      }),
      RUNS,
    );
  });

  it('kpemu trace --from and --to words', () => {
    const words = fc.oneof(
      mutatedTextArb('pod/default/client'),
      mutatedTextArb('svc/kube-system/kube-dns:dns'),
      mutatedTextArb('node/node-1'),
      mutatedTextArb('10.96.0.10:80'),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(words, (w) => {
        onlyKpemuErrors(() => parseSource(w));
        onlyKpemuErrors(() => parseDest(w));
      }),
      RUNS,
    );
  });
});

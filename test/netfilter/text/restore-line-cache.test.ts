import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRestore, RestoreLineCache } from '../../../src/netfilter/index.js';
import { emptyNamespace } from '../../support/emulated.js';

/** A small kube-proxy-like filter payload: chains C0..C{n-1}, each with a few rules, some of them stateful. */
function payload(rules: readonly { chain: number; port: number; nth: boolean }[], chains: number): string {
  const out = ['*filter', ':INPUT ACCEPT [0:0]'];
  for (let c = 0; c < chains; c++) out.push(`:C${c} - [0:0]`);
  for (let c = 0; c < chains; c++) out.push(`-A INPUT -p tcp -m tcp --dport ${1000 + c} -j C${c}`);
  for (const r of rules) {
    const c = r.chain % chains;
    out.push(r.nth ? `-A C${c} -m statistic --mode nth --every 2 --packet 0 -j ACCEPT` : `-A C${c} -p tcp -m comment --comment "c${c}" -m tcp --sport ${r.port} -j DROP`);
  }
  out.push('COMMIT', '');
  return out.join('\n');
}

const ruleArb = fc.record({ chain: fc.nat(5), port: fc.integer({ min: 1, max: 40 }), nth: fc.boolean() }, { noNullPrototype: true });
const payloadArb = fc.tuple(fc.array(ruleArb, { maxLength: 25 }), fc.integer({ min: 1, max: 5 })).map(([rules, chains]) => payload(rules, chains));

describe('the restore line cache', () => {
  it('gives the same tables as parsing every payload afresh, over any sequence of restores', () => {
    fc.assert(
      fc.property(fc.array(payloadArb, { minLength: 1, maxLength: 5 }), (payloads) => {
        const cached = emptyNamespace();
        for (const text of payloads) {
          cached.iptables.restoreAll(text, { noflush: false, counters: false });
          const fresh = emptyNamespace();
          fresh.netfilter.restore(parseRestore(text), { noflush: false, counters: false });
          expect(cached.iptables.save('filter')).toBe(fresh.iptables.save('filter'));
        }
      }),
    );
  });

  it('hands back the same command object for a line repeated from the previous restore, and never for stateful matches', () => {
    const text = payload([{ chain: 0, port: 5, nth: false }, { chain: 0, port: 6, nth: true }], 1);
    const cache = new RestoreLineCache();
    const a = parseRestore(text, { lineCache: cache });
    const b = parseRestore(text, { lineCache: cache });
    const rules = (d: typeof a) => d.blocks[0]?.commands.filter((c) => c.command.kind === 'append') ?? [];
    const [sa, nthA] = rules(a).slice(-2);
    const [sb, nthB] = rules(b).slice(-2);
    expect(sb?.command).toBe(sa?.command);
    expect(nthB?.command).not.toBe(nthA?.command);
    // Line numbers are this parse's, even for a reused command.
    expect(sb?.line).toBe(sa?.line);
  });

  it('forgets what a failed parse read', () => {
    const cache = new RestoreLineCache();
    const good = payload([{ chain: 0, port: 7, nth: false }], 1);
    const first = parseRestore(good, { lineCache: cache });
    expect(() => parseRestore(`${good.replace('COMMIT\n', '')}-A C0 --bogus\nCOMMIT\n`, { lineCache: cache })).toThrow();
    const again = parseRestore(good, { lineCache: cache });
    const last = (d: typeof first) => d.blocks[0]?.commands.at(-1)?.command;
    expect(last(again)).toBe(last(first));
  });
});

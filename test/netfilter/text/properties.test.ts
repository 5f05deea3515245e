import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../../src/core/index.js';
import { formatRule, parseIptablesCommand, parseRestore, renderSave, tokenizeLine, type Rule } from '../../../src/netfilter/index.js';
import { mutatedTextArb, ruleArb } from '../../arbitraries/rules.js';
import { kubeProxyPayload } from './kube-payload.js';
import { naiveApply } from './naive-apply.js';
import { rulesEqual } from './rule-equal.js';

/** fast-check settings: the seed is printed on failure (fast-check's default report) and can be replayed. */
const RUNS = { numRuns: 400 };

function parseRule(words: string): Rule {
  const cmd = parseIptablesCommand(['-A', 'X', ...tokenizeLine(words)]).command;
  if (cmd.kind !== 'append') throw new Error(`not an append: ${cmd.kind}`);
  return cmd.rule;
}

describe('iptables text round trips (fast-check)', () => {
  it('parse(formatRule(rule)) is the rule, for every match and target', () => {
    fc.assert(
      fc.property(ruleArb, (rule) => {
        const text = formatRule(rule);
        const back = parseRule(text);
        if (!rulesEqual(back, rule)) throw new Error(`round trip changed the rule\n${text}\n${JSON.stringify(rule)}\n${JSON.stringify(back)}`);
      }),
      RUNS,
    );
  });

  it('a saved table restores to the same chains and rules', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 12 }), (rules) => {
        const view = {
          table: 'filter' as const,
          chains: [
            { name: 'INPUT', policy: 'ACCEPT' as const, packets: 0, bytes: 0, rules: [] },
            { name: 'FORWARD', policy: 'DROP' as const, packets: 0, bytes: 0, rules: [] },
            { name: 'OUTPUT', policy: 'ACCEPT' as const, packets: 0, bytes: 0, rules: [] },
            { name: 'X', policy: null, packets: 0, bytes: 0, rules: rules.map((rule) => ({ rule, packets: 0, bytes: 0 })) },
          ],
        };
        const text = renderSave([view]);
        const [filter] = naiveApply(parseRestore(text));
        const x = filter?.chains.find((c) => c.name === 'X');
        expect(x?.rules.length).toBe(rules.length);
        rules.forEach((r, i) => {
          if (!rulesEqual(x?.rules[i]?.rule, r)) throw new Error(`rule ${i} changed: ${formatRule(r)}`);
        });
        // Rendering is a fixed point.
        expect(renderSave(naiveApply(parseRestore(text)).filter((t) => t.table === 'filter'))).toBe(text);
      }),
      { numRuns: 100 },
    );
  });
});

describe('parser robustness (fast-check)', () => {
  const onlyKpemuErrors = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      if (!isKpemuError(e)) throw e;
    }
  };
  const base = kubeProxyPayload(3, 2) + renderSave([{ table: 'nat', chains: [] }]);

  it('mutated restore payloads parse or fail with a KpemuError, never anything else', () => {
    fc.assert(
      fc.property(mutatedTextArb(base), (text) => onlyKpemuErrors(() => parseRestore(text))),
      RUNS,
    );
  });

  it('mutated rules parse or fail with a KpemuError', () => {
    fc.assert(
      fc.property(
        ruleArb.chain((r) => mutatedTextArb(`*filter\n:X - [0:0]\n-A X ${formatRule(r)}\nCOMMIT\n`)),
        (text) => onlyKpemuErrors(() => parseRestore(text, { counters: true })),
      ),
      RUNS,
    );
  });

  it('arbitrary text and argv parse or fail with a KpemuError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => onlyKpemuErrors(() => parseRestore(text))),
      RUNS,
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('-A', 'X', '-p', 'tcp', '-m', 'comment', '--comment', '!', '-j', 'DNAT', '--to', '-t', 'nat', '-L', '-S', '-P', '-c')), { maxLength: 12 }), (argv) =>
        onlyKpemuErrors(() => parseIptablesCommand(argv)),
      ),
      RUNS,
    );
  });
});

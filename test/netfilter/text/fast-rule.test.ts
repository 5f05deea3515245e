import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TABLE_NAMES, type RuleCommand, type TableName } from '../../../src/netfilter/ast.js';
import { formatRule, parseCommandLine, parseRestore, tokenizeLine } from '../../../src/netfilter/index.js';
import { FastRuleParser } from '../../../src/netfilter/text/fast-rule.js';
import { mutatedTextArb, ruleArb } from '../../arbitraries/rules.js';
import { BAD_PARSE_CASES, GOOD_CASES } from './kernel-cases.js';
import { kubeProxyPayload } from './kube-payload.js';

/**
 * The restore parser's fast path (fast-rule.ts) against the general getopt parser it stands in
 * for: on every line the fast path accepts, both must build the same command; on every line the
 * general parser refuses, the fast path must step aside (return null) so the error comes from the
 * general parser. One FastRuleParser reads a whole sequence of lines, as in a restore, so values
 * it remembers from earlier lines are checked too.
 */

const RUNS = { numRuns: 300 };

type Outcome = { readonly ok: true; readonly command: RuleCommand } | { readonly ok: false };

function general(line: string, table: TableName): Outcome {
  try {
    return { ok: true, command: parseCommandLine(tokenizeLine(line), { mode: 'restore', table }).command };
  } catch {
    return { ok: false };
  }
}

/** Checks one line; returns whether the fast path took it. */
function check(fast: FastRuleParser, line: string, table: TableName): boolean {
  // The fast path reads lines in place inside a larger text, as parseRestore gives them.
  const text = `#before\n${line}\n#after`;
  const got = fast.parse(text, 8, 8 + line.length, table);
  const want = general(line, table);
  if (got === null) return false;
  if (!want.ok) throw new Error(`fast path accepted a line the general parser refuses: ${JSON.stringify(line)}`);
  expect(got, JSON.stringify(line)).toStrictEqual(want.command);
  return true;
}

const tableArb = fc.constantFrom<TableName>(...TABLE_NAMES);
const ruleLineArb = ruleArb.map((r) => `-A X ${formatRule(r)}`);

describe('restore fast path = general parser', () => {
  it('agrees on generated rules of every match and target, in every table', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(ruleLineArb, tableArb), { minLength: 1, maxLength: 20 }), (lines) => {
        const fast = new FastRuleParser();
        for (const [line, table] of lines) check(fast, line, table);
      }),
      RUNS,
    );
  });

  it('agrees on mutated rules (bad words, quotes, tabs, stray options): accepts only what the general parser accepts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(ruleLineArb.chain((l) => fc.oneof(fc.constant(l), mutatedTextArb(l))), tableArb), { minLength: 1, maxLength: 10 }), (lines) => {
        const fast = new FastRuleParser();
        for (const [text, table] of lines) for (const line of text.split('\n')) check(fast, line, table);
      }),
      RUNS,
    );
  });

  it('agrees on lines built from the option words it knows, in random order', () => {
    const word = fc.constantFrom(
      '-A', '-I', 'X', 'PREROUTING', 'OUTPUT', '1', '2', '0', '!', '-s', '-d', '10.0.0.1', '0/0', '10.1.0.0/16', '-p', 'tcp', 'udp', 'TCP', 'all',
      '-i', '-o', 'eth0', 'veth+', '-m', 'tcp', 'udp', 'comment', 'mark', 'multiport', 'statistic', '--comment', '"a b"', 'x', '--dport', '--sport',
      '--dports', '80', '80:90', '--mark', '0x4000/0x4000', '--mode', 'random', 'nth', '--probability', '0.5', '--every', '--packet', '-j', '-g',
      'DNAT', 'ACCEPT', 'DROP', 'MARK', 'KUBE-MARK-MASQ', '--to-destination', '10.0.0.2:80', '--or-mark', '--set-xmark', '--xor-mark', '--syn',
      '--tcp-flags', 'SYN,ACK', 'SYN', '--random-fully', 'MASQUERADE', '--dp', '--dport=80', '-c', '--', 'QUEUE', 'REJECT', '--reject-with',
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(word, { maxLength: 14 }), tableArb), { minLength: 1, maxLength: 12 }), (lines) => {
        const fast = new FastRuleParser();
        for (const [words, table] of lines) check(fast, `-A KUBE ${words.join(' ')}`, table);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees on the kernel comparison cases, good and bad', () => {
    const fast = new FastRuleParser();
    for (const c of [...GOOD_CASES, ...BAD_PARSE_CASES]) {
      let table: TableName = 'filter';
      for (const line of c.rules.split('\n')) {
        if (line.startsWith('*')) table = line.slice(1) as TableName;
        else if (line.startsWith('-')) check(fast, line, table);
      }
    }
  });

  it("takes every rule line of kube-proxy's payload (so the fast path cannot silently fall out of use)", () => {
    const fast = new FastRuleParser();
    let table: TableName = 'filter';
    let taken = 0;
    for (const line of kubeProxyPayload(20, 3).split('\n')) {
      if (line.startsWith('*')) table = line.slice(1) as TableName;
      else if (line.startsWith('-A')) {
        expect(check(fast, line, table), line).toBe(true);
        taken++;
      }
    }
    expect(taken).toBeGreaterThan(100);
  });
});

describe('values shared between rules', () => {
  it('repeated comments, addresses, protocols and jumps are one object; -m statistic --mode nth stays one per rule', () => {
    const doc = parseRestore(
      [
        '*nat',
        ':KUBE-SVC-A - [0:0]',
        ':KUBE-MARK-MASQ - [0:0]',
        '-A KUBE-SVC-A -m comment --comment "ns/svc:p cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 80 -j KUBE-MARK-MASQ',
        '-A KUBE-SVC-A -m comment --comment "ns/svc:p cluster IP" -m tcp -p tcp -d 10.96.0.1 --dport 80 -j KUBE-MARK-MASQ',
        '-A KUBE-SVC-A -m statistic --mode nth --every 2 --packet 0',
        '-A KUBE-SVC-A -m statistic --mode nth --every 2 --packet 0',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const block = doc.blocks[0];
    const [a, b, c, d] = (block?.commands ?? []).map((x) => (x.command.kind === 'append' ? x.command.rule : undefined));
    expect(a).toStrictEqual(b);
    expect(a?.matches[0]).toBe(b?.matches[0]);
    expect(a?.matches[1]).toBe(b?.matches[1]);
    expect(a?.dst).toBe(b?.dst);
    expect(a?.proto).toBe(b?.proto);
    expect(a?.target).toBe(b?.target);
    expect(c).toStrictEqual(d);
    expect(c?.matches[0]).not.toBe(d?.matches[0]);
    // The chain of a declaration and of the rules naming it is one string.
    expect(block?.chains[0]?.name).toBe('KUBE-SVC-A');
  });

  it('rules without matches share one frozen empty list', () => {
    const doc = parseRestore('*filter\n:X - [0:0]\n-A X -j ACCEPT\n-A X -s 1.2.3.4\nCOMMIT\n');
    const rules = (doc.blocks[0]?.commands ?? []).map((x) => (x.command.kind === 'append' ? x.command.rule : undefined));
    expect(rules[0]?.matches).toBe(rules[1]?.matches);
    expect(Object.isFrozen(rules[0]?.matches)).toBe(true);
  });
});

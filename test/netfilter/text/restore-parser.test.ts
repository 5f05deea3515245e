import { describe, expect, it } from 'vitest';
import { isKpemuError, type ErrorCode } from '../../../src/core/index.js';
import { parseRestore, type RestoreOptions } from '../../../src/netfilter/index.js';

function failure(text: string, options: RestoreOptions = {}): { code: ErrorCode; line: number | undefined; message: string } {
  try {
    parseRestore(text, options);
  } catch (e) {
    if (!isKpemuError(e)) throw e;
    return { code: e.code, line: e.location?.line, message: e.message };
  }
  throw new Error('parsed without error');
}

describe('parseRestore', () => {
  it('reads blocks, chain declarations, commands and their lines', () => {
    const doc = parseRestore(
      ['# generated', '*filter', ':INPUT DROP [5:600]', ':KUBE-X - [0:0]', '', '-A KUBE-X -j ACCEPT', ':KUBE-Y - [0:0]', '-I KUBE-X 2 -s 1.2.3.4', 'COMMIT', '*nat', 'COMMIT', ''].join('\n'),
    );
    expect(doc.blocks).toHaveLength(2);
    const [filter, nat] = doc.blocks;
    expect(filter).toMatchObject({ table: 'filter', line: 2, commitLine: 9 });
    expect(filter?.chains).toEqual([
      { name: 'INPUT', policy: 'DROP', packets: 5, bytes: 600, line: 3 },
      { name: 'KUBE-X', policy: null, packets: 0, bytes: 0, line: 4 },
      { name: 'KUBE-Y', policy: null, packets: 0, bytes: 0, line: 7 },
    ]);
    expect(filter?.commands.map((c) => [c.line, c.command.kind, c.text])).toEqual([
      [6, 'append', '-A KUBE-X -j ACCEPT'],
      [8, 'insert', '-I KUBE-X 2 -s 1.2.3.4'],
    ]);
    expect(nat).toMatchObject({ table: 'nat', line: 10, commitLine: 11, chains: [], commands: [] });
  });

  it('accepts CRLF line ends and a last line without newline', () => {
    const doc = parseRestore('*filter\r\n:X - [0:0]\r\n-A X -j ACCEPT\r\nCOMMIT');
    expect(doc.blocks[0]?.commands[0]?.text).toBe('-A X -j ACCEPT');
    expect(doc.blocks[0]?.commitLine).toBe(4);
  });

  it('takes [packets:bytes] prefixes only with counters, and -c always', () => {
    const text = '*filter\n:INPUT ACCEPT [1:2]\n[5:6] -A INPUT -j DROP\n-A INPUT -c 7 8 -j ACCEPT\nCOMMIT\n';
    expect(parseRestore(text).blocks[0]?.commands.map((c) => c.counters)).toEqual([undefined, { packets: 7, bytes: 8 }]);
    expect(parseRestore(text, { counters: true }).blocks[0]?.commands.map((c) => c.counters)).toEqual([
      { packets: 5, bytes: 6 },
      { packets: 7, bytes: 8 },
    ]);
    expect(failure('*filter\n[1:2] -A INPUT -c 3 4 -j ACCEPT\nCOMMIT\n', { counters: true })).toMatchObject({ line: 2, message: 'multiple -c flags not allowed' });
    expect(failure('*filter\n:INPUT DROP [x]\nCOMMIT\n', { counters: true })).toMatchObject({ line: 2, code: 'IPTABLES_BAD_VALUE' });
    expect(parseRestore('*filter\n:INPUT DROP [x]\nCOMMIT\n').blocks[0]?.chains[0]).toMatchObject({ packets: 0, bytes: 0 });
  });

  it.each([
    ['missing COMMIT', '*filter\n:X - [0:0]\n-A X -j ACCEPT\n', 'IPTABLES_PARSE', 4, 'iptables-restore: COMMIT expected at line 4'],
    ['unknown table', '*bogus\nCOMMIT\n', 'IPTABLES_NO_TABLE', 1, "iptables-restore: unable to initialize table 'bogus'"],
    ['command outside a table', '-A X -j ACCEPT\n', 'IPTABLES_PARSE', 1, 'iptables-restore: line 1 failed'],
    ['COMMIT outside a table', '*filter\nCOMMIT\nCOMMIT\n', 'IPTABLES_PARSE', 3, 'iptables-restore: line 3 failed'],
    ['table inside a table', '*filter\n*nat\nCOMMIT\n', 'IPTABLES_PARSE', 2, "Bad argument `*nat'"],
    ['COMMIT with a blank', '*filter\nCOMMIT \n', 'IPTABLES_PARSE', 2, "Bad argument `COMMIT'"],
    ['indented comment', '*filter\n  # x\nCOMMIT\n', 'IPTABLES_PARSE', 2, "Bad argument `#'"],
    ['bad policy', '*filter\n:INPUT BOGUS [0:0]\nCOMMIT\n', 'IPTABLES_BAD_VALUE', 2, "Can't set policy `BOGUS' on `INPUT' line 2: Bad policy name"],
    ['policy on a user chain', '*filter\n:X DROP [0:0]\nCOMMIT\n', 'IPTABLES_BAD_VALUE', 2, "Can't set policy `DROP' on `X' line 2: Bad built-in chain name"],
    ['chain without policy', '*filter\n:X\nCOMMIT\n', 'IPTABLES_PARSE', 2, 'iptables-restore: line 2 policy invalid'],
    ['chain named ACCEPT', '*filter\n:ACCEPT - [0:0]\nCOMMIT\n', 'IPTABLES_CHAIN_EXISTS', 2, "error creating chain 'ACCEPT':File exists"],
    ['long chain name', `*filter\n:${'a'.repeat(29)} - [0:0]\nCOMMIT\n`, 'IPTABLES_BAD_VALUE', 2, `Invalid chain name \`${'a'.repeat(29)}' (28 chars max)`],
    ['unknown option', '*filter\n:X - [0:0]\n-A X -p tcp --foo\nCOMMIT\n', 'IPTABLES_UNKNOWN_OPTION', 3, 'unknown option "--foo"'],
    ['bad value', '*filter\n:X - [0:0]\n-A X -p tcp --dport 99999\nCOMMIT\n', 'IPTABLES_BAD_VALUE', 3, "invalid port/service `99999' specified"],
    ['missing argument', '*filter\n:X - [0:0]\n-A X -p tcp --dport\nCOMMIT\n', 'IPTABLES_PARSE', 3, 'option "--dport" requires an argument'],
    ['-t in restore', '*filter\n-A X -t nat\nCOMMIT\n', 'IPTABLES_PARSE', 2, 'The -t option cannot be used in iptables-restore.'],
    ['bad counter prefix', '*filter\n[x] -A INPUT\nCOMMIT\n', 'IPTABLES_PARSE', 2, 'Bad line 2: need ]'],
    ['unsupported match', '*filter\n-A INPUT -m limit --limit 1/s\nCOMMIT\n', 'IPTABLES_UNSUPPORTED', 2, "match `limit' is not supported by kpemu"],
    ['unsupported target', '*filter\n-A INPUT -j NFQUEUE\nCOMMIT\n', 'IPTABLES_UNSUPPORTED', 2, "target `NFQUEUE' is not supported by kpemu"],
  ] as const)('%s', (_name, text, code, line, message) => {
    expect(failure(text)).toEqual({ code, line, message });
  });

  it('puts the line text in the error location', () => {
    try {
      parseRestore('*filter\n-A INPUT -s 1.2.3.4.5 -j DROP\nCOMMIT\n');
      expect.unreachable();
    } catch (e) {
      expect(isKpemuError(e) && e.location).toEqual({ line: 2, text: '-A INPUT -s 1.2.3.4.5 -j DROP' });
      expect(isKpemuError(e) && e.describe()).toBe("line 2: host/network `1.2.3.4.5' not found");
    }
  });

  it('stays linear on payloads whose lines have no blank at all (the tokenizer searches ahead)', () => {
    const lines = 100_000;
    const text = `*filter\n:X - [0:0]\n${'-F\n'.repeat(lines)}COMMIT\n`;
    const t0 = performance.now();
    const doc = parseRestore(text);
    expect(doc.blocks[0]?.commands).toHaveLength(lines);
    // Quadratic searching would take minutes here; linear takes well under a second.
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});

import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../../src/core/index.js';
import { parseIptablesCommand, type RuleCommand } from '../../../src/netfilter/index.js';

function cmd(...argv: string[]): RuleCommand {
  return parseIptablesCommand(argv).command;
}

function refused(...argv: string[]): string {
  try {
    parseIptablesCommand(argv);
  } catch (e) {
    if (isKpemuError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseIptablesCommand', () => {
  it('reads the table, skips a program name and ignores -w/-W', () => {
    expect(parseIptablesCommand(['iptables', '-w', '5', '-W', '100000', '-t', 'nat', '-N', 'KUBE-SERVICES'])).toEqual({ table: 'nat', command: { kind: 'new-chain', chain: 'KUBE-SERVICES' } });
    expect(parseIptablesCommand(['-F']).table).toBe('filter');
    expect(refused('-t', 'bogus', '-L')).toBe("IPTABLES_NO_TABLE: can't initialize iptables table `bogus': Table does not exist (do you need to insmod?)");
  });

  it('reads every command', () => {
    expect(cmd('-C', 'X', '-j', 'ACCEPT')).toEqual({ kind: 'check', chain: 'X', rule: { matches: [], target: { kind: 'accept' } } });
    expect(cmd('-I', 'X', '-j', 'DROP')).toMatchObject({ kind: 'insert', chain: 'X', position: 1 });
    expect(cmd('-I', 'X', '3', '-j', 'DROP')).toMatchObject({ kind: 'insert', position: 3 });
    expect(cmd('-R', 'X', '2', '-j', 'DROP')).toMatchObject({ kind: 'replace', position: 2 });
    expect(cmd('-D', 'X', '2')).toEqual({ kind: 'delete-at', chain: 'X', position: 2 });
    expect(cmd('-D', 'X', '-j', 'DROP')).toMatchObject({ kind: 'delete', chain: 'X' });
    expect(cmd('-X')).toEqual({ kind: 'delete-chain' });
    expect(cmd('-X', 'Y')).toEqual({ kind: 'delete-chain', chain: 'Y' });
    expect(cmd('-F', 'Y')).toEqual({ kind: 'flush', chain: 'Y' });
    expect(cmd('-Z')).toEqual({ kind: 'zero' });
    expect(cmd('-P', 'FORWARD', 'DROP')).toEqual({ kind: 'policy', chain: 'FORWARD', policy: 'DROP' });
    expect(cmd('-E', 'A', 'B')).toEqual({ kind: 'rename-chain', chain: 'A', newName: 'B' });
    expect(cmd('-L')).toEqual({ kind: 'list', numeric: false, lineNumbers: false, verbose: false });
    expect(cmd('-nvL', 'INPUT')).toEqual({ kind: 'list', chain: 'INPUT', numeric: true, lineNumbers: false, verbose: true });
    expect(cmd('-L', '-n', '-x', '--line-numbers')).toEqual({ kind: 'list', numeric: true, lineNumbers: true, verbose: false, exact: true });
    expect(cmd('-S', 'X')).toEqual({ kind: 'list-rules', chain: 'X' });
    expect(cmd('-S', '-v')).toEqual({ kind: 'list-rules', verbose: true });
    expect(parseIptablesCommand(['-A', 'X', '-c', '1', '2', '-j', 'ACCEPT']).counters).toEqual({ packets: 1, bytes: 2 });
  });

  it('builds rules with every common option and keeps match order', () => {
    expect(cmd('-A', 'X', '!', '-s', '10.0.0.0/8', '-d', '1.2.3.4', '-i', 'veth+', '!', '-o', 'eth0', '-p', 'TCP', '-m', 'comment', '--comment', 'c', '--dport', '80', '-j', 'KUBE-SVC-X')).toEqual({
      kind: 'append',
      chain: 'X',
      rule: {
        src: { prefix: { network: 0x0a000000, length: 8, mask: 0xff000000 }, invert: true },
        dst: { prefix: { network: 0x01020304, length: 32, mask: 0xffffffff }, invert: false },
        inIface: { name: 'veth', wildcard: true, invert: false },
        outIface: { name: 'eth0', wildcard: false, invert: true },
        proto: { num: 6, invert: false },
        matches: [
          { kind: 'comment', text: 'c' },
          { kind: 'tcp', dport: { lo: 80, hi: 80, invert: false } },
        ],
        target: { kind: 'jump', chain: 'KUBE-SVC-X' },
      },
    });
  });

  it('resolves options like getopt: exact names, unambiguous prefixes, newest module first', () => {
    expect(cmd('-A', 'X', '-p', 'tcp', '--dp', '80')).toMatchObject({ rule: { matches: [{ kind: 'tcp', dport: { lo: 80 } }] } });
    expect(cmd('-A', 'X', '-j', 'DNAT', '--to', '1.2.3.4')).toMatchObject({ rule: { target: { kind: 'dnat', to: { addrLo: 0x01020304 } } } });
    expect(cmd('-A', 'X', '-m', 'comment', '--comment=eq')).toMatchObject({ rule: { matches: [{ kind: 'comment', text: 'eq' }] } });
    expect(cmd('-A', 'X', '-m', 'mark', '--mark', '1', '-m', 'connmark', '--mark', '2')).toMatchObject({
      rule: { matches: [{ kind: 'mark', value: 1 }, { kind: 'connmark', value: 2 }] },
    });
    expect(refused('-A', 'X', '--s', '1.1.1.1')).toBe('IPTABLES_UNKNOWN_OPTION: unknown option "--s"');
    expect(refused('-A', 'X', '-m', 'mark', '-m', 'connmark', '--mark', '1')).toBe('IPTABLES_PARSE: mark: option "--mark" must be specified');
  });

  it('refuses what iptables refuses, with its wording', () => {
    expect(refused('-A', 'INPUT', '-o', 'eth0')).toBe("IPTABLES_BAD_VALUE: Can't use -o with INPUT");
    expect(refused('-A', 'POSTROUTING', '-i', 'eth0')).toBe("IPTABLES_BAD_VALUE: Can't use -i with POSTROUTING");
    expect(refused('-A', 'X', '-j', 'ACCEPT', '-A', 'Y')).toBe('IPTABLES_PARSE: Cannot use -A with -A');
    expect(refused('-A', 'X', 'ACCEPT')).toBe("IPTABLES_PARSE: Bad argument `ACCEPT'");
    expect(refused('-F', '-j', 'ACCEPT')).toBe("IPTABLES_PARSE: Illegal option `-j' with this command");
    expect(refused('-N', 'DNAT')).toBe('IPTABLES_BAD_VALUE: chain name may not clash with target name');
    expect(refused('-P', 'X', 'DROP')).toBe("IPTABLES_BAD_VALUE: Can't set policy `DROP' on `X': Bad built-in chain name");
    expect(refused('-A', 'X', '-p', 'tcp', '--sport', '10:5')).toBe('IPTABLES_BAD_VALUE: invalid portrange (min > max)');
    expect(refused('-A', 'X', '-g', 'RETURN')).toBe("IPTABLES_BAD_VALUE: goto 'RETURN' is not a chain");
    expect(refused('-A', 'X', '-s', '1.2.3.4,5.6.7.8')).toMatch(/^IPTABLES_UNSUPPORTED/);
    expect(refused('-A', 'X', '-s', '1.2.3.4/255.0.255.0')).toMatch(/^IPTABLES_UNSUPPORTED/);
    expect(refused('-A', 'X', '-p', 'tcp', '--dport', 'http')).toBe("IPTABLES_BAD_VALUE: invalid port/service `http' specified");
    expect(refused('-A', 'X', '-j', 'CT', '--zone', '1')).toMatch(/^IPTABLES_UNSUPPORTED/);
    expect(refused('-A', 'X', '-j', 'LOG', '--log-uid')).toMatch(/^IPTABLES_UNSUPPORTED/);
    expect(refused('-A', 'X', '-f')).toMatch(/^IPTABLES_UNSUPPORTED/);
  });

  it('locates errors at line 0 with the command as text', () => {
    try {
      parseIptablesCommand(['-A', 'X', '--foo']);
      expect.unreachable();
    } catch (e) {
      expect(isKpemuError(e) && e.location).toEqual({ line: 0, text: '-A X --foo' });
    }
  });
});

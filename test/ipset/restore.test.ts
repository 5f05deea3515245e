import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { buildArgv, matchCommand } from '../../src/ipset/index.js';
import { newRegistry } from './support.js';

/** Runs a restore and returns the error (or null) plus the sorted save text afterwards. */
function run(text: string, options: { exist?: boolean; atomic?: boolean } = {}): { err: KpemuError | null; adds: string[]; sets: string[]; reg: ReturnType<typeof newRegistry>['reg'] } {
  const { reg } = newRegistry();
  let err: KpemuError | null = null;
  try {
    reg.restore(text, options);
  } catch (e) {
    if (!(e instanceof KpemuError)) throw e;
    err = e;
  }
  const save = reg.save(undefined, { sorted: true }).split('\n');
  return { err, adds: save.filter((l) => l.startsWith('add ')), sets: reg.names(), reg };
}

// Each case below was run through ipset 7.17 on Linux 6.18 in a throw-away namespace; the
// expected line numbers and surviving state are what the real tool left.
describe('ipset restore: the real tool is not atomic', () => {
  it('keeps what ran before a kernel error and names the failing line', () => {
    const r = run('create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\nadd A 1.0.0.3\n');
    expect(r.err?.code).toBe('IPSET_EXISTS');
    expect(r.err?.location?.line).toBe(3);
    expect(r.err?.describe()).toBe("line 3: A: Element cannot be added to the set: it's already added");
    expect(r.adds).toEqual(['add A 1.0.0.1']);
  });

  it('loses the batch still waiting to be sent when a later line fails in the tool', () => {
    const r = run('create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.2\nadd A 1.0.0.300\n');
    expect(r.err?.location?.line).toBe(4);
    expect(r.err?.message).toBe('Syntax error: cannot parse 1.0.0.300: resolving to IPv4 address failed');
    expect(r.sets).toEqual(['A']);
    expect(r.adds).toEqual([]);
  });

  it('sends a batch when the next line adds to another set or deletes', () => {
    const a = run('create A hash:ip\ncreate B hash:ip\nadd A 1.0.0.1\nadd B 1.0.0.1\nadd A 1.0.0.300\n');
    expect(a.err?.location?.line).toBe(5);
    expect(a.adds).toEqual(['add A 1.0.0.1']);
    const b = run('create A hash:ip\nadd A 1.0.0.1\ndel A 1.0.0.1\nadd A 1.0.0.300\n');
    expect(b.adds).toEqual(['add A 1.0.0.1']);
  });

  it('reports a batch error when the next command sends it, and runs nothing after', () => {
    const r = run('create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\ncreate B hash:ip\n');
    expect(r.err?.location?.line).toBe(3);
    expect(r.sets).toEqual(['A']);
  });

  it('loses the pending batch when a line names a set that does not exist', () => {
    const r = run('create A hash:ip\nadd A 1.0.0.1\nadd Z 1.0.0.1\n');
    expect(r.err?.code).toBe('IPSET_NO_SET');
    expect(r.err?.location?.line).toBe(3);
    expect(r.adds).toEqual([]);
  });

  it('sends at COMMIT (a line of exactly COMMIT)', () => {
    const r = run('create A hash:ip\nadd A 1.0.0.1\nCOMMIT\nadd A 1.0.0.300\n');
    expect(r.adds).toEqual(['add A 1.0.0.1']);
    const eof = run('create A hash:ip\nCOMMIT');
    expect(eof.err?.message).toBe('No command specified: unknown argument COMMIT');
  });

  it('packs 167 hash:ip adds into one message', () => {
    const lines = ['create A hash:ip'];
    for (let i = 1; i <= 200; i++) lines.push(`add A 10.0.${i >> 8}.${i & 255}`);
    lines.push('add A 1.1.1.300');
    const r = run(`${lines.join('\n')}\n`);
    expect(r.err?.location?.line).toBe(202);
    expect(r.adds.length).toBe(167);
  });

  it('makes -exist sticky for the rest of the restore, but not for a batch already started', () => {
    expect(run('create A hash:ip\nadd A 1.0.0.1 -exist\ncreate B hash:ip\nadd A 1.0.0.1\n').err).toBeNull();
    const r = run('create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\nadd A 1.0.0.2 -exist\n');
    expect(r.err?.location?.line).toBe(3);
    expect(run('create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\n', { exist: true }).err).toBeNull();
  });

  it('ends at a test line: quietly when the element is there, with IPSET_NOT_MEMBER when not', () => {
    const { reg } = newRegistry();
    const res = reg.restore('create A hash:ip\nadd A 1.0.0.1\ntest A 1.0.0.1\nadd A 1.0.0.300\n');
    expect(res.stoppedAt).toEqual({ line: 3, reason: 'test' });
    const r = run('create A hash:ip\ntest A 9.9.9.9\n');
    expect(r.err?.code).toBe('IPSET_NOT_MEMBER');
    expect(r.err?.message).toBe('9.9.9.9 is NOT in set A.');
  });

  it('quit ends the restore and drops the pending batch', () => {
    const { reg } = newRegistry();
    const res = reg.restore('create A hash:ip\nadd A 1.0.0.1\nquit\nadd A 1.0.0.2\n');
    expect(res.stoppedAt).toEqual({ line: 3, reason: 'quit' });
    expect(reg.list('A')[0]?.entries).toEqual([]);
  });

  it('skips blank lines and # comments, and refuses restore/help inside a restore', () => {
    const r = run('# a comment\n\n   \ncreate A hash:ip\n  add A 1.0.0.6\nadd\tA\t1.0.0.7\n');
    expect(r.err).toBeNull();
    expect(r.adds).toEqual(['add A 1.0.0.6', 'add A 1.0.0.7']);
    expect(run('restore\n').err?.message).toBe("Command `restore' is invalid in restore mode.");
    expect(run('foo\n').err?.message).toBe('No command specified: unknown argument foo');
  });

  it('matches commands by prefix and alias in table order', () => {
    expect(['a', 'd', 'de', 'des', 's', 'sw', 'e', 'x', 'n', '-A', '--add', 'f', 'w'].map(matchCommand)).toEqual([
      'add',
      'del',
      'del',
      'destroy',
      'save',
      'swap',
      'rename',
      'destroy',
      'create',
      'add',
      'add',
      'flush',
      'swap',
    ]);
    expect(matchCommand('-')).toBeUndefined();
  });

  it('splits words like build_argv: quotes group and vanish, unbalanced quotes fail', () => {
    expect(buildArgv('add C 1.1.1.1 comment "a b"\n')).toEqual(['add', 'C', '1.1.1.1', 'comment', 'a b']);
    expect(buildArgv('add C 1.1.1.1 comment ""\n')).toEqual(['add', 'C', '1.1.1.1', 'comment']);
    // An open quote running into the newline swallows the rest silently; only a word ending the
    // input inside quotes is an error.
    expect(buildArgv('add C 1.1.1.1 comment "a b\n')).toEqual(['add', 'C', '1.1.1.1', 'comment']);
    expect(() => buildArgv('add C 1.1.1.1 comment "a b')).toThrow('Missing close quote!');
    const r = run('create C hash:ip comment\nadd C 1.1.1.1 comment ""\n');
    expect(r.err?.message).toBe("Missing mandatory argument of option `comment'");
  });

  it('reports create errors with the tool messages', () => {
    expect(run('create X bitmap:port\n').err?.message).toBe("Mandatory option `range' is missing");
    expect(run('create X bitmap:port range 2000\n').err?.message).toBe("Mandatory option `to' is missing");
    expect(run('create X hash:ipx\n').err?.message).toBe("Syntax error: typename 'hash:ipx' is unknown");
    expect(run('create X hash:mac\n').err?.message).toBe("kpemu does not model set type 'hash:mac'");
    expect(run('create X hash:ip foo\n').err?.message).toBe("Unknown argument: `foo'");
    expect(run('create X hash:ip timeout 5000000\n').err?.message).toBe("Syntax error: '5000000' is out of range 0-2147483");
    expect(run('create X hash:ip\ncreate X hash:ip\n').err?.describe()).toBe('line 2: X: Set cannot be created: set with the same name already exists');
  });

  it('restores everything or nothing with the atomic extension', () => {
    const { reg } = newRegistry();
    reg.create('KEEP', 'hash:ip');
    reg.add('KEEP', '1.1.1.1');
    const before = reg.save();
    expect(() => reg.restore('flush KEEP\ncreate A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\n', { atomic: true })).toThrow(KpemuError);
    expect(reg.save()).toBe(before);
  });

  it('prints list and save lines into the result', () => {
    const { reg } = newRegistry();
    const res = reg.restore('create A hash:ip initval 0x1\nadd A 1.2.3.4\nsave A\nlist A\n');
    expect(res.output).toBe(
      [
        'create A hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000001',
        'add A 1.2.3.4',
        'Name: A',
        'Type: hash:ip',
        'Revision: 6',
        'Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000001',
        `Size in memory: ${reg.get('A').byteLength}`,
        'References: 0',
        'Number of entries: 1',
        'Members:',
        '1.2.3.4',
        '',
      ].join('\n'),
    );
    expect(res.messages).toBe(4);
  });

  it('round-trips its own save output', () => {
    const { reg } = newRegistry();
    reg.restore(
      [
        'create A hash:ip,port,net family inet hashsize 64 maxelem 100 comment initval 0x11',
        'add A 1.2.3.4,tcp:80,10.0.0.0/8 comment "x y"',
        'add A 1.2.3.4,udp:53,10.1.0.0/16 nomatch',
        'create B bitmap:port range 100-200 timeout 60 counters',
        'add B 150 timeout 0 packets 3 bytes 9',
        '',
      ].join('\n'),
    );
    const saved = reg.save();
    const { reg: again } = newRegistry(99);
    again.restore(saved);
    expect(again.save()).toBe(saved);
  });
});

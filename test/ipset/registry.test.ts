import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { RegistryIpsetApi } from '../../src/ipset/index.js';
import { newRegistry } from './support.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof KpemuError) return e.code;
    throw e;
  }
  return 'none';
}

describe('IpsetRegistry', () => {
  it('creates sets with kernel defaults and prints them like ipset save', () => {
    const { reg } = newRegistry();
    reg.create('KUBE-CLUSTER-IP', 'hash:ip,port', { initval: 0x8c9a9a65 });
    reg.create('KUBE-NODE-PORT-TCP', 'bitmap:port', { range: { from: 0, to: 65535 } });
    reg.add('KUBE-CLUSTER-IP', '10.0.0.1,tcp:80');
    reg.add('KUBE-NODE-PORT-TCP', '3001');
    expect(reg.save()).toBe(
      [
        'create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x8c9a9a65',
        'add KUBE-CLUSTER-IP 10.0.0.1,tcp:80',
        'create KUBE-NODE-PORT-TCP bitmap:port range 0-65535',
        'add KUBE-NODE-PORT-TCP 3001',
        '',
      ].join('\n'),
    );
  });

  it('rounds hash sizes and bucket sizes as the kernel does', () => {
    const { reg } = newRegistry();
    reg.create('A', 'hash:ip', { hashsize: 100, bucketsize: 5, initval: 1 });
    reg.create('B', 'hash:ip', { hashsize: 0, bucketsize: 99, initval: 1 });
    expect(reg.save()).toContain('create A hash:ip family inet hashsize 128 maxelem 65536 bucketsize 6 initval 0x00000001');
    expect(reg.save()).toContain('create B hash:ip family inet hashsize 64 maxelem 65536 bucketsize 12 initval 0x00000001');
  });

  it('draws init values from the injected Rng', () => {
    const a = newRegistry(7).reg;
    const b = newRegistry(7).reg;
    a.create('S', 'hash:ip');
    b.create('S', 'hash:ip');
    expect(a.save()).toBe(b.save());
  });

  it('handles duplicates with and without -exist', () => {
    const { reg } = newRegistry();
    reg.create('S', 'hash:ip');
    reg.add('S', '1.2.3.4');
    expect(code(() => reg.add('S', '1.2.3.4'))).toBe('IPSET_EXISTS');
    reg.add('S', '1.2.3.4', {}, { exist: true });
    expect(code(() => reg.del('S', '9.9.9.9'))).toBe('IPSET_NOT_MEMBER');
    reg.del('S', '9.9.9.9', { exist: true });
    expect(code(() => reg.create('S', 'hash:ip'))).toBe('IPSET_EXISTS');
    reg.create('S', 'hash:ip', { hashsize: 4096 }, { exist: true });
    expect(code(() => reg.create('S', 'hash:ip', { maxelem: 10 }, { exist: true }))).toBe('IPSET_EXISTS');
    expect(code(() => reg.create('S', 'hash:net', {}, { exist: true }))).toBe('IPSET_TYPE_MISMATCH');
  });

  it('refuses elements past maxelem with IPSET_FULL', () => {
    const { reg } = newRegistry();
    reg.create('S', 'hash:ip', { maxelem: 2 });
    reg.add('S', '1.1.1.1');
    reg.add('S', '1.1.1.2');
    expect(code(() => reg.add('S', '1.1.1.3'))).toBe('IPSET_FULL');
    // Re-adding a present element with -exist is not an add.
    reg.add('S', '1.1.1.2', {}, { exist: true });
    expect(reg.list('S')[0]?.entries.length).toBe(2);
  });

  it('names the bad entry in IPSET_BAD_ENTRY errors', () => {
    const { reg } = newRegistry();
    reg.create('S', 'hash:ip,port');
    reg.create('N', 'hash:net');
    reg.create('B', 'bitmap:port', { range: { from: 1000, to: 2000 } });
    const err = (fn: () => void): KpemuError => {
      try {
        fn();
      } catch (e) {
        return e as KpemuError;
      }
      throw new Error('no error');
    };
    const e1 = err(() => reg.add('S', '1.2.3.4'));
    expect(e1.code).toBe('IPSET_BAD_ENTRY');
    expect(e1.message).toBe('Syntax error: Second element is missing from 1.2.3.4.');
    expect(e1.location?.text).toBe('1.2.3.4');
    expect(err(() => reg.add('S', '1.2.3.300,tcp:80')).message).toBe('Syntax error: cannot parse 1.2.3.300: resolving to IPv4 address failed');
    expect(err(() => reg.add('S', '1.2.3.4,tcp:99999')).message).toBe("Syntax error: '99999' is out of range 0-65535");
    expect(err(() => reg.add('N', '10.0.0.0/33')).message).toBe("Syntax error: '33' is out of range 0-32");
    expect(err(() => reg.add('N', '10.0.0.0/0')).message).toBe('The value of the CIDR parameter of the IP address is invalid');
    expect(err(() => reg.add('B', '999')).message).toBe('Element is out of the range of the set');
    expect(err(() => reg.add('S', '1.2.3.4,tcp:80', { comment: 'x' })).message).toBe('Comment cannot be used: set was created without comment support');
    expect(err(() => reg.add('S', '1.2.3.4,tcp:80', { timeout: 5 })).message).toBe('Timeout cannot be used: set was created without timeout support');
  });

  it('parses addresses like inet_aton and ports with protocols like the ipset tool', () => {
    const { reg } = newRegistry();
    reg.create('A', 'hash:ip', { initval: 5 });
    reg.create('P', 'hash:ip,port', { initval: 5 });
    reg.add('A', '1.1.1'); // 1.1.0.1
    reg.add('A', '010.0.0.1'); // octal 010 = 8
    reg.add('P', '1.1.1.1,80'); // no protocol: tcp
    reg.add('P', '1.1.1.1,UDP:53');
    reg.add('P', '1.1.1.1,icmp:ping');
    reg.add('P', '1.1.1.1,icmp:3/99');
    const texts = (n: string): string[] => (reg.list(n)[0]?.entries ?? []).map((e) => e.text).sort();
    expect(texts('A')).toEqual(['1.1.0.1', '8.0.0.1']);
    expect(texts('P')).toEqual(['1.1.1.1,icmp:3/99', '1.1.1.1,icmp:echo-request', '1.1.1.1,tcp:80', '1.1.1.1,udp:53']);
  });

  it('expands ranges in the kernel order and stops at the first failing element', () => {
    const { reg } = newRegistry();
    reg.create('A', 'hash:ip');
    reg.add('A', '10.0.0.0/30');
    reg.add('A', '10.0.1.1-10.0.1.3');
    expect(reg.list('A')[0]?.entries.length).toBe(7);
    reg.create('P', 'hash:ip,port');
    reg.add('P', '10.0.0.1,tcp:80-81');
    reg.add('P', '10.0.0.1,tcp:83');
    expect(code(() => reg.add('P', '10.0.0.1,tcp:82-84'))).toBe('IPSET_EXISTS');
    // 82 went in before 83 failed; 84 did not.
    expect(reg.test('P', '10.0.0.1,tcp:82')).toBe(true);
    expect(reg.test('P', '10.0.0.1,tcp:84')).toBe(false);
    reg.add('P', '10.0.0.1,tcp:82-84', {}, { exist: true });
    expect(reg.test('P', '10.0.0.1,tcp:84')).toBe(true);
  });

  it('destroys, flushes, renames and swaps with the kernel rules', () => {
    const { reg } = newRegistry();
    reg.create('A', 'hash:ip');
    reg.create('B', 'hash:ip');
    reg.create('C', 'hash:net');
    reg.add('A', '1.1.1.1');
    reg.add('B', '2.2.2.2');
    const ai = reg.indexOf('A');
    reg.addRef(ai);
    expect(code(() => reg.destroy('A'))).toBe('IPSET_IN_USE');
    expect(code(() => reg.destroy())).toBe('IPSET_IN_USE');
    expect(code(() => reg.rename('A', 'Z'))).toBe('IPSET_IN_USE');
    expect(code(() => reg.swap('A', 'C'))).toBe('IPSET_TYPE_MISMATCH');
    expect(code(() => reg.swap('A', 'Q'))).toBe('IPSET_NO_SET');
    // Swapping a referenced set is allowed: the reference stays with the name and index.
    reg.swap('A', 'B');
    expect(reg.test('A', '2.2.2.2')).toBe(true);
    expect(reg.indexOf('A')).toBe(ai);
    expect(reg.references('A')).toBe(1);
    reg.flush('A');
    expect(reg.list('A')[0]?.entries).toEqual([]);
    reg.release(ai);
    reg.rename('A', 'Z');
    expect(code(() => reg.rename('Z', 'B'))).toBe('IPSET_EXISTS');
    reg.destroy('Z');
    expect(reg.has('Z')).toBe(false);
    // The freed index is reused by the next set, so save lists it first.
    reg.create('N', 'hash:ip');
    expect(reg.names()).toEqual(['N', 'B', 'C']);
    reg.destroy();
    expect(reg.names()).toEqual([]);
    expect(code(() => reg.create('0123456789012345678901234567890X', 'hash:ip'))).toBe('IPSET_PARSE');
  });

  it('expires entries on the injected clock and prints remaining seconds', () => {
    const { reg, clock } = newRegistry();
    reg.create('T', 'hash:ip', { timeout: 300, initval: 1 });
    reg.add('T', '1.1.1.1');
    reg.add('T', '1.1.1.2', { timeout: 20 });
    reg.add('T', '1.1.1.3', { timeout: 0 });
    clock.advanceSeconds(10.5);
    const t = (reg.list('T')[0]?.entries ?? []).map((e) => `${e.text} ${e.timeout}`).sort();
    expect(t).toEqual(['1.1.1.1 289', '1.1.1.2 9', '1.1.1.3 0']);
    clock.advanceSeconds(10);
    expect(reg.test('T', '1.1.1.2')).toBe(false);
    expect(reg.list('T')[0]?.entries.length).toBe(2);
    // A timed-out element is replaced by an add without -exist.
    reg.add('T', '1.1.1.2');
    expect(reg.test('T', '1.1.1.2')).toBe(true);
    clock.advanceSeconds(1000);
    reg.gc();
    expect(reg.list('T')[0]?.entries.map((e) => e.text)).toEqual(['1.1.1.3']);
  });

  it('keeps comments and counters per entry', () => {
    const { reg } = newRegistry();
    reg.create('C', 'hash:ip', { comment: true, counters: true, initval: 3 });
    reg.add('C', '1.1.1.1', { comment: 'hello world', packets: 5, bytes: 100 });
    expect(reg.save('C')).toBe(
      'create C hash:ip family inet hashsize 1024 maxelem 65536 counters comment bucketsize 12 initval 0x00000003\nadd C 1.1.1.1 packets 5 bytes 100 comment "hello world"\n',
    );
  });

  it('lists nomatch entries of net types and refuses nomatch elsewhere', () => {
    const { reg } = newRegistry();
    reg.create('N', 'hash:net');
    reg.create('A', 'hash:ip');
    reg.add('N', '10.0.0.0/8');
    reg.add('N', '10.1.0.0/16', { nomatch: true });
    expect(reg.test('N', '10.1.2.3')).toBe(false);
    expect(reg.test('N', '10.2.2.3')).toBe(true);
    expect(reg.test('N', '10.1.0.0/16')).toBe(false);
    expect(reg.test('N', '10.0.0.0/16')).toBe(false);
    expect(code(() => reg.add('A', '1.1.1.1', { nomatch: true }))).toBe('IPSET_PARSE');
  });

  it('serves kube-proxy through IpsetApi and counts calls', () => {
    const { reg } = newRegistry();
    const api = new RegistryIpsetApi(reg);
    api.createSet({ name: 'KUBE-LOOP-BACK', setType: 'hash:ip,port,ip' }, true);
    api.createSet({ name: 'KUBE-LOOP-BACK', setType: 'hash:ip,port,ip' }, true);
    api.createSet({ name: 'KUBE-NODE-PORT-TCP', setType: 'bitmap:port' }, true);
    api.addEntry('10.180.0.1,tcp:80,10.180.0.1', { name: 'KUBE-LOOP-BACK', setType: 'hash:ip,port,ip' }, true);
    expect(api.listEntries('KUBE-LOOP-BACK')).toEqual(['10.180.0.1,tcp:80,10.180.0.1']);
    expect(api.testEntry('10.180.0.1,tcp:80,10.180.0.1', 'KUBE-LOOP-BACK')).toBe(true);
    api.delEntry('10.180.0.1,tcp:80,10.180.0.1', 'KUBE-LOOP-BACK');
    expect(api.listSets()).toEqual(['KUBE-LOOP-BACK', 'KUBE-NODE-PORT-TCP']);
    expect(reg.save('KUBE-NODE-PORT-TCP')).toBe('create KUBE-NODE-PORT-TCP bitmap:port range 0-65535\n');
    expect(api.counts.createSet).toBe(3);
    expect(api.getVersion()).toBe('v7.17');
  });
});

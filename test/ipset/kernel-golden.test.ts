import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { newRegistry } from './support.js';

/**
 * Goldens captured from a real kernel (Linux 6.18, ipset 7.17): given the same init values, the
 * emulated tables put every element in the kernel's bucket and slot, so `ipset save` matches byte
 * for byte, unsorted, including the hash size after resizes.
 */
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('ipset save order equals the kernel', () => {
  it('orders four types by jhash bucket (kernel-order.save)', () => {
    const { reg } = newRegistry();
    const lines = [
      'create T1 hash:ip,port,ip initval 0x12345678',
      'create T2 hash:ip,port,net initval 0x12345678',
      'create T3 hash:net initval 0x12345678',
      'create T4 hash:ip,port initval 0x12345678',
    ];
    for (let i = 1; i <= 20; i++) {
      lines.push(`add T1 10.0.${i}.1,tcp:${80 + i},10.1.0.${i}`);
      lines.push(`add T2 10.0.${i}.1,udp:${80 + i},10.${i}.0.0/${8 + i}`);
      lines.push(`add T3 10.${i}.0.0/${8 + i}`);
      lines.push(`add T4 10.0.${i}.1,icmp:8/0`);
    }
    lines.push('add T2 1.2.3.4,tcp:80,10.0.0.0/8 nomatch', 'add T3 11.0.0.0/8 nomatch');
    reg.restore(`${lines.join('\n')}\n`);
    expect(reg.save()).toBe(fixture('kernel-order.save'));
  });

  it('reproduces resizes, deletes with bucket compaction, counters, comments and the partial restore (kernel-resize.*)', () => {
    const { reg } = newRegistry();
    let err: unknown;
    try {
      reg.restore(fixture('kernel-resize.restore'));
    } catch (e) {
      err = e;
    }
    // The kernel run stopped at the same line: a userspace syntax error, so the pending batch was lost.
    expect(err).toBeInstanceOf(KpemuError);
    expect((err as KpemuError).code).toBe('IPSET_BAD_ENTRY');
    expect((err as KpemuError).location?.line).toBe(1314);
    expect(reg.save()).toBe(fixture('kernel-resize.save'));
  });
});

import { describe, expect, it } from 'vitest';
import { compareSavedEntries } from '../../src/ipset/index.js';
import { newRegistry } from './support.js';

// Orders observed with `ipset -s save` (ipset 7.17).
describe('ipset -s sorting (bystrcmp)', () => {
  it('orders like the tool: numbers by hex value, protocol names by length, longer prefixes first', () => {
    const sort = (xs: string[]): string[] => xs.slice().sort(compareSavedEntries);
    expect(sort(['1.1.1.1,udp:5', '1.1.1.1,tcp:9', '1.1.1.1,sctp:1', '1.1.1.0,udp:99'])).toEqual(['1.1.1.0,udp:99', '1.1.1.1,tcp:9', '1.1.1.1,udp:5', '1.1.1.1,sctp:1']);
    expect(sort(['1.1.1.1,tcp:80,10.0.0.0/8', '1.1.1.1,tcp:80,10.0.0.0/16', '1.1.1.1,tcp:80,9.0.0.0/24'])).toEqual([
      '1.1.1.1,tcp:80,9.0.0.0/24',
      '1.1.1.1,tcp:80,10.0.0.0/16',
      '1.1.1.1,tcp:80,10.0.0.0/8',
    ]);
    expect(sort(['10.0.0.0/7', '10.0.0.0/8', '9.0.0.0/24', '10.0.0.0/16'])).toEqual(['9.0.0.0/24', '10.0.0.0/16', '10.0.0.0/8', '10.0.0.0/7']);
    expect(sort(['1.1.1.1,icmp:echo-reply', '1.1.1.1,tcp:0'])).toEqual(['1.1.1.1,tcp:0', '1.1.1.1,icmp:echo-reply']);
    expect(sort(['10.0.0.10', '100.0.0.1', '9.0.0.1', '10.0.0.9'])).toEqual(['9.0.0.1', '10.0.0.9', '10.0.0.10', '100.0.0.1']);
  });

  it('sorts only hash types in save -s', () => {
    const { reg } = newRegistry();
    reg.create('B', 'bitmap:port', { range: { from: 0, to: 100 } });
    reg.add('B', '50');
    reg.add('B', '7');
    expect(reg.save('B', { sorted: true })).toBe('create B bitmap:port range 0-100\nadd B 7\nadd B 50\n');
  });
});

import { describe, expect, it } from 'vitest';
import { inetAton, parseCUint } from '../../../src/netfilter/text/c-number.js';
import { formatU31Fraction11, parseCDouble } from '../../../src/netfilter/text/c-format.js';

describe('C number parsing as iptables does it', () => {
  it.each([
    ['80', 80],
    ['0', 0],
    ['0x50', 80],
    ['0X1f', 31],
    ['010', 8],
    [' 7', 7],
    ['+7', 7],
    ['-1', -1],
    ['08', -1],
    ['0x', -1],
    ['', -1],
    ['12a', -1],
    ['65536', -1],
  ])('parseCUint(%j, 0, 65535) = %d', (text, want) => {
    expect(parseCUint(text, 0, 65535)).toBe(want);
  });

  it('checks the range', () => {
    expect(parseCUint('0', 1, 10)).toBe(-1);
    expect(parseCUint('4294967295', 0, 0xffffffff)).toBe(0xffffffff);
    expect(parseCUint('4294967296', 0, 0xffffffff)).toBe(-1);
  });

  it.each([
    ['1.2.3.4', 0x01020304],
    ['24', 24],
    ['0x01020304', 0x01020304],
    ['1.2.3', 0x01020003],
    ['1.65535', 0x0100ffff],
    ['010.1.1.1', 0x08010101],
    ['255.255.255.256', -1],
    ['1.2.3.4.5', -1],
    ['', -1],
  ])('inetAton(%j)', (text, want) => {
    expect(inetAton(text)).toBe(want);
  });

  it('formats k/2^31 with %.11f, ties to even as glibc does', () => {
    expect(formatU31Fraction11(2 ** 30)).toBe('0.50000000000');
    expect(formatU31Fraction11(715827883)).toBe('0.33333333349');
    expect(formatU31Fraction11(2 ** 31)).toBe('1.00000000000');
    expect(formatU31Fraction11(0)).toBe('0.00000000000');
    // 2^19 / 2^31 = 0.000244140625 exactly: a tie at the 12th decimal, rounded to even.
    expect(formatU31Fraction11(2 ** 19)).toBe('0.00024414062');
    expect(formatU31Fraction11(3 * 2 ** 19)).toBe('0.00073242188');
  });

  it.each([
    ['0.5', 0.5],
    ['.25', 0.25],
    ['1e-5', 1e-5],
    [' 0.5', 0.5],
    ['0x0.8', 0.5],
    ['0x1p-1', 0.5],
    ['inf', Infinity],
    ['abc', undefined],
    ['0.5x', undefined],
    ['', undefined],
    ['.', undefined],
  ])('parseCDouble(%j)', (text, want) => {
    expect(parseCDouble(text)).toBe(want);
  });

  it('reads nan', () => {
    expect(Number.isNaN(parseCDouble('nan'))).toBe(true);
  });
});

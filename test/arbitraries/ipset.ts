/**
 * fast-check arbitraries for ipset: elements of each modelled type (drawn from small pools so
 * that collisions, duplicates and deletes of present elements actually happen), operation
 * sequences, and restore-like text with noise.
 */
import fc from 'fast-check';
import type { SetTypeName } from '../../src/ipset/index.js';

/** Addresses from a few /24s, so different operations hit the same elements. */
export const poolAddr = fc.tuple(fc.constantFrom(10, 172, 192), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 40 })).map(([a, b, c]) => ((a << 24) | (b << 8) | c) >>> 0);
export const poolPort = fc.constantFrom(53, 80, 443, 8080, 30000);
export const poolProto = fc.constantFrom(6, 17, 132);
export const poolCidr = fc.constantFrom(8, 16, 24, 28, 32);

export interface ElementSpec {
  readonly ip: number;
  readonly proto: number;
  readonly port: number;
  readonly ip2: number;
  readonly cidr: number;
}

const PROTO_TEXT: Readonly<Record<number, string>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

function dotted(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function masked(a: number, cidr: number): number {
  return cidr === 0 ? 0 : (a & ((0xffffffff << (32 - cidr)) >>> 0)) >>> 0;
}

/** An element of `type` in canonical form (net dimensions already masked). */
export function elementArb(type: SetTypeName): fc.Arbitrary<ElementSpec> {
  return fc.record({ ip: poolAddr, proto: poolProto, port: poolPort, ip2: poolAddr, cidr: poolCidr }).map((e) => {
    switch (type) {
      case 'hash:ip':
        return { ip: e.ip, proto: 0, port: 0, ip2: 0, cidr: 0 };
      case 'hash:net':
        return { ip: masked(e.ip, e.cidr), proto: 0, port: 0, ip2: 0, cidr: e.cidr };
      case 'hash:ip,port':
        return { ip: e.ip, proto: e.proto, port: e.port, ip2: 0, cidr: 0 };
      case 'hash:ip,port,ip':
        return { ip: e.ip, proto: e.proto, port: e.port, ip2: e.ip2, cidr: 0 };
      case 'hash:ip,port,net':
        return { ip: e.ip, proto: e.proto, port: e.port, ip2: masked(e.ip2, e.cidr), cidr: e.cidr };
      case 'bitmap:port':
        return { ip: 0, proto: 0, port: e.port, ip2: 0, cidr: 0 };
      default: {
        const never: never = type;
        return never;
      }
    }
  });
}

/** The element as ipset entry text. */
export function elementText(type: SetTypeName, e: ElementSpec): string {
  const net = (a: number, c: number): string => (c === 32 ? dotted(a) : `${dotted(a)}/${c}`);
  switch (type) {
    case 'hash:ip':
      return dotted(e.ip);
    case 'hash:net':
      return net(e.ip, e.cidr);
    case 'hash:ip,port':
      return `${dotted(e.ip)},${PROTO_TEXT[e.proto] ?? 'tcp'}:${e.port}`;
    case 'hash:ip,port,ip':
      return `${dotted(e.ip)},${PROTO_TEXT[e.proto] ?? 'tcp'}:${e.port},${dotted(e.ip2)}`;
    case 'hash:ip,port,net':
      return `${dotted(e.ip)},${PROTO_TEXT[e.proto] ?? 'tcp'}:${e.port},${net(e.ip2, e.cidr)}`;
    case 'bitmap:port':
      return String(e.port);
    default: {
      const never: never = type;
      return never;
    }
  }
}

export const setTypeArb = fc.constantFrom<SetTypeName>('hash:ip', 'hash:ip,port', 'hash:ip,port,ip', 'hash:ip,port,net', 'hash:net', 'bitmap:port');

export type SetOp = { readonly op: 'add' | 'del'; readonly e: ElementSpec; readonly nomatch: boolean };

/** A type with a sequence of adds and deletes over its elements. */
export const opSequenceArb = setTypeArb.chain((type) =>
  fc.record({
    type: fc.constant(type),
    hashsize: fc.constantFrom(64, 128, 1024),
    initval: fc.integer({ min: 0, max: 0xffffffff }),
    ops: fc.array(fc.record({ op: fc.constantFrom<'add' | 'del'>('add', 'add', 'del'), e: elementArb(type), nomatch: fc.boolean() }), { maxLength: 120 }),
  }),
);

/** A packet-ish probe: addresses and ports that the element pools produce, and some that they do not. */
export const probeArb = fc.record({
  src: fc.oneof(poolAddr, fc.integer({ min: 0, max: 0xffffffff })),
  dst: fc.oneof(poolAddr, fc.integer({ min: 0, max: 0xffffffff })),
  proto: fc.oneof(poolProto, fc.constantFrom(1, 47)),
  sport: fc.oneof(poolPort, fc.integer({ min: 0, max: 65535 })),
  dport: fc.oneof(poolPort, fc.integer({ min: 0, max: 65535 })),
  dirs: fc.array(fc.constantFrom<'src' | 'dst'>('src', 'dst'), { minLength: 1, maxLength: 3 }),
});

const wordArb = fc.oneof(
  fc.constantFrom('create', 'add', 'del', 'test', 'destroy', 'flush', 'swap', 'rename', 'list', 'save', 'COMMIT', '-exist', '-!', 'quit', 'help', 'x', 'a', 'd', '-A', '--add'),
  fc.constantFrom('S', 'T', 'hash:ip', 'hash:net', 'bitmap:port', 'hash:ip,port', 'range', '0-100', 'timeout', 'comment', 'nomatch', 'counters', 'hashsize', 'maxelem', '10'),
  fc.constantFrom('1.2.3.4', '10.0.0.0/8', '1.2.3.4,tcp:80', '1.2.3.4,udp:53,10.0.0.0/24', '300.1.1.1', '"a b"', '"', '#', '1.1.1', '0x10', '65536', 'icmp:ping', '80-90'),
  fc.string({ maxLength: 6 }),
);

/** Text that looks a bit like an ipset restore file: plausible words, quotes, comments, junk. */
export const restoreTextArb = fc
  .array(fc.oneof(fc.array(wordArb, { maxLength: 8 }).map((ws) => ws.join(' ')), fc.string({ maxLength: 30 })), { maxLength: 25 })
  .map((lines) => lines.join('\n'));

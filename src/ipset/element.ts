import { formatIpv4, maskOfLength, protocolName } from '../core/index.js';
import type { NetCidrCodec } from './hash-table.js';
import { icmpTypeCodeToText } from './icmp-names.js';
import { bitsPort, ipWord, portBits, wordIp } from './jhash.js';
import type { ElementValue, SetTypeName } from './types.js';

/**
 * Elements as kernel hash keys. Each type's key is its kernel element struct (x86, IPv4) read as
 * little-endian u32 words, so jhash2 over them gives the kernel's bucket:
 *
 * | type | word 0 | word 1 | word 2 |
 * |---|---|---|---|
 * | hash:ip | ip | | |
 * | hash:net | ip (masked) | cidr << 24 (nomatch byte kept 0) | |
 * | hash:ip,port | ip | port (be16) \| proto << 16 | |
 * | hash:ip,port,ip | ip | ip2 | port \| proto << 16 |
 * | hash:ip,port,net | ip | ip2 (masked) | port \| (cidr - 1) << 16 \| proto << 24 |
 *
 * (The layouts were checked against a live kernel's `ipset save` order.)
 */

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;

/** Protocols whose port the kernel stores (ip_set_proto_with_ports); ICMP stores type/code instead. */
export function protoHasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP || proto === IPPROTO_UDPLITE;
}

/** Where the prefix length sits in the key of a net type, for the table's book-keeping. */
export function netCodecOf(type: SetTypeName): NetCidrCodec | undefined {
  switch (type) {
    case 'hash:net':
      return { word: 1, shift: 24, mask: 0xff, bias: 0 };
    case 'hash:ip,port,net':
      return { word: 2, shift: 16, mask: 0x7f, bias: 1 };
    case 'hash:ip':
    case 'hash:ip,port':
    case 'hash:ip,port,ip':
    case 'bitmap:port':
      return undefined;
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** Writes the kernel key of `e` into `out` (at offset 0). Net dimensions are masked to `e.cidr`. */
export function encodeKey(type: SetTypeName, e: ElementValue, out: Uint32Array): void {
  switch (type) {
    case 'hash:ip':
      out[0] = ipWord(e.ip);
      return;
    case 'hash:net':
      out[0] = ipWord((e.ip & maskOfLength(e.cidr)) >>> 0);
      out[1] = (e.cidr << 24) >>> 0;
      return;
    case 'hash:ip,port':
      out[0] = ipWord(e.ip);
      out[1] = (portBits(e.port) | (e.proto << 16)) >>> 0;
      return;
    case 'hash:ip,port,ip':
      out[0] = ipWord(e.ip);
      out[1] = ipWord(e.ip2);
      out[2] = (portBits(e.port) | (e.proto << 16)) >>> 0;
      return;
    case 'hash:ip,port,net':
      out[0] = ipWord(e.ip);
      out[1] = ipWord((e.ip2 & maskOfLength(e.cidr)) >>> 0);
      out[2] = (portBits(e.port) | ((e.cidr - 1) << 16) | (e.proto << 24)) >>> 0;
      return;
    case 'bitmap:port':
      out[0] = e.port;
      return;
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** Reads an element back from its key words. */
export function decodeKey(type: SetTypeName, word: (i: number) => number): ElementValue {
  switch (type) {
    case 'hash:ip':
      return { ip: wordIp(word(0)), proto: 0, port: 0, ip2: 0, cidr: 0 };
    case 'hash:net':
      return { ip: wordIp(word(0)), proto: 0, port: 0, ip2: 0, cidr: (word(1) >>> 24) & 0xff };
    case 'hash:ip,port': {
      const w1 = word(1);
      return { ip: wordIp(word(0)), proto: (w1 >>> 16) & 0xff, port: bitsPort(w1), ip2: 0, cidr: 0 };
    }
    case 'hash:ip,port,ip': {
      const w2 = word(2);
      return { ip: wordIp(word(0)), proto: (w2 >>> 16) & 0xff, port: bitsPort(w2), ip2: wordIp(word(1)), cidr: 0 };
    }
    case 'hash:ip,port,net': {
      const w2 = word(2);
      return { ip: wordIp(word(0)), proto: (w2 >>> 24) & 0xff, port: bitsPort(w2), ip2: wordIp(word(1)), cidr: ((w2 >>> 16) & 0x7f) + 1 };
    }
    case 'bitmap:port':
      return { ip: 0, proto: 0, port: word(0), ip2: 0, cidr: 0 };
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** `proto:port` as ipset prints it (`tcp:80`, `icmp:echo-request`, `icmp:3/99`). */
export function formatProtoPort(proto: number, port: number): string {
  if (proto === IPPROTO_ICMP) return `icmp:${icmpTypeCodeToText(port)}`;
  const name = proto === IPPROTO_UDPLITE ? 'udplite' : protocolName(proto);
  return `${name}:${port}`;
}

function formatNet(addr: number, cidr: number): string {
  return cidr === 32 ? formatIpv4(addr) : `${formatIpv4(addr)}/${cidr}`;
}

/** The element as `ipset save` prints it. */
export function formatElement(type: SetTypeName, e: ElementValue): string {
  switch (type) {
    case 'hash:ip':
      return formatIpv4(e.ip);
    case 'hash:net':
      return formatNet(e.ip, e.cidr);
    case 'hash:ip,port':
      return `${formatIpv4(e.ip)},${formatProtoPort(e.proto, e.port)}`;
    case 'hash:ip,port,ip':
      return `${formatIpv4(e.ip)},${formatProtoPort(e.proto, e.port)},${formatIpv4(e.ip2)}`;
    case 'hash:ip,port,net':
      return `${formatIpv4(e.ip)},${formatProtoPort(e.proto, e.port)},${formatNet(e.ip2, e.cidr)}`;
    case 'bitmap:port':
      return String(e.port);
    default: {
      const never: never = type;
      return never;
    }
  }
}

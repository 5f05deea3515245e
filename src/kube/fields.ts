import type { Protocol } from './types.js';
import { readCidr, readIp, type CidrRead, type IpRead } from './addresses.js';
import { fail, got, int, isSet, str, type Field, type Scope } from './reader.js';

/**
 * Readers for the value types that recur across Kubernetes kinds: protocols, port numbers,
 * addresses. They record errors in the field's scope and return undefined for a bad value.
 */

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** `protocol`, TCP when absent (the API server's default). Case matters: `tcp` is invalid. */
export function readProtocol(f: Field): Protocol | undefined {
  if (!isSet(f)) return 'TCP';
  const text = str(f, 'TCP, UDP or SCTP');
  if (text === undefined) return undefined;
  if (text === '') return 'TCP';
  const found = PROTOCOLS.find((p) => p === text);
  if (found !== undefined) return found;
  fail(f, `expected TCP, UDP or SCTP, got ${JSON.stringify(text)}`, { text });
  return undefined;
}

export const PORT_EXPECTATION = 'a port number 1-65535';

/** A port number 1-65535; `required` makes absence an error. */
export function readPort(f: Field, required: boolean): number | undefined {
  if (!isSet(f)) {
    if (required) fail(f, `expected ${PORT_EXPECTATION}, got ${got(f)}`);
    return undefined;
  }
  return int(f, PORT_EXPECTATION, 1, 65535);
}

/** Reads an IP string field; errors for text that is no address. IPv6 is returned for the caller to judge. */
export function readIpField(f: Field, expected = 'an IPv4 address'): IpRead | undefined {
  const text = str(f, expected);
  if (text === undefined) return undefined;
  const ip = readIp(text);
  if (ip.kind === 'invalid') fail(f, `expected ${expected}, got ${JSON.stringify(text)} (${ip.reason})`, { text });
  return ip;
}

/** Reads a CIDR string field (optionally trimmed first, as the API does for source ranges). */
export function readCidrField(f: Field, options: { trim?: boolean } = {}): CidrRead | undefined {
  const raw = str(f, 'a CIDR such as 10.0.0.0/8');
  if (raw === undefined) return undefined;
  const text = options.trim === true ? raw.trim() : raw;
  const cidr = readCidr(text);
  if (cidr.kind === 'invalid') fail(f, `expected a CIDR such as 10.0.0.0/8, got ${JSON.stringify(raw)} (${cidr.reason})`, { text: raw });
  return cidr;
}

/** The result of reading one object: its value plus what later cross-object checks need. */
export interface Parsed<T> {
  readonly value: T;
  /** e.g. `Service ns1/svc1`. */
  readonly object: string;
  readonly file: string;
  /** 1-based line where the object starts. */
  readonly line: number;
  /** 1-based line of every field path that was read. */
  readonly lines: ReadonlyMap<string, number>;
}

/** Wraps a value read through `scope`, or null when the object had hard errors since `errorsBefore`. */
export function finish<T>(scope: Scope, errorsBefore: number, line: number, value: T): Parsed<T> | null {
  if (scope.errorCount > errorsBefore) return null;
  return { value, object: scope.object, file: scope.file, line, lines: scope.lines };
}

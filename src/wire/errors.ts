/**
 * Errors raised while reading bytes. They are KpemuErrors (callers branch on `code`), with the
 * byte offset where the problem was found kept as a number so tests and traces need not parse
 * the message.
 */
import { KpemuError, type ErrorCode } from '../core/index.js';

type WireCode = Extract<ErrorCode, 'WIRE_TRUNCATED' | 'WIRE_MALFORMED' | 'WIRE_UNSUPPORTED' | 'WIRE_BAD_CHECKSUM'>;

export class WireError extends KpemuError {
  /** Byte offset, from the start of the buffer given to the decoder, where the problem starts. */
  readonly offset: number;

  constructor(code: WireCode, message: string, offset: number, field: string) {
    super(code, message, { location: { field, text: `offset ${offset}` } });
    this.offset = offset;
  }

  /** `what` needed `needed` bytes at `offset` but only `available` were there. */
  static truncated(what: string, offset: number, needed: number, available: number): WireError {
    return new WireError('WIRE_TRUNCATED', `${what} truncated at offset ${offset}: needs ${needed} bytes, ${available} available`, offset, what);
  }

  /** A header field contradicts the format (an IHL below 5, a length shorter than its header). */
  static malformed(what: string, offset: number, detail: string): WireError {
    return new WireError('WIRE_MALFORMED', `${what} malformed at offset ${offset}: ${detail}`, offset, what);
  }

  /** A valid but unmodelled variant (another IP version, a non-Ethernet/IPv4 ARP). */
  static unsupported(what: string, offset: number, detail: string): WireError {
    return new WireError('WIRE_UNSUPPORTED', `${what} unsupported at offset ${offset}: ${detail}`, offset, what);
  }
}

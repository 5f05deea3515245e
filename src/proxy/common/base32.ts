/** RFC 4648 "standard" base32 alphabet (upper case), the one Go's `base32.StdEncoding` uses. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Encodes `bytes[0..length)` as base32 without padding. Five bytes become exactly eight
 * characters, so for a multiple of five bytes the output equals the padded encoding's prefix.
 * Chain hashing only needs the first 16 characters, i.e. the first 10 bytes.
 */
export function base32Encode(bytes: Uint8Array, length = bytes.length): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < length; i++) {
    buffer = ((buffer << 8) | (bytes[i] ?? 0)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

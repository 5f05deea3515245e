import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { decodeFrame, type DecodedFrame, encodeFrame, frameLength, frameSpecOf, WireError } from '../../src/wire/index.js';
import { frameSpecArb } from '../arbitraries/frames.js';

/** Every checksum in a decoded tree, outermost first. */
function checksums(d: DecodedFrame): boolean[] {
  if (d.kind !== 'ipv4') return [];
  const out = [d.ip.checksumOk];
  const l4 = d.l4;
  if (l4.kind === 'raw') return out;
  out.push(l4.checksumOk);
  if (l4.kind === 'udp' && !(l4.payload instanceof Uint8Array)) out.push(...checksums(l4.payload.inner));
  return out;
}

/** Decodes, and fails the property on anything thrown that is not a KpemuError. */
function decodeOrKpemuError(bytes: Uint8Array): DecodedFrame | WireError {
  try {
    return decodeFrame(bytes);
  } catch (e) {
    if (isKpemuError(e) && e instanceof WireError) return e;
    throw e;
  }
}

describe('frame properties', () => {
  it('decode(encode(spec)) gives back the spec', () => {
    fc.assert(
      fc.property(frameSpecArb(), (spec) => {
        const bytes = encodeFrame(spec);
        expect(bytes.length).toBe(frameLength(spec));
        expect(frameSpecOf(decodeFrame(bytes))).toEqual(spec);
      }),
      { numRuns: 500 },
    );
  });

  it('encode(spec(decode(bytes))) gives back the bytes', () => {
    fc.assert(
      fc.property(frameSpecArb(), (spec) => {
        const bytes = encodeFrame(spec);
        expect(encodeFrame(frameSpecOf(decodeFrame(bytes)))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('every checksum of an encoded frame verifies, at every VXLAN depth', () => {
    fc.assert(
      fc.property(frameSpecArb(), (spec) => {
        for (const ok of checksums(decodeFrame(encodeFrame(spec)))) expect(ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('mutated or truncated frames decode to a value or a WireError, never anything else', () => {
    fc.assert(
      fc.property(
        frameSpecArb(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        (spec, flips, cut, truncate) => {
          const bytes = encodeFrame(spec);
          for (const [pos, v] of flips) bytes[pos % bytes.length] = v;
          const input = truncate ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
          const r = decodeOrKpemuError(input);
          if (r instanceof WireError) {
            expect(['WIRE_TRUNCATED', 'WIRE_MALFORMED', 'WIRE_UNSUPPORTED']).toContain(r.code);
            expect(r.offset).toBeGreaterThanOrEqual(0);
            expect(r.offset).toBeLessThanOrEqual(input.length);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('random bytes decode to a value or a WireError', () => {
    const ipv4ish = fc.uint8Array({ minLength: 0, maxLength: 120 }).map((b) => {
      // Steer half the inputs past the Ethernet layer so the deeper decoders see random bytes too.
      if (b.length > 14 && (b[0] as number) % 2 === 0) {
        b[12] = 0x08;
        b[13] = 0x00;
        b[14] = 0x45;
      }
      return b;
    });
    fc.assert(
      fc.property(ipv4ish, (b) => {
        decodeOrKpemuError(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('a single flipped bit in a transport header or payload shows as checksumOk false', () => {
    fc.assert(
      fc.property(frameSpecArb(0), fc.nat(), fc.integer({ min: 0, max: 7 }), (spec, at, bit) => {
        if (spec.kind !== 'ipv4' || spec.l4.kind === 'raw') return;
        if (spec.l4.kind === 'udp' && spec.l4.zeroChecksum === true) return;
        const bytes = encodeFrame(spec);
        const ipHl = 20 + (spec.ip.options?.length ?? 0);
        const l4Start = 14 + ipHl;
        if (bytes.length === l4Start) return;
        const pos = l4Start + (at % (bytes.length - l4Start));
        bytes[pos] = (bytes[pos] as number) ^ (1 << bit);
        const r = decodeOrKpemuError(bytes);
        if (r instanceof WireError) return; // the flip hit a length field
        if (r.kind !== 'ipv4' || r.l4.kind === 'raw') return;
        if (r.l4.kind === 'udp' && r.l4.checksum === 0) return; // the flip made it "no checksum"
        expect(r.ip.checksumOk).toBe(true);
        expect(r.l4.checksumOk).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

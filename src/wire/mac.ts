/**
 * MAC addresses as 6-byte Uint8Arrays (wire order), with text in the `aa:bb:cc:dd:ee:ff` form
 * that `ip link` prints.
 */
import { KpemuError } from '../core/index.js';

/** A 48-bit MAC address: exactly 6 bytes, in the order they appear on the wire. */
export type Mac = Uint8Array;

export const MAC_LENGTH = 6;

const MAC_TEXT = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Parses `aa:bb:cc:dd:ee:ff` (either case). Throws ADDRESS_INVALID naming the text otherwise. */
export function parseMac(text: string): Mac {
  if (!MAC_TEXT.test(text)) throw new KpemuError('ADDRESS_INVALID', `not a MAC address: '${text}' (want aa:bb:cc:dd:ee:ff)`, { location: { text } });
  const mac = new Uint8Array(MAC_LENGTH);
  for (let i = 0; i < MAC_LENGTH; i++) mac[i] = Number.parseInt(text.slice(i * 3, i * 3 + 2), 16);
  return mac;
}

/** Formats 6 bytes starting at `offset` as lower-case `aa:bb:cc:dd:ee:ff`. */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  let s = '';
  for (let i = 0; i < MAC_LENGTH; i++) {
    const v = bytes[offset + i] ?? 0;
    s += (i === 0 ? '' : ':') + (v < 16 ? '0' : '') + v.toString(16);
  }
  return s;
}

/** A copy of the 6 bytes at `offset` (decoded values own their MACs). */
export function readMac(bytes: Uint8Array, offset: number): Mac {
  return bytes.slice(offset, offset + MAC_LENGTH);
}

/** Writes `mac` at `offset`. Throws ADDRESS_INVALID when `mac` is not 6 bytes. */
export function writeMac(bytes: Uint8Array, offset: number, mac: Mac): void {
  if (mac.length !== MAC_LENGTH) throw new KpemuError('ADDRESS_INVALID', `a MAC address has 6 bytes, got ${mac.length}`);
  bytes.set(mac, offset);
}

/** True when both MACs have the same 6 bytes. */
export function macEquals(a: Mac, b: Mac): boolean {
  if (a.length !== MAC_LENGTH || b.length !== MAC_LENGTH) return false;
  for (let i = 0; i < MAC_LENGTH; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** ff:ff:ff:ff:ff:ff. A fresh copy each call so that callers may not alias a shared constant. */
export function broadcastMac(): Mac {
  return new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
}

/** 00:00:00:00:00:00, the target hardware address of an ARP request. */
export function zeroMac(): Mac {
  return new Uint8Array(MAC_LENGTH);
}

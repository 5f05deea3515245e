/**
 * flannel.1's receive checks (`vxlan_rcv` in drivers/net/vxlan/vxlan_core.c), in the kernel's
 * order: the outer UDP destination port must be the device's (otherwise no VXLAN socket gets the
 * packet), the header must be complete, the I flag set, the VNI that of a device on the socket,
 * and no unprocessed flag or reserved bit left (GBP bits count only when the device has GBP).
 * Then the inner frame: at least an Ethernet header, a source MAC that is not the device's own,
 * and a destination that is the device's MAC or a group address (else PACKET_OTHERHOST, which
 * IPv4 input drops; flannel.1 is not promiscuous).
 */
import { VXLAN_FLAG_G, VXLAN_FLAG_I, VXLAN_GBP_DONT_LEARN, VXLAN_GBP_POLICY_APPLIED, VXLAN_HEADER_LENGTH, ETHERNET_HEADER_LENGTH } from '../wire/index.js';
import type { DecapDropReason } from './vxlan-drop.js';
import type { VxlanDeviceConfig } from './vtep.js';

export type DecapVerdict = 'ok' | DecapDropReason;

/**
 * The header checks on already parsed fields (the numeric packet path): `dport` the outer UDP
 * destination port, `flags` VXLAN byte 0, `vni` the 24-bit VNI. Allocation-free.
 */
export function vxlanDecapVerdict(dport: number, flags: number, vni: number, vtep: VxlanDeviceConfig): DecapVerdict {
  if (dport !== vtep.port) return 'vxlan-wrong-port';
  if ((flags & VXLAN_FLAG_I) === 0) return 'vxlan-invalid-header';
  if (vni !== vtep.vni) return 'vxlan-vni-not-found';
  const allowed = VXLAN_FLAG_I | (vtep.gbp ? VXLAN_FLAG_G : 0);
  return (flags & ~allowed & 0xff) !== 0 ? 'vxlan-invalid-header' : 'ok';
}

/**
 * The full receive check on bytes: the UDP payload (VXLAN header then inner frame) lies in
 * `bytes[offset, end)`, `dport` is the outer UDP destination port. On 'ok' the inner Ethernet
 * frame starts at `offset + 8`. Allocation-free.
 */
export function vxlanDecapVerdictBytes(bytes: Uint8Array, offset: number, end: number, dport: number, vtep: VxlanDeviceConfig): DecapVerdict {
  if (dport !== vtep.port) return 'vxlan-wrong-port';
  if (end - offset < VXLAN_HEADER_LENGTH || end > bytes.length) return 'vxlan-truncated';
  const flags = bytes[offset] as number;
  if ((flags & VXLAN_FLAG_I) === 0) return 'vxlan-invalid-header';
  const vni = ((bytes[offset + 4] as number) << 16) | ((bytes[offset + 5] as number) << 8) | (bytes[offset + 6] as number);
  if (vni !== vtep.vni) return 'vxlan-vni-not-found';
  // What vxlan_rcv leaves in `unparsed` after taking the I flag, the VNI and (with GBP) the
  // G flag, the D/A bits and the policy ID: any bit still set makes the packet malformed.
  let rest = flags & ~VXLAN_FLAG_I & 0xff;
  let gbpByte = bytes[offset + 1] as number;
  let policy = ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
  if (vtep.gbp && (flags & VXLAN_FLAG_G) !== 0) {
    rest &= ~VXLAN_FLAG_G & 0xff;
    gbpByte &= ~(VXLAN_GBP_DONT_LEARN | VXLAN_GBP_POLICY_APPLIED) & 0xff;
    policy = 0;
  }
  if (rest !== 0 || gbpByte !== 0 || policy !== 0 || (bytes[offset + 7] as number) !== 0) return 'vxlan-invalid-header';

  const inner = offset + VXLAN_HEADER_LENGTH;
  if (end - inner < ETHERNET_HEADER_LENGTH) return 'vxlan-truncated';
  if (macAt(bytes, inner + 6, vtep.mac)) return 'vxlan-local-mac';
  // Group bit (broadcast, multicast) set: the device takes it; otherwise it must be ours.
  if (((bytes[inner] as number) & 1) === 0 && !macAt(bytes, inner, vtep.mac)) return 'vxlan-inner-otherhost';
  return 'ok';
}

/** True when the 6 bytes at `offset` spell `mac` (`aa:bb:cc:dd:ee:ff`, either case); reads the text in place. */
function macAt(bytes: Uint8Array, offset: number, mac: string): boolean {
  for (let i = 0; i < 6; i++) {
    const byte = (hexDigit(mac.charCodeAt(i * 3)) << 4) | hexDigit(mac.charCodeAt(i * 3 + 1));
    if ((bytes[offset + i] as number) !== byte) return false;
  }
  return true;
}

/** Value of one hex digit's char code; -1 (never equal to a byte) for anything else. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

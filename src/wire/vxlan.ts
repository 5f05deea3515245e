/**
 * The 8-byte VXLAN header (RFC 7348), with the optional Group Based Policy extension
 * (draft-smith-vxlan-group-policy, Linux `VXLAN_F_GBP`):
 *
 *   byte 0: flags; 0x08 = I (VNI valid), 0x80 = G (GBP present)
 *   byte 1: GBP flags; 0x40 = D (don't learn), 0x08 = A (policy applied); reserved without GBP
 *   bytes 2-3: GBP group policy ID (Linux takes it from skb->mark); reserved without GBP
 *   bytes 4-6: VNI, 24 bits big-endian;  byte 7: reserved
 */
import { EMPTY_BYTES, getU16, getU8, need, putU16 } from './bytes.js';

export const VXLAN_HEADER_LENGTH = 8;
/** The port the Linux VXLAN driver (and so flannel) uses by default. */
export const VXLAN_PORT_LINUX = 8472;
/** The IANA-assigned port (RFC 7348). */
export const VXLAN_PORT_IANA = 4789;
/** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14): flannel's `encapOverhead`. */
export const VXLAN_OVERHEAD = 50;
export const VXLAN_FLAG_I = 0x08;
export const VXLAN_FLAG_G = 0x80;
export const VXLAN_GBP_DONT_LEARN = 0x40;
export const VXLAN_GBP_POLICY_APPLIED = 0x08;

/** The Group Based Policy fields. */
export interface VxlanGbp {
  readonly dontLearn: boolean;
  readonly policyApplied: boolean;
  /** uint16. */
  readonly policyId: number;
}

/** A parsed VXLAN header. */
export interface VxlanHeader {
  /** Byte 0 as on the wire (0x08 normally; 0x88 with GBP). */
  readonly flags: number;
  /** 24-bit VXLAN network identifier. */
  readonly vni: number;
  /** Present when the G flag is set. */
  readonly gbp?: VxlanGbp;
}

/** A checked view over a VXLAN header. */
export class VxlanView {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /** Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when, before `end`, fewer than 8 bytes remain. */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, VXLAN_HEADER_LENGTH, 'vxlan header', end);
    this.b = bytes;
    this.o = offset;
    return this;
  }

  get flags(): number {
    return getU8(this.b, this.o);
  }
  get vni(): number {
    return (getU8(this.b, this.o + 4) << 16) | (getU8(this.b, this.o + 5) << 8) | getU8(this.b, this.o + 6);
  }
  get hasGbp(): boolean {
    return (this.flags & VXLAN_FLAG_G) !== 0;
  }
  get gbpFlags(): number {
    return getU8(this.b, this.o + 1);
  }
  get policyId(): number {
    return getU16(this.b, this.o + 2);
  }
  /** Offset of the inner Ethernet frame. */
  get innerOffset(): number {
    return this.o + VXLAN_HEADER_LENGTH;
  }

  toHeader(): VxlanHeader {
    const flags = this.flags;
    if (!this.hasGbp) return { flags, vni: this.vni };
    const g = this.gbpFlags;
    return {
      flags,
      vni: this.vni,
      gbp: { dontLearn: (g & VXLAN_GBP_DONT_LEARN) !== 0, policyApplied: (g & VXLAN_GBP_POLICY_APPLIED) !== 0, policyId: this.policyId },
    };
  }
}

/** Parses the VXLAN header at `offset`. Throws WIRE_TRUNCATED when it does not fit. */
export function parseVxlan(bytes: Uint8Array, offset = 0): VxlanHeader {
  return new VxlanView().wrap(bytes, offset).toHeader();
}

/**
 * Writes a VXLAN header for `vni` (24 bits) at `offset`: flags I (and G with `gbp`), reserved
 * bytes zero. Returns the offset of the inner frame.
 */
export function writeVxlan(bytes: Uint8Array, offset: number, vni: number, gbp?: VxlanGbp): number {
  bytes[offset] = VXLAN_FLAG_I | (gbp === undefined ? 0 : VXLAN_FLAG_G);
  if (gbp === undefined) {
    bytes[offset + 1] = 0;
    putU16(bytes, offset + 2, 0);
  } else {
    bytes[offset + 1] = (gbp.dontLearn ? VXLAN_GBP_DONT_LEARN : 0) | (gbp.policyApplied ? VXLAN_GBP_POLICY_APPLIED : 0);
    putU16(bytes, offset + 2, gbp.policyId);
  }
  bytes[offset + 4] = (vni >>> 16) & 0xff;
  bytes[offset + 5] = (vni >>> 8) & 0xff;
  bytes[offset + 6] = vni & 0xff;
  bytes[offset + 7] = 0;
  return offset + VXLAN_HEADER_LENGTH;
}

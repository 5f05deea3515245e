/**
 * ARP for IPv4 over Ethernet (RFC 826): hardware type 1, protocol 0x0800, lengths 6 and 4.
 * Other hardware/protocol combinations are reported as WIRE_UNSUPPORTED.
 */
import { EMPTY_BYTES, getU16, getU32, getU8, need, putU16, putU32 } from './bytes.js';
import { WireError } from './errors.js';
import { readMac, writeMac, type Mac } from './mac.js';

export const ARP_LENGTH = 28;
export const ARP_OP = { request: 1, reply: 2 } as const;
export type ArpOperation = (typeof ARP_OP)[keyof typeof ARP_OP];

/** A parsed ARP message. Addresses are uint32 in host order. */
export interface ArpPacket {
  readonly op: ArpOperation;
  readonly senderMac: Mac;
  readonly senderIp: number;
  /** All zeros in a request. */
  readonly targetMac: Mac;
  readonly targetIp: number;
}

/** A checked view over an Ethernet/IPv4 ARP message. */
export class ArpView {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /**
   * Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when, before `end`, fewer than 28 bytes remain,
   * WIRE_UNSUPPORTED when it is not Ethernet/IPv4 ARP or the operation is not request/reply.
   */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, ARP_LENGTH, 'arp', end);
    const htype = getU16(bytes, offset);
    const ptype = getU16(bytes, offset + 2);
    const hlen = getU8(bytes, offset + 4);
    const plen = getU8(bytes, offset + 5);
    if (htype !== 1 || ptype !== 0x0800 || hlen !== 6 || plen !== 4) {
      throw WireError.unsupported('arp', offset, `htype ${htype} ptype 0x${ptype.toString(16)} hlen ${hlen} plen ${plen}; only Ethernet/IPv4 ARP is modelled`);
    }
    const op = getU16(bytes, offset + 6);
    if (op !== ARP_OP.request && op !== ARP_OP.reply) throw WireError.unsupported('arp', offset + 6, `operation ${op}`);
    this.b = bytes;
    this.o = offset;
    return this;
  }

  get op(): ArpOperation {
    return getU16(this.b, this.o + 6) as ArpOperation;
  }
  get senderMac(): Mac {
    return readMac(this.b, this.o + 8);
  }
  get senderIp(): number {
    return getU32(this.b, this.o + 14);
  }
  get targetMac(): Mac {
    return readMac(this.b, this.o + 18);
  }
  get targetIp(): number {
    return getU32(this.b, this.o + 24);
  }

  toPacket(): ArpPacket {
    return { op: this.op, senderMac: this.senderMac, senderIp: this.senderIp, targetMac: this.targetMac, targetIp: this.targetIp };
  }
}

/** Parses the ARP message at `offset` (see {@link ArpView.wrap} for the errors). */
export function parseArp(bytes: Uint8Array, offset = 0): ArpPacket {
  return new ArpView().wrap(bytes, offset).toPacket();
}

/** Writes an ARP message at `offset`; returns the offset after it. Precondition: 28 bytes fit. */
export function writeArp(bytes: Uint8Array, offset: number, a: ArpPacket): number {
  putU16(bytes, offset, 1);
  putU16(bytes, offset + 2, 0x0800);
  bytes[offset + 4] = 6;
  bytes[offset + 5] = 4;
  putU16(bytes, offset + 6, a.op);
  writeMac(bytes, offset + 8, a.senderMac);
  putU32(bytes, offset + 14, a.senderIp);
  writeMac(bytes, offset + 18, a.targetMac);
  putU32(bytes, offset + 24, a.targetIp);
  return offset + ARP_LENGTH;
}

/**
 * Ethernet II header (no 802.1Q tag, no FCS: captures and the kernel's skb never carry the FCS).
 */
import { EMPTY_BYTES, getU16, need, putU16 } from './bytes.js';
import { readMac, writeMac, type Mac } from './mac.js';

export const ETHERNET_HEADER_LENGTH = 14;
/**
 * Smallest Ethernet frame without FCS (64 − 4). NICs pad shorter frames on transmit; captures on
 * the sending host and on veth pairs show them unpadded.
 */
export const ETHERNET_MIN_FRAME_LENGTH = 60;

export const ETHERTYPE = { ipv4: 0x0800, arp: 0x0806 } as const;
export type KnownEthertype = (typeof ETHERTYPE)[keyof typeof ETHERTYPE];

/** The parsed Ethernet header. */
export interface EthernetHeader {
  readonly dstMac: Mac;
  readonly srcMac: Mac;
  /** uint16. */
  readonly ethertype: number;
}

/** A checked view over an Ethernet header: `wrap` checks the length once, accessors then cannot fail. */
export class EthernetView {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /** Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when, before `end`, fewer than 14 bytes remain. */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, ETHERNET_HEADER_LENGTH, 'ethernet header', end);
    this.b = bytes;
    this.o = offset;
    return this;
  }

  get dstMac(): Mac {
    return readMac(this.b, this.o);
  }
  get srcMac(): Mac {
    return readMac(this.b, this.o + 6);
  }
  get ethertype(): number {
    return getU16(this.b, this.o + 12);
  }
  set ethertype(v: number) {
    putU16(this.b, this.o + 12, v);
  }
  /** Offset of the first byte after the header. */
  get payloadOffset(): number {
    return this.o + ETHERNET_HEADER_LENGTH;
  }

  toHeader(): EthernetHeader {
    return { dstMac: this.dstMac, srcMac: this.srcMac, ethertype: this.ethertype };
  }
}

/** Parses the Ethernet header at `offset`. Throws WIRE_TRUNCATED when it does not fit. */
export function parseEthernet(bytes: Uint8Array, offset = 0): EthernetHeader {
  return new EthernetView().wrap(bytes, offset).toHeader();
}

/** Writes an Ethernet header at `offset` and returns the offset after it. Precondition: 14 bytes fit. */
export function writeEthernet(bytes: Uint8Array, offset: number, h: EthernetHeader): number {
  writeMac(bytes, offset, h.dstMac);
  writeMac(bytes, offset + 6, h.srcMac);
  putU16(bytes, offset + 12, h.ethertype);
  return offset + ETHERNET_HEADER_LENGTH;
}

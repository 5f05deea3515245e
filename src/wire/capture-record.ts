/** One captured frame, as the pcap and pcapng writers take it. */
export interface CaptureRecord {
  /** Capture time in microseconds since the Unix epoch (a non-negative integer). */
  readonly timestampUs: number;
  /** The Ethernet frame, bytes (no FCS). */
  readonly frame: Uint8Array;
  /**
   * The device the frame was seen on (`eth0`, `flannel.1`, `node1/cni0`, ...). pcapng writes one
   * interface per distinct label; classic pcap has no per-packet interface and drops it.
   */
  readonly device?: string;
  /** A free-text note (the trace step); pcapng stores it as the packet's opt_comment. */
  readonly comment?: string;
}

/** A frame read back from a capture file. */
export interface ReadRecord {
  readonly timestampUs: number;
  /** The captured bytes (at most the snapshot length); a view into the file's bytes. */
  readonly frame: Uint8Array;
  /** The frame's length on the wire, bytes (larger than `frame.length` when cut by the snaplen). */
  readonly originalLength: number;
}

/** LINKTYPE_ETHERNET: frames start with an Ethernet II header. */
export const LINKTYPE_ETHERNET = 1;
/** tcpdump's default snapshot length since 4.99 / libpcap 1.10. */
export const DEFAULT_SNAPLEN = 262144;

/** Splits microseconds into whole seconds and the remaining microseconds. */
export function splitMicros(us: number): { readonly sec: number; readonly usec: number } {
  const sec = Math.floor(us / 1_000_000);
  return { sec, usec: us - sec * 1_000_000 };
}

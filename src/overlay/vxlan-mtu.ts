/**
 * The MTU check when the kernel forwards an inner packet into flannel.1 (`ip_forward` →
 * `ip_exceeds_mtu`): a packet longer than the device MTU is fragmented when its DF bit is clear
 * and dropped with ICMP "fragmentation needed" (type 3 code 4, next-hop MTU = the device MTU)
 * when DF is set. The outer packet never needs this: flannel.1's MTU leaves the 50 bytes.
 */
import type { VxlanDeviceConfig } from './vtep.js';

export type MtuVerdict = 'fits' | 'fragment' | 'frag-needed';

/**
 * Allocation-free check. `length` is the inner IPv4 total length in bytes, `df` its DF bit, `mtu`
 * the flannel.1 MTU in bytes.
 */
export function innerMtuVerdict(length: number, df: boolean, mtu: number): MtuVerdict {
  if (length <= mtu) return 'fits';
  return df ? 'frag-needed' : 'fragment';
}

/** The ICMP error the forwarding node sends back for a DF packet too big for flannel.1. */
export interface FragNeeded {
  readonly kind: 'frag-needed';
  /** The next-hop MTU the ICMP message carries: flannel.1's MTU, bytes. */
  readonly mtu: number;
  readonly icmpType: 3;
  readonly icmpCode: 4;
}

export type MtuCheck = { readonly kind: 'fits' } | { readonly kind: 'fragment'; readonly mtu: number } | FragNeeded;

/** {@link innerMtuVerdict} with the details a trace shows. */
export function checkInnerMtu(length: number, df: boolean, device: VxlanDeviceConfig | number): MtuCheck {
  const mtu = typeof device === 'number' ? device : device.mtu;
  const verdict = innerMtuVerdict(length, df, mtu);
  switch (verdict) {
    case 'fits':
      return { kind: 'fits' };
    case 'fragment':
      return { kind: 'fragment', mtu };
    case 'frag-needed':
      return { kind: 'frag-needed', mtu, icmpType: 3, icmpCode: 4 };
  }
}

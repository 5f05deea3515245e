/** IP protocol numbers kpemu models, and their iptables names. */
export const IPPROTO = { icmp: 1, tcp: 6, udp: 17, sctp: 132 } as const;
export type ProtocolName = keyof typeof IPPROTO;
export type ProtocolNumber = (typeof IPPROTO)[ProtocolName];

export function protocolName(n: number): string {
  switch (n) {
    case 1:
      return 'icmp';
    case 6:
      return 'tcp';
    case 17:
      return 'udp';
    case 132:
      return 'sctp';
    default:
      return String(n);
  }
}

/** Protocols with 16-bit ports. */
export function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132;
}

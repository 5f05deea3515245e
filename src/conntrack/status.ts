/** Connection status bits (the kernel's IPS_* bits that kpemu models). */
export const CT_STATUS = {
  EXPECTED: 1 << 0,
  SEEN_REPLY: 1 << 1,
  ASSURED: 1 << 2,
  CONFIRMED: 1 << 3,
  SRC_NAT: 1 << 4,
  DST_NAT: 1 << 5,
  SRC_NAT_DONE: 1 << 7,
  DST_NAT_DONE: 1 << 8,
} as const;

/** TCP conntrack states (nf_conntrack_proto_tcp's names). */
export const TCP_STATE = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  FIN_WAIT: 4,
  CLOSE_WAIT: 5,
  LAST_ACK: 6,
  TIME_WAIT: 7,
  CLOSE: 8,
} as const;
export type TcpState = (typeof TCP_STATE)[keyof typeof TCP_STATE];
export const TCP_STATE_NAMES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE'] as const;

/** Timeouts in seconds: the kernel's defaults (nf_conntrack_*_timeout sysctls). */
export interface ConntrackTimeouts {
  readonly tcp: Readonly<Record<Exclude<keyof typeof TCP_STATE, 'NONE'>, number>>;
  readonly udp: number;
  readonly udpStream: number;
  readonly icmp: number;
  readonly generic: number;
}

export const DEFAULT_TIMEOUTS: ConntrackTimeouts = {
  tcp: { SYN_SENT: 120, SYN_RECV: 60, ESTABLISHED: 432000, FIN_WAIT: 120, CLOSE_WAIT: 60, LAST_ACK: 30, TIME_WAIT: 120, CLOSE: 10 },
  udp: 30,
  udpStream: 120,
  icmp: 30,
  generic: 600,
};

/**
 * IPVS per-protocol connection states and timeouts (ip_vs_proto_tcp.c, ip_vs_proto_udp.c).
 * TCP follows the kernel's state table (the non-"secure_tcp" one); the direction decides which
 * third of the table applies: INPUT (client to VIP), OUTPUT (real server replies, NAT) or
 * INPUT_ONLY (forwarding methods without replies through the director).
 */

export const TCP_STATES = [
  'NONE',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'SYNACK',
] as const;
export type TcpStateName = (typeof TCP_STATES)[number];

export const TCP_S = {
  NONE: 0,
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT: 4,
  TIME_WAIT: 5,
  CLOSE: 6,
  CLOSE_WAIT: 7,
  LAST_ACK: 8,
  LISTEN: 9,
  SYNACK: 10,
} as const;

/** Default TCP state timeouts in seconds (tcp_timeouts[]). */
export const TCP_TIMEOUTS_S: readonly number[] = [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120];
/** UDP has one state; default 300 s (udp_timeouts[IP_VS_UDP_S_NORMAL]). */
export const UDP_TIMEOUT_S = 300;
/**
 * SCTP is modelled with one established-like state (kpemu does not see SCTP chunk types); its
 * timeout is the kernel's SCTP ESTABLISHED default.
 */
export const SCTP_TIMEOUT_S = 900;

/** Packet directions of ip_vs_set_state. */
export const DIR_INPUT = 0;
export const DIR_OUTPUT = 1;
export const DIR_INPUT_ONLY = 2;

const sNO = 0;
const sES = 1;
const sSS = 2;
const sSR = 3;
const sFW = 4;
const sTW = 5;
const sCL = 6;
const sCW = 7;
const sLA = 8;
const sLI = 9;
const sSA = 10;

/** tcp_states[]: rows syn, fin, ack, rst for INPUT, OUTPUT, INPUT_ONLY; columns are the current state. */
const TCP_TABLE: readonly (readonly number[])[] = [
  // INPUT
  [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
  [sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
  // OUTPUT
  [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
  [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
  [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
  [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
  // INPUT_ONLY
  [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
  [sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW],
  [sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
  [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL],
];

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

/**
 * The next TCP state for a packet with `tcpFlags` seen in `dir` (set_tcp_state): RST wins over
 * SYN over FIN over ACK; a packet with none of them moves the connection to CLOSE, as the kernel
 * does.
 */
export function nextTcpState(state: number, dir: number, tcpFlags: number): number {
  let idx: number;
  if (tcpFlags & TCP_RST) idx = 3;
  else if (tcpFlags & TCP_SYN) idx = 0;
  else if (tcpFlags & TCP_FIN) idx = 1;
  else if (tcpFlags & TCP_ACK) idx = 2;
  else return sCL;
  const row = TCP_TABLE[dir * 4 + idx] as readonly number[];
  return row[state] as number;
}

/** Timeouts in seconds, adjustable like `ipvsadm --set tcp tcpfin udp`. */
export class ProtoTimeouts {
  readonly tcp: number[] = TCP_TIMEOUTS_S.slice();
  udp = UDP_TIMEOUT_S;
  sctp = SCTP_TIMEOUT_S;

  /** `ipvsadm --set`: 0 leaves a value unchanged. Seconds. */
  set(tcpEstablished: number, tcpFin: number, udp: number): void {
    if (tcpEstablished > 0) this.tcp[TCP_S.ESTABLISHED] = tcpEstablished;
    if (tcpFin > 0) this.tcp[TCP_S.FIN_WAIT] = tcpFin;
    if (udp > 0) this.udp = udp;
  }
}

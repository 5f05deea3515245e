import { TCP_FLAGS } from '../packet/index.js';
import { TCP_STATE, type TcpState } from './status.js';

/**
 * A reduced form of nf_conntrack_proto_tcp's state table: enough for connection setup,
 * teardown and resets as kpemu traces them. Sequence-window tracking is not modelled, so
 * out-of-window packets are not INVALID here (documented in the README).
 *
 * Returns the new state, or -1 when the packet is invalid for the connection.
 */
export function nextTcpState(state: TcpState, flags: number, reply: boolean): number {
  const syn = (flags & TCP_FLAGS.SYN) !== 0;
  const ack = (flags & TCP_FLAGS.ACK) !== 0;
  const fin = (flags & TCP_FLAGS.FIN) !== 0;
  const rst = (flags & TCP_FLAGS.RST) !== 0;
  // A reset cannot start a connection; on an existing one it closes it.
  if (rst) return state === TCP_STATE.NONE ? -1 : TCP_STATE.CLOSE;
  switch (state) {
    case TCP_STATE.NONE:
      if (syn && !ack && !reply) return TCP_STATE.SYN_SENT;
      // nf_conntrack_tcp_loose=1 (the default) picks up connections in the middle.
      if (ack && !syn) return TCP_STATE.ESTABLISHED;
      return -1;
    case TCP_STATE.SYN_SENT:
      if (reply && syn && ack) return TCP_STATE.SYN_RECV;
      if (!reply && syn && !ack) return TCP_STATE.SYN_SENT;
      if (reply && syn && !ack) return TCP_STATE.SYN_RECV; // simultaneous open
      return state;
    case TCP_STATE.SYN_RECV:
      if (!reply && ack && !syn) return fin ? TCP_STATE.FIN_WAIT : TCP_STATE.ESTABLISHED;
      return state;
    case TCP_STATE.ESTABLISHED:
      if (fin) return TCP_STATE.FIN_WAIT;
      return state;
    case TCP_STATE.FIN_WAIT:
      if (fin) return TCP_STATE.LAST_ACK;
      if (ack) return TCP_STATE.CLOSE_WAIT;
      return state;
    case TCP_STATE.CLOSE_WAIT:
      if (fin) return TCP_STATE.LAST_ACK;
      return state;
    case TCP_STATE.LAST_ACK:
      if (ack) return TCP_STATE.TIME_WAIT;
      return state;
    case TCP_STATE.TIME_WAIT:
      if (syn && !ack && !reply) return TCP_STATE.SYN_SENT; // reopened
      return state;
    case TCP_STATE.CLOSE:
      if (syn && !ack && !reply) return TCP_STATE.SYN_SENT;
      return state;
    default:
      return -1;
  }
}

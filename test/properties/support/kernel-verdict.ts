/**
 * The oracle's common language for one first packet at the node under test: the conntrack entry
 * the node kept (`entry ENDPOINT:PORT>REPLY-DST`, i.e. where it was DNATed and the address the
 * reply goes to, which is the masquerade address when source-NATed; the masquerade port is random
 * and left out), or `rejected WITH` (the REJECT's answer), or `no-entry`: dropped, or passed
 * untracked (a namespace without conntrack users tracks nothing; with kube-proxy's rules it is a
 * drop). The kernel's view comes
 * from `conntrack -L`, the ICMP errors and socket errors the sender saw; the emulator's from its
 * node's connection table over every outcome of the random draws.
 */
import { formatIpv4 } from '../../../src/core/index.js';
import type { NetNamespace } from '../../../src/node/index.js';
import type { ConntrackEntry } from '../../support/kernel-lab.js';
import type { BatchResult, KernelProbe } from './kernel-sender.js';

const PROTO_NUM: Readonly<Record<KernelProbe['proto'], number>> = { tcp: 6, udp: 17, sctp: 132 };
const ICMP_REJECT: Readonly<Record<number, string>> = {
  0: 'icmp-net-unreachable',
  1: 'icmp-host-unreachable',
  2: 'icmp-proto-unreachable',
  3: 'icmp-port-unreachable',
  9: 'icmp-net-prohibited',
  10: 'icmp-host-prohibited',
  13: 'icmp-admin-prohibited',
};

export function entryKey(replySrc: string, replySport: number, replyDst: string): string {
  return `entry ${replySrc}:${replySport}>${replyDst}`;
}

/** The kernel's verdict on one probe. */
export function kernelVerdict(p: KernelProbe, entries: readonly ConntrackEntry[], batch: BatchResult): string {
  const e = entries.find((x) => x.proto === p.proto && x.orig.src === p.src && x.orig.dst === p.dst && x.orig.sport === p.sport && x.orig.dport === p.dport);
  if (e !== undefined) return entryKey(e.reply.src, e.reply.sport, e.reply.dst);
  const u = batch.unreachable.find((x) => x.proto === PROTO_NUM[p.proto] && x.src === p.src && x.dst === p.dst && x.sport === p.sport && x.dport === p.dport);
  if (u !== undefined) return `rejected ${ICMP_REJECT[u.code] ?? `icmp-code-${u.code}`}`;
  if (p.proto === 'tcp' && batch.socketErrors.get(p.id) === 111) return 'rejected tcp-reset';
  return 'no-entry';
}

/** The emulator's verdict, read from a namespace's table after one attempt. */
export function emulatedVerdict(ns: NetNamespace, pkt: { src: number; dst: number; sport: number; dport: number; proto: number }, outcome: string, rejectWith: string): string {
  const t = ns.conntrack.table;
  const v = t.find(pkt.src, pkt.dst, pkt.sport, pkt.dport, pkt.proto);
  if (v >= 0 && (v & 1) === 0) {
    const i = v >> 1;
    return entryKey(formatIpv4(t.rSrc[i] as number), t.rSport[i] as number, formatIpv4(t.rDst[i] as number));
  }
  if (outcome === 'rejected') return `rejected ${rejectWith === '' ? 'icmp-port-unreachable' : rejectWith}`;
  return 'no-entry';
}

import { formatIpv4 } from '../core/index.js';
import type { Dest } from './dest.js';
import type { Ipvs } from './ipvs.js';
import type { VirtualService } from './service.js';
import { SVC_FLAGS } from './types.js';

/**
 * `ipvsadm -Ln` and `ipvsadm -Sn` output as ipvsadm 1.31 prints it (format strings checked in
 * the Debian 1.31 binary): services and real servers sorted the way libipvs sorts them (protocol,
 * then address by a signed 32-bit difference, then port), fixed-width columns with the trailing
 * padding ipvsadm leaves, scheduler flags in parentheses, persistence.
 */

const PROTO_LIST: Readonly<Record<number, string>> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };
const PROTO_RULE: Readonly<Record<number, string>> = { 6: '-t', 17: '-u', 132: '--sctp-service' };

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** ipvs_cmp_services (fwmark and family are equal here): protocol, address (int32 difference), port. */
export function compareServices(a: VirtualService, b: VirtualService): number {
  return a.protocol - b.protocol || ((a.addr - b.addr) | 0) || a.port - b.port;
}

/** ipvs_cmp_dests: address (int32 difference), then port. */
export function compareDests(a: Dest, b: Dest): number {
  return ((a.addr - b.addr) | 0) || a.port - b.port;
}

const FWD_NAME: Readonly<Record<Dest['fwd'], string>> = { masq: 'Masq', localnode: 'Local', tunnel: 'Tunnel', route: 'Route' };
const FWD_SWITCH: Readonly<Record<Dest['fwd'], string>> = { masq: '-m', localnode: '-g', tunnel: '-i', route: '-g' };

/** Scheduler flags as ipvsadm names them (print_sched_flags). */
export function schedFlagsText(sched: string, flags: number): string {
  const out: string[] = [];
  if (sched === 'sh' || sched === 'mh') {
    if (flags & SVC_FLAGS.SCHED1) out.push(`${sched}-fallback`);
    if (flags & SVC_FLAGS.SCHED2) out.push(`${sched}-port`);
  } else {
    if (flags & SVC_FLAGS.SCHED1) out.push('flag-1');
    if (flags & SVC_FLAGS.SCHED2) out.push('flag-2');
  }
  if (flags & SVC_FLAGS.SCHED3) out.push('flag-3');
  return out.join(',');
}

function vname(s: VirtualService): string {
  return `${formatIpv4(s.addr)}:${s.port}`;
}

function sorted<T>(items: readonly T[], cmp: (a: T, b: T) => number, sort: boolean): T[] {
  const copy = items.slice();
  if (sort) copy.sort(cmp);
  return copy;
}

/** `ipvsadm -Ln` (`sort: false` is `--nosort`: kernel list order). */
export function renderIpvsadmList(ipvs: Ipvs, options: { readonly sort?: boolean } = {}): string {
  const sort = options.sort !== false;
  const lines = [
    `IP Virtual Server version 1.2.1 (size=${ipvs.connTabSize})`,
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const s of sorted(ipvs.listServices(), compareServices, sort)) {
    const svcName = `${pad(PROTO_LIST[s.protocol] ?? String(s.protocol), 4)} ${vname(s)}`.slice(0, 33);
    let line = `${svcName} ${s.scheduler.name}`;
    const sf = schedFlagsText(s.scheduler.name, s.flags);
    if (sf !== '') line += ` (${sf})`;
    if (s.persistent) {
      line += ` persistent ${s.timeout}`;
      if (s.netmask !== 0xffffffff) line += ` mask ${formatIpv4(s.netmask)}`;
    }
    if (s.flags & SVC_FLAGS.ONEPACKET) line += ' ops';
    lines.push(line);
    for (const d of sorted(s.dests, compareDests, sort)) {
      const dname = `${formatIpv4(d.addr)}:${d.port}`.slice(0, 28);
      lines.push(`  -> ${pad(dname, 28)} ${pad(FWD_NAME[d.fwd], 7)} ${pad(String(d.weight), 6)} ${pad(String(d.activeConns), 10)} ${pad(String(d.inactConns), 10)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `ipvsadm -Sn`: rules that `ipvsadm -R` (and {@link parseIpvsadmSave}) read back. */
export function renderIpvsadmSave(ipvs: Ipvs, options: { readonly sort?: boolean } = {}): string {
  const sort = options.sort !== false;
  const lines: string[] = [];
  for (const s of sorted(ipvs.listServices(), compareServices, sort)) {
    const svcName = `${PROTO_RULE[s.protocol] ?? '--xxx-service'} ${vname(s)}`;
    let line = `-A ${svcName} -s ${s.scheduler.name}`;
    if (s.persistent) {
      line += ` -p ${s.timeout}`;
      if (s.netmask !== 0xffffffff) line += ` -M ${formatIpv4(s.netmask)}`;
    }
    if (s.flags & SVC_FLAGS.ONEPACKET) line += ' -o';
    const sf = schedFlagsText(s.scheduler.name, s.flags);
    if (sf !== '') line += ` -b ${sf}`;
    lines.push(line);
    for (const d of sorted(s.dests, compareDests, sort)) {
      lines.push(`-a ${svcName} -r ${formatIpv4(d.addr)}:${d.port} ${FWD_SWITCH[d.fwd]} -w ${d.weight}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

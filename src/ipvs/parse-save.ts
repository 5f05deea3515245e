import { KpemuError, type SourceLocation } from '../core/index.js';
import { parseIpv4 } from '../addr/index.js';
import type { Ipvs } from './ipvs.js';
import type { DestSpec, ServiceSpec } from './tables.js';
import { type FwdMethod, SVC_FLAGS } from './types.js';

/**
 * A reader for `ipvsadm -Sn` text (the rules `ipvsadm -R` restores): `-A` lines create virtual
 * services, `-a` lines add real servers, with ipvsadm's defaults (scheduler wlc, persistence 300 s,
 * weight 1, forwarding -g). Numeric addresses only. Errors are IPVS_PARSE naming file and line.
 */

export interface IpvsadmService {
  readonly spec: ServiceSpec;
  readonly line: number;
}

export interface IpvsadmDest {
  readonly protocol: number;
  readonly addr: number;
  readonly port: number;
  readonly dest: DestSpec;
  readonly line: number;
}

export type IpvsadmCommand = ({ readonly kind: 'service' } & IpvsadmService) | ({ readonly kind: 'dest' } & IpvsadmDest);

const DEFAULT_SCHEDULER = 'wlc';
const DEFAULT_PERSISTENCE_S = 300;

function addrPort(text: string, loc: SourceLocation, portRequired: boolean): [number, number] {
  const colon = text.lastIndexOf(':');
  const host = colon < 0 ? text : text.slice(0, colon);
  const portText = colon < 0 ? '' : text.slice(colon + 1);
  let addr: number;
  try {
    addr = parseIpv4(host);
  } catch (e) {
    throw new KpemuError('IPVS_PARSE', `illegal address "${host}": kpemu reads numeric IPv4 addresses`, { location: loc, cause: e });
  }
  if (portText === '') {
    if (portRequired) throw new KpemuError('IPVS_PARSE', `missing port in "${text}"`, { location: loc });
    return [addr, 0];
  }
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) throw new KpemuError('IPVS_PARSE', `illegal port "${portText}"`, { location: loc });
  return [addr, Number(portText)];
}

function uint(text: string | undefined, what: string, loc: SourceLocation, max = 0xffffffff): number {
  if (text === undefined || !/^[0-9]+$/.test(text) || Number(text) > max) throw new KpemuError('IPVS_PARSE', `illegal ${what} "${text ?? ''}"`, { location: loc });
  return Number(text);
}

function schedFlags(text: string | undefined, loc: SourceLocation): number {
  if (text === undefined) throw new KpemuError('IPVS_PARSE', 'missing scheduler flags', { location: loc });
  let f = 0;
  for (const name of text.split(',')) {
    switch (name) {
      case 'sh-fallback':
      case 'mh-fallback':
      case 'flag-1':
        f |= SVC_FLAGS.SCHED1;
        break;
      case 'sh-port':
      case 'mh-port':
      case 'flag-2':
        f |= SVC_FLAGS.SCHED2;
        break;
      case 'flag-3':
        f |= SVC_FLAGS.SCHED3;
        break;
      default:
        throw new KpemuError('IPVS_PARSE', `invalid scheduler flag \`${name}'`, { location: loc });
    }
  }
  return f;
}

/** Parses `ipvsadm -Sn` text into commands in file order. */
export function parseIpvsadmSave(text: string, file?: string): IpvsadmCommand[] {
  const out: IpvsadmCommand[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const loc: SourceLocation = file === undefined ? { line: n + 1, text: line } : { file, line: n + 1, text: line };
    const words = line.split(/\s+/);
    const cmd = words[0];
    if (cmd !== '-A' && cmd !== '--add-service' && cmd !== '-a' && cmd !== '--add-server')
      throw new KpemuError('IPVS_PARSE', `unsupported ipvsadm command "${cmd ?? ''}" (kpemu reads -A and -a lines)`, { location: loc });
    let protocol = 0;
    let addr = 0;
    let port = 0;
    let scheduler = DEFAULT_SCHEDULER;
    let flags = 0;
    let timeout = 0;
    let netmask = 0xffffffff;
    let rs: [number, number] | undefined;
    let weight = 1;
    let fwd: FwdMethod = 'route';
    let uThreshold = 0;
    let lThreshold = 0;
    for (let i = 1; i < words.length; i++) {
      const w = words[i] as string;
      const next = (): string | undefined => words[++i];
      switch (w) {
        case '-t':
        case '--tcp-service':
        case '-u':
        case '--udp-service':
        case '--sctp-service': {
          protocol = w === '-t' || w === '--tcp-service' ? 6 : w === '--sctp-service' ? 132 : 17;
          const v = next();
          if (v === undefined) throw new KpemuError('IPVS_PARSE', `missing address after ${w}`, { location: loc });
          [addr, port] = addrPort(v, loc, false);
          break;
        }
        case '-f':
        case '--fwmark-service':
          throw new KpemuError('IPVS_PARSE', 'kpemu does not model firewall-mark services', { location: loc });
        case '-s':
        case '--scheduler': {
          const v = next();
          if (v === undefined) throw new KpemuError('IPVS_PARSE', 'missing scheduler name', { location: loc });
          scheduler = v;
          break;
        }
        case '-p':
        case '--persistent': {
          flags |= SVC_FLAGS.PERSISTENT;
          const v = words[i + 1];
          if (v !== undefined && /^[0-9]+$/.test(v)) {
            timeout = uint(v, 'persistent timeout', loc);
            i++;
          } else timeout = DEFAULT_PERSISTENCE_S;
          break;
        }
        case '-M':
        case '--netmask': {
          const v = next();
          try {
            netmask = parseIpv4(v ?? '');
          } catch (e) {
            throw new KpemuError('IPVS_PARSE', `illegal virtual server persistent mask "${v ?? ''}"`, { location: loc, cause: e });
          }
          break;
        }
        case '-b':
        case '--sched-flags':
          flags |= schedFlags(next(), loc);
          break;
        case '-o':
        case '--ops':
          flags |= SVC_FLAGS.ONEPACKET;
          break;
        case '-r':
        case '--real-server': {
          const v = next();
          if (v === undefined) throw new KpemuError('IPVS_PARSE', 'missing real server', { location: loc });
          rs = addrPort(v, loc, false);
          break;
        }
        case '-m':
        case '--masquerading':
          fwd = 'masq';
          break;
        case '-g':
        case '--gatewaying':
          fwd = 'route';
          break;
        case '-i':
        case '--ipip':
          fwd = 'tunnel';
          break;
        case '-w':
        case '--weight':
          weight = uint(next(), 'weight', loc, 65535);
          break;
        case '-x':
        case '--u-threshold':
          uThreshold = uint(next(), 'upper threshold', loc);
          break;
        case '-y':
        case '--l-threshold':
          lThreshold = uint(next(), 'lower threshold', loc);
          break;
        default:
          throw new KpemuError('IPVS_PARSE', `unsupported option "${w}"`, { location: loc });
      }
    }
    if (protocol === 0) throw new KpemuError('IPVS_PARSE', 'missing virtual service (-t, -u or --sctp-service)', { location: loc });
    if (cmd === '-A' || cmd === '--add-service') {
      if (port === 0 && (flags & SVC_FLAGS.PERSISTENT) === 0) throw new KpemuError('IPVS_PARSE', 'Zero port specified for non-persistent service', { location: loc });
      out.push({ kind: 'service', line: n + 1, spec: { protocol, addr, port, scheduler, flags, timeout, netmask } });
    } else {
      if (rs === undefined) throw new KpemuError('IPVS_PARSE', 'missing real server (-r)', { location: loc });
      const [raddr, rport] = rs;
      out.push({ kind: 'dest', line: n + 1, protocol, addr, port, dest: { addr: raddr, port: rport === 0 ? port : rport, weight, fwd, uThreshold, lThreshold } });
    }
  });
  return out;
}

/** Applies parsed commands in order (as `ipvsadm -R` does); errors name the command's line. */
export function applyIpvsadmCommands(ipvs: Ipvs, cmds: readonly IpvsadmCommand[], file?: string): void {
  for (const c of cmds) {
    try {
      if (c.kind === 'service') ipvs.addService(c.spec);
      else ipvs.addDest(c.protocol, c.addr, c.port, c.dest);
    } catch (e) {
      if (e instanceof KpemuError) throw e.withLocation(file === undefined ? { line: c.line } : { file, line: c.line });
      throw e;
    }
  }
}

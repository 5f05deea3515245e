import type { PortMatch, TcpMatch } from '../ast.js';
import { badValue, parseError, unsupported } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0 } from './option-checks.js';
import { isFullRange, portMatch, printPortOption, savePortOption } from './ports.js';

/**
 * `-m tcp` (also loaded implicitly by `-p tcp --dport ...`), libxt_tcp. Its parser is the old
 * getopt style: every option may be inverted, and duplicates get "Only one ..." messages.
 */

/** TCP flag bits in the order iptables prints them. */
const TCP_FLAGS: readonly (readonly [string, number])[] = [
  ['FIN', 0x01],
  ['SYN', 0x02],
  ['RST', 0x04],
  ['PSH', 0x08],
  ['ACK', 0x10],
  ['URG', 0x20],
];

/** `SYN,ACK` → bits; names are case-insensitive, empty items are skipped (strtok), ALL and NONE allowed. */
export function parseTcpFlags(text: string): number {
  let bits = 0;
  for (const item of text.split(',')) {
    if (item === '') continue;
    const upper = item.toUpperCase();
    if (upper === 'ALL') bits |= 0x3f;
    else if (upper === 'NONE') continue;
    else {
      const f = TCP_FLAGS.find(([name]) => name === upper);
      if (f === undefined) throw badValue(`Unknown TCP flag \`${item}'`);
      bits |= f[1];
    }
  }
  return bits;
}

/** Bits → `FIN,SYN,RST,ACK`, or `NONE`. */
export function formatTcpFlags(bits: number): string {
  if (bits === 0) return 'NONE';
  const names: string[] = [];
  for (const [name, bit] of TCP_FLAGS) if ((bits & bit) !== 0) names.push(name);
  return names.join(',');
}

function hex2(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** `-m tcp` without options (kube-proxy's DNAT rules): one shared, read-only value. */
const PLAIN_TCP: TcpMatch = Object.freeze({ kind: 'tcp' });

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseTcpMatch(uses: readonly OptionUse[]): TcpMatch {
  if (uses.length === 0) return PLAIN_TCP;
  let sport: PortMatch | undefined;
  let dport: PortMatch | undefined;
  let flags: { mask: number; comp: number; invert: boolean } | undefined;
  let sawFlags = false;
  for (const u of uses) {
    switch (u.name) {
      case 'source-port':
        if (sport !== undefined) throw parseError("Only one `--source-port' allowed");
        sport = portMatch(arg0(u), u.invert);
        break;
      case 'destination-port':
        if (dport !== undefined) throw parseError("Only one `--destination-port' allowed");
        dport = portMatch(arg0(u), u.invert);
        break;
      case 'syn':
      case 'tcp-flags':
        if (sawFlags) throw parseError("Only one of `--syn' or `--tcp-flags'  allowed");
        sawFlags = true;
        flags =
          u.name === 'syn'
            ? { mask: 0x17, comp: 0x02, invert: u.invert }
            : { mask: parseTcpFlags(arg0(u)), comp: parseTcpFlags(u.arg2), invert: u.invert };
        break;
      case 'tcp-option':
        throw unsupported('tcp: --tcp-option is not supported by kpemu');
      default:
        throw parseError(`tcp: unexpected option "--${u.name}"`);
    }
  }
  // iptables stores a full, non-inverted range as "no port match" and a zero mask as "no flags".
  const m: { -readonly [K in keyof TcpMatch]: TcpMatch[K] } = { kind: 'tcp' };
  if (sport !== undefined && !isFullRange(sport)) m.sport = sport;
  if (dport !== undefined && !isFullRange(dport)) m.dport = dport;
  if (flags !== undefined && (flags.mask !== 0 || flags.comp !== 0 || flags.invert)) m.flags = flags;
  return m;
}

/** Ports print only when not the full range (iptables ignores the `!` of a full range here). */
function portShown(p: PortMatch | undefined): p is PortMatch {
  return p !== undefined && (p.lo !== 0 || p.hi !== 65535);
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveTcpMatch(m: TcpMatch): string {
  let out = '';
  if (portShown(m.sport)) out += savePortOption('sport', m.sport);
  if (portShown(m.dport)) out += savePortOption('dport', m.dport);
  if (m.flags !== undefined && (m.flags.mask !== 0 || m.flags.invert)) {
    out += `${m.flags.invert ? ' !' : ''} --tcp-flags ${formatTcpFlags(m.flags.mask)} ${formatTcpFlags(m.flags.comp)}`;
  }
  return out;
}

/** -L shows a port match unless it is the full range without `!`. */
function listed(p: PortMatch): boolean {
  return p.lo !== 0 || p.hi !== 65535 || p.invert;
}

/** What `iptables -L -n` prints for the match. */
export function printTcpMatch(m: TcpMatch): string {
  let out = ' tcp';
  if (m.sport !== undefined && listed(m.sport)) out += printPortOption('spt', m.sport);
  if (m.dport !== undefined && listed(m.dport)) out += printPortOption('dpt', m.dport);
  if (m.flags !== undefined && (m.flags.mask !== 0 || m.flags.invert)) {
    out += ` flags:${m.flags.invert ? '!' : ''}${hex2(m.flags.mask)}/${hex2(m.flags.comp)}`;
  }
  return out;
}

/** The module: its options, parse, save and print. */
export const tcpMatch: MatchModule<TcpMatch> = {
  kind: 'tcp',
  name: 'tcp',
  options: [
    { names: ['source-port', 'sport'], args: 1 },
    { names: ['destination-port', 'dport'], args: 1 },
    { names: ['syn'], args: 0 },
    { names: ['tcp-flags'], args: 2, missingSecond: '--tcp-flags requires two args.' },
    { names: ['tcp-option'], args: 1 },
  ],
  parse: parseTcpMatch,
  save: saveTcpMatch,
  print: printTcpMatch,
};

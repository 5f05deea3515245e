import type { PortMatch, SctpMatch } from '../ast.js';
import { parseError, unsupported } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0 } from './option-checks.js';
import { portMatch, printPortOption, savePortOption } from './ports.js';

/**
 * `-m sctp`, libxt_sctp (ports only; `--chunk-types` is not modelled). Ports parse like tcp's,
 * but sctp remembers that a port option was given, so even `--sport 0:65535` is saved back.
 */

export function parseSctpMatch(uses: readonly OptionUse[]): SctpMatch {
  let sport: PortMatch | undefined;
  let dport: PortMatch | undefined;
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
      case 'chunk-types':
        throw unsupported('sctp: --chunk-types is not supported by kpemu');
      default:
        throw parseError(`sctp: unexpected option "--${u.name}"`);
    }
  }
  const m: { -readonly [K in keyof SctpMatch]: SctpMatch[K] } = { kind: 'sctp' };
  if (sport !== undefined) m.sport = sport;
  if (dport !== undefined) m.dport = dport;
  return m;
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveSctpMatch(m: SctpMatch): string {
  let out = '';
  if (m.sport !== undefined) out += savePortOption('sport', m.sport);
  if (m.dport !== undefined) out += savePortOption('dport', m.dport);
  return out;
}

function shown(p: PortMatch): boolean {
  return p.lo !== 0 || p.hi !== 65535 || p.invert;
}

/** What `iptables -L -n` prints for the match. */
export function printSctpMatch(m: SctpMatch): string {
  let out = ' sctp';
  if (m.sport !== undefined && shown(m.sport)) out += printPortOption('spt', m.sport);
  if (m.dport !== undefined && shown(m.dport)) out += printPortOption('dpt', m.dport);
  return out;
}

/** The module: its options, parse, save and print. */
export const sctpMatch: MatchModule<SctpMatch> = {
  kind: 'sctp',
  name: 'sctp',
  options: [
    { names: ['source-port', 'sport'], args: 1 },
    { names: ['destination-port', 'dport'], args: 1 },
    { names: ['chunk-types'], args: 2, missingSecond: '--chunk-types requires two args' },
  ],
  parse: parseSctpMatch,
  save: saveSctpMatch,
  print: printSctpMatch,
};

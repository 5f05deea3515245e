import type { RecentMatch } from '../ast.js';
import { formatDotted, parseInetAtonMask } from '../text/address.js';
import { parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkExclusive, checkInvert, checkOnce, parseUint32Option } from './option-checks.js';

/**
 * `-m recent`, libxt_recent revision 1. One of --set/--rcheck/--update/--remove (its `!` inverts
 * the match); --seconds 1..2^32-1, --hitcount 0..2^32-1 (0 = not given), --reap needs --seconds,
 * --rttl not with --set or --remove; --rsource/--rdest: the last one wins; --mask is read like a
 * host address (so `24` is 0.0.0.24). iptables prints seconds and hitcount with %d, so values
 * above 2^31-1 come out negative; kpemu prints them the same way.
 * The kernel refuses more at COMMIT (not checked here): --set/--remove with --seconds,
 * --hitcount, --reap or --rttl; a name that is empty, has a `/` or is 200 bytes or longer; a
 * hitcount above the kernel's limit.
 */

const COMMANDS = ['set', 'rcheck', 'update', 'remove'] as const;

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseRecentMatch(uses: readonly OptionUse[]): RecentMatch {
  checkOnce('recent', uses);
  checkInvert('recent', uses, [...COMMANDS]);
  checkExclusive('recent', uses, [...COMMANDS]);
  for (const u of uses) {
    if (u.name === 'rttl') {
      const cmd = uses.find((v) => v.name === 'set' || v.name === 'remove');
      if (cmd !== undefined) throw parseError(`recent: option "--rttl" cannot be used together with "--${cmd.name}".`);
    }
  }
  let command: RecentMatch['command'] | undefined;
  let invert = false;
  let name = 'DEFAULT';
  let seconds = 0;
  let hitcount = 0;
  let reap = false;
  let rttl = false;
  let side: RecentMatch['side'] = 'source';
  let mask = 0xffffffff;
  for (const u of uses) {
    switch (u.name) {
      case 'set':
      case 'rcheck':
      case 'update':
      case 'remove':
        command = u.name;
        invert = u.invert;
        break;
      case 'seconds':
        seconds = parseUint32Option('recent', u, 1, 0xffffffff);
        break;
      case 'hitcount':
        hitcount = parseUint32Option('recent', u, 0, 0xffffffff);
        break;
      case 'reap':
        reap = true;
        break;
      case 'rttl':
        rttl = true;
        break;
      case 'name':
        name = arg0(u);
        break;
      case 'rsource':
        side = 'source';
        break;
      case 'rdest':
        side = 'dest';
        break;
      case 'mask':
        mask = parseInetAtonMask(arg0(u));
        break;
      default:
        throw parseError(`recent: unexpected option "--${u.name}"`);
    }
  }
  if (reap && seconds === 0) throw parseError('recent: option "--reap" also requires "--seconds".');
  if (command === undefined) throw parseError("recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
  return { kind: 'recent', command, name, seconds, hitcount, reap, rttl, side, mask: mask >>> 0, invert };
}

const SAVE_CMD: Readonly<Record<RecentMatch['command'], string>> = { set: 'set', rcheck: 'rcheck', update: 'update', remove: 'remove' };
const PRINT_CMD: Readonly<Record<RecentMatch['command'], string>> = { set: 'SET', rcheck: 'CHECK', update: 'UPDATE', remove: 'REMOVE' };

/** C `%d` of a uint32. */
function signed32(n: number): number {
  return n | 0;
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveRecentMatch(m: RecentMatch): string {
  let out = `${m.invert ? ' !' : ''} --${SAVE_CMD[m.command]}`;
  if (m.seconds !== 0) out += ` --seconds ${signed32(m.seconds)}`;
  if (m.reap) out += ' --reap';
  if (m.hitcount !== 0) out += ` --hitcount ${signed32(m.hitcount)}`;
  if (m.rttl) out += ' --rttl';
  out += ` --name ${m.name} --mask ${formatDotted(m.mask)} ${m.side === 'source' ? '--rsource' : '--rdest'}`;
  return out;
}

/** What `iptables -L -n` prints for the match. */
export function printRecentMatch(m: RecentMatch): string {
  let out = `${m.invert ? ' !' : ''} recent: ${PRINT_CMD[m.command]}`;
  if (m.seconds !== 0) out += ` seconds: ${signed32(m.seconds)}`;
  if (m.reap) out += ' reap';
  if (m.hitcount !== 0) out += ` hit_count: ${signed32(m.hitcount)}`;
  if (m.rttl) out += ' TTL-Match';
  out += ` name: ${m.name} side: ${m.side} mask: ${formatDotted(m.mask)}`;
  return out;
}

/** The module: its options, parse, save and print. */
export const recentMatch: MatchModule<RecentMatch> = {
  kind: 'recent',
  name: 'recent',
  options: [
    { names: ['set'], args: 0 },
    { names: ['rcheck'], args: 0 },
    { names: ['update'], args: 0 },
    { names: ['remove'], args: 0 },
    { names: ['seconds'], args: 1 },
    { names: ['reap'], args: 0 },
    { names: ['hitcount'], args: 1 },
    { names: ['rttl'], args: 0 },
    { names: ['name'], args: 1 },
    { names: ['rsource'], args: 0 },
    { names: ['rdest'], args: 0 },
    { names: ['mask'], args: 1 },
  ],
  parse: parseRecentMatch,
  save: saveRecentMatch,
  print: printRecentMatch,
};

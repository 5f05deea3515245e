import type { MultiportMatch, PortRange } from '../ast.js';
import { badValue, parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkExclusive, checkOnce } from './option-checks.js';
import { parsePort } from './ports.js';

/**
 * `-m multiport --sports|--dports|--ports LIST`, libxt_multiport revision 1. The kernel structure
 * has 15 port slots and a range takes two, so `1:2,3` uses three. The rule's `-p` must already be
 * tcp, udp, udplite, sctp or dccp (and not inverted) when the option is read.
 */

const MAX_SLOTS = 15;
const PORT_PROTOS: readonly number[] = [6, 17, 136, 132, 33];

function checkProto(u: OptionUse): void {
  if (u.protoInvert) throw badValue('multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP');
  if (u.proto === 0) throw badValue("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
  if (!PORT_PROTOS.includes(u.proto)) throw badValue('multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP');
}

/** `80,443,8000:8080` → ranges, with the kernel's slot limit. Throws IPTABLES_BAD_VALUE. */
export function parsePortList(text: string): PortRange[] {
  const ranges: PortRange[] = [];
  let slots = 0;
  for (const item of text.split(',')) {
    if (slots >= MAX_SLOTS) throw badValue('too many ports specified');
    const colon = item.indexOf(':');
    if (colon < 0) {
      const p = parsePort(item);
      ranges.push({ lo: p, hi: p });
      slots++;
      continue;
    }
    if (slots === MAX_SLOTS - 1) throw badValue('too many ports specified');
    const lo = parsePort(item.slice(0, colon));
    const hi = parsePort(item.slice(colon + 1));
    if (lo >= hi) throw badValue('invalid portrange specified');
    ranges.push({ lo, hi });
    slots += 2;
  }
  return ranges;
}

const DIRECTION: Readonly<Record<string, MultiportMatch['direction']>> = {
  'source-ports': 'src',
  'destination-ports': 'dst',
  ports: 'both',
};

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseMultiportMatch(uses: readonly OptionUse[]): MultiportMatch {
  checkOnce('multiport', uses);
  checkExclusive('multiport', uses, ['source-ports', 'destination-ports', 'ports']);
  const u = uses[0];
  if (u === undefined) throw parseError('multiport expection an option');
  const direction = DIRECTION[u.name];
  if (direction === undefined) throw parseError(`multiport: unexpected option "--${u.name}"`);
  checkProto(u);
  return { kind: 'multiport', direction, ports: parsePortList(arg0(u)), invert: u.invert };
}

function formatList(ports: readonly PortRange[]): string {
  return ports.map((p) => (p.lo === p.hi ? String(p.lo) : `${p.lo}:${p.hi}`)).join(',');
}

const SAVE_NAME: Readonly<Record<MultiportMatch['direction'], string>> = { src: 'sports', dst: 'dports', both: 'ports' };

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveMultiportMatch(m: MultiportMatch): string {
  return `${m.invert ? ' !' : ''} --${SAVE_NAME[m.direction]} ${formatList(m.ports)}`;
}

/** What `iptables -L -n` prints for the match. */
export function printMultiportMatch(m: MultiportMatch): string {
  return ` multiport ${SAVE_NAME[m.direction]} ${m.invert ? ' !' : ''}${formatList(m.ports)}`;
}

/** The module: its options, parse, save and print. */
export const multiportMatch: MatchModule<MultiportMatch> = {
  kind: 'multiport',
  name: 'multiport',
  options: [
    { names: ['source-ports', 'sports'], args: 1 },
    { names: ['destination-ports', 'dports'], args: 1 },
    { names: ['ports'], args: 1 },
  ],
  parse: parseMultiportMatch,
  save: saveMultiportMatch,
  print: printMultiportMatch,
};

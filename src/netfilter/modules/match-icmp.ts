import type { IcmpMatch } from '../ast.js';
import { parseCUint } from '../text/c-number.js';
import { badValue, parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkOnce, checkRequired } from './option-checks.js';

/**
 * `-m icmp --icmp-type TYPE[/CODE]|NAME`, libxt_icmp. Names are matched case-insensitively by
 * prefix (`echo-req` is echo-request; `echo-re` is ambiguous), in libxtables' table order.
 * iptables saves the numbers, never the name, so `typeName` is not filled in.
 */

/** [name, type, code min, code max], libxtables' icmp_codes table. */
const ICMP_NAMES: readonly (readonly [string, number, number, number])[] = [
  ['any', 255, 0, 255],
  ['echo-reply', 0, 0, 255],
  ['pong', 0, 0, 255],
  ['destination-unreachable', 3, 0, 255],
  ['network-unreachable', 3, 0, 0],
  ['host-unreachable', 3, 1, 1],
  ['protocol-unreachable', 3, 2, 2],
  ['port-unreachable', 3, 3, 3],
  ['fragmentation-needed', 3, 4, 4],
  ['source-route-failed', 3, 5, 5],
  ['network-unknown', 3, 6, 6],
  ['host-unknown', 3, 7, 7],
  ['network-prohibited', 3, 9, 9],
  ['host-prohibited', 3, 10, 10],
  ['TOS-network-unreachable', 3, 11, 11],
  ['TOS-host-unreachable', 3, 12, 12],
  ['communication-prohibited', 3, 13, 13],
  ['host-precedence-violation', 3, 14, 14],
  ['precedence-cutoff', 3, 15, 15],
  ['source-quench', 4, 0, 255],
  ['redirect', 5, 0, 255],
  ['network-redirect', 5, 0, 0],
  ['host-redirect', 5, 1, 1],
  ['TOS-network-redirect', 5, 2, 2],
  ['TOS-host-redirect', 5, 3, 3],
  ['echo-request', 8, 0, 255],
  ['ping', 8, 0, 255],
  ['router-advertisement', 9, 0, 255],
  ['router-solicitation', 10, 0, 255],
  ['time-exceeded', 11, 0, 255],
  ['ttl-exceeded', 11, 0, 255],
  ['ttl-zero-during-transit', 11, 0, 0],
  ['ttl-zero-during-reassembly', 11, 1, 1],
  ['parameter-problem', 12, 0, 255],
  ['ip-header-bad', 12, 0, 0],
  ['required-option-missing', 12, 1, 1],
  ['timestamp-request', 13, 0, 255],
  ['timestamp-reply', 14, 0, 255],
  ['address-mask-request', 17, 0, 255],
  ['address-mask-reply', 18, 0, 255],
];

/** Parses an `--icmp-type` word into type and code range. Throws IPTABLES_BAD_VALUE. */
export function parseIcmpType(text: string): { type: number; codeLo: number; codeHi: number } {
  const lower = text.toLowerCase();
  let found: (typeof ICMP_NAMES)[number] | undefined;
  for (const entry of ICMP_NAMES) {
    if (entry[0].length >= lower.length && entry[0].slice(0, lower.length).toLowerCase() === lower) {
      if (found !== undefined) throw badValue(`Ambiguous ICMP type \`${text}': \`${found[0]}' or \`${entry[0]}'?`);
      found = entry;
    }
  }
  if (found !== undefined) return { type: found[1], codeLo: found[2], codeHi: found[3] };
  const slash = text.indexOf('/');
  const type = parseCUint(slash < 0 ? text : text.slice(0, slash), 0, 255);
  if (type < 0) throw badValue(`Unknown ICMP type \`${text}'`);
  if (slash < 0) return { type, codeLo: 0, codeHi: 255 };
  const code = parseCUint(text.slice(slash + 1), 0, 255);
  if (code < 0) throw badValue(`Unknown ICMP code \`${text}'`);
  return { type, codeLo: code, codeHi: code };
}

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseIcmpMatch(uses: readonly OptionUse[]): IcmpMatch {
  checkOnce('icmp', uses);
  checkRequired('icmp', uses, 'icmp-type');
  const u = uses[0] as OptionUse;
  if (u.name !== 'icmp-type') throw parseError(`icmp: unexpected option "--${u.name}"`);
  return { kind: 'icmp', ...parseIcmpType(arg0(u)), invert: u.invert };
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveIcmpMatch(m: IcmpMatch): string {
  const inv = m.invert ? ' !' : '';
  if (m.type === 255) return `${inv} --icmp-type any`;
  const code = m.codeLo === 0 && m.codeHi === 255 ? '' : `/${m.codeLo}`;
  return `${inv} --icmp-type ${m.type}${code}`;
}

/** What `iptables -L -n` prints for the match. */
export function printIcmpMatch(m: IcmpMatch): string {
  // No space between "icmp" and "type": iptables prints it that way.
  let out = ` icmp${m.invert ? ' !' : ''}type ${m.type}`;
  if (m.codeLo === m.codeHi) out += ` code ${m.codeLo}`;
  else if (m.codeLo !== 0 || m.codeHi !== 255) out += ` codes ${m.codeLo}-${m.codeHi}`;
  return out;
}

/** The module: its options, parse, save and print. */
export const icmpMatch: MatchModule<IcmpMatch> = {
  kind: 'icmp',
  name: 'icmp',
  options: [{ names: ['icmp-type'], args: 1 }],
  parse: parseIcmpMatch,
  save: saveIcmpMatch,
  print: printIcmpMatch,
};

import type { AddrMatch, IfaceMatch, Rule } from '../ast.js';
import { matchModuleOf, targetModuleOf } from '../modules/registry.js';
import { formatIface, formatPrefixSave } from './address.js';
import { protocolSaveName } from './protocols.js';

/**
 * A rule as iptables-save 1.8.9 prints it after `-A CHAIN`: `[!] -s a/len [!] -d a/len [!] -i if
 * [!] -o if [!] -p proto`, then ` -m NAME options` per match in order, then the target. Values
 * the kernel stores as "anything" (0/0 without `!`, the `+` interface) print nothing.
 */

function addr(flag: string, a: AddrMatch | undefined): string {
  if (a === undefined || (a.prefix.length === 0 && !a.invert)) return '';
  return `${a.invert ? ' !' : ''} ${flag} ${formatPrefixSave(a.prefix)}`;
}

function iface(flag: string, i: IfaceMatch | undefined): string {
  // iptables-save skips an interface whose mask is empty: `+` (and the empty name).
  if (i === undefined || i.name.length === 0) return '';
  return `${i.invert ? ' !' : ''} ${flag} ${formatIface(i)}`;
}

/**
 * The rule in two parts, each starting with a space or empty: everything before the target, and
 * the target (`iptables -S -v` puts `-c packets bytes` between them).
 */
export function formatRuleParts(rule: Rule): { readonly head: string; readonly target: string } {
  let head = addr('-s', rule.src) + addr('-d', rule.dst) + iface('-i', rule.inIface) + iface('-o', rule.outIface);
  if (rule.proto !== undefined && (rule.proto.num !== 0 || rule.proto.invert)) {
    head += `${rule.proto.invert ? ' !' : ''} -p ${protocolSaveName(rule.proto.num)}`;
  }
  for (const m of rule.matches) {
    const mod = matchModuleOf(m);
    head += ` -m ${mod.name}${mod.save(m)}`;
  }
  return { head, target: targetModuleOf(rule.target).save(rule.target) };
}

/**
 * The words of a rule after `-A CHAIN`, exactly as iptables-save prints them (no leading space;
 * '' for a rule without conditions or target). Also used for traces.
 */
export function formatRule(rule: Rule): string {
  const { head, target } = formatRuleParts(rule);
  const s = head + target;
  return s.length > 0 ? s.slice(1) : s;
}

/** `-A CHAIN words`, one save line. */
export function formatAppend(chain: string, rule: Rule): string {
  const words = formatRule(rule);
  return words.length > 0 ? `-A ${chain} ${words}` : `-A ${chain}`;
}

import { KpemuError } from '../../core/index.js';
import type { AddrMatch, IfaceMatch, Rule } from '../ast.js';
import { matchModuleOf, targetModuleOf } from '../modules/registry.js';
import { formatIface, formatPrefixList } from './address.js';
import { padLeft, padRight } from './c-format.js';
import { isBuiltinChain, orderChains, type ChainView, type TableView } from './table-view.js';

/**
 * `iptables -L -n [-v] [-x] [--line-numbers] [CHAIN]`, laid out like iptables-legacy 1.8.9
 * (print_header / print_firewall with numeric output): fixed-width columns, protocols as
 * numbers, `0.0.0.0/0` for "any", K/M/G-abbreviated counters unless exact. A user chain's
 * header counts the rules in the table that jump or go to it.
 */

export interface RenderListingOptions {
  readonly chain?: string;
  /** `-v`: counters and interfaces. */
  readonly verbose?: boolean;
  /** `-x`: exact counters. */
  readonly exact?: boolean;
  /** `--line-numbers` */
  readonly lineNumbers?: boolean;
}

/** libxtables' xtables_print_num: `%5llu ` or `%4lluK ` … (table layout), or `%8llu ` when exact. */
export function printNum(n: number, exact: boolean, table = true): string {
  if (exact) return table ? `${padLeft(String(n), 8)} ` : `${n} `;
  if (n <= 99999) return table ? `${padLeft(String(n), 5)} ` : `${n} `;
  let v = Math.floor((n + 500) / 1000);
  for (const unit of ['K', 'M', 'G']) {
    if (v <= 9999) return table ? `${padLeft(String(v), 4)}${unit} ` : `${v}${unit} `;
    v = Math.floor((v + 500) / 1000);
  }
  return table ? `${padLeft(String(v), 4)}T ` : `${v}T `;
}

function addrColumn(a: AddrMatch | undefined): string {
  const inv = a?.invert === true ? '!' : ' ';
  const text = a === undefined ? '0.0.0.0/0' : formatPrefixList(a.prefix);
  return `${inv}${padRight(text, 19)} `;
}

function ifaceText(i: IfaceMatch | undefined): string {
  if (i === undefined) return '*';
  const name = formatIface(i);
  return `${i.invert ? '!' : ''}${name === '' ? '*' : name}`;
}

function headerLine(o: RenderListingOptions): string {
  let s = '';
  if (o.lineNumbers === true) s += `${padRight('num', 4)} `;
  if (o.verbose === true) {
    s += o.exact === true ? `${padLeft('pkts', 8)} ${padLeft('bytes', 10)} ` : `${padLeft('pkts', 5)} ${padLeft('bytes', 5)} `;
  }
  s += `${padRight('target', 9)} `;
  s += ' prot opt';
  if (o.verbose === true) s += ` ${padRight('in', 6)} ${padRight('out', 6)} `;
  s += ` ${padRight('source', 19)} `;
  s += ` ${padRight('destination', 19)} `;
  return s;
}

function ruleLine(rule: Rule, num: number, packets: number, bytes: number, o: RenderListingOptions): string {
  const exact = o.exact === true;
  let s = '';
  if (o.lineNumbers === true) s += `${padRight(String(num), 4)} `;
  if (o.verbose === true) s += printNum(packets, exact) + printNum(bytes, exact);
  const t = targetModuleOf(rule.target);
  s += `${padRight(t.listName(rule.target), 9)} `;
  s += `${rule.proto?.invert === true ? '!' : ' '}${padRight(String(rule.proto?.num ?? 0), 5)}`;
  s += '-- ';
  if (o.verbose === true) s += ` ${padRight(ifaceText(rule.inIface), 6)} ${padRight(ifaceText(rule.outIface), 6)} `;
  s += addrColumn(rule.src);
  s += addrColumn(rule.dst);
  if (rule.target.kind === 'goto') s += '[goto] ';
  for (const m of rule.matches) s += matchModuleOf(m).print(m);
  s += t.print(rule.target);
  return s;
}

function references(table: TableView, chain: string): number {
  let n = 0;
  for (const c of table.chains) {
    for (const r of c.rules) {
      const t = r.rule.target;
      if ((t.kind === 'jump' || t.kind === 'goto') && t.chain === chain) n++;
    }
  }
  return n;
}

function chainHeader(table: TableView, c: ChainView, o: RenderListingOptions): string {
  if (!isBuiltinChain(table.table, c.name)) return `Chain ${c.name} (${references(table, c.name)} references)`;
  const policy = c.policy ?? 'ACCEPT';
  if (o.verbose !== true) return `Chain ${c.name} (policy ${policy})`;
  const exact = o.exact === true;
  return `Chain ${c.name} (policy ${policy} ${printNum(c.packets, exact, false)}packets, ${printNum(c.bytes, exact, false)}bytes)`;
}

/**
 * `iptables -L -n` output for a table (or one chain with `chain`), as iptables-legacy 1.8.9 lays it
 * out. Throws IPTABLES_NO_CHAIN for a chain that is not in the table.
 */
export function renderListing(table: TableView, options: RenderListingOptions = {}): string {
  let chains = orderChains(table.table, table.chains);
  if (options.chain !== undefined) {
    chains = chains.filter((c) => c.name === options.chain);
    if (chains.length === 0) throw new KpemuError('IPTABLES_NO_CHAIN', 'iptables: No chain/target/match by that name.', { location: { text: options.chain } });
  }
  const out: string[] = [];
  chains.forEach((c, k) => {
    if (k > 0) out.push('');
    out.push(chainHeader(table, c, options));
    out.push(headerLine(options));
    c.rules.forEach((r, i) => out.push(ruleLine(r.rule, i + 1, r.packets, r.bytes, options)));
  });
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

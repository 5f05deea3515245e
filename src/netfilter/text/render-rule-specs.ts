import { KpemuError } from '../../core/index.js';
import { formatRuleParts } from './format-rule.js';
import { isBuiltinChain, orderChains, type TableView } from './table-view.js';

/**
 * `iptables -S [CHAIN]` (and `-S -v`, which adds `-c packets bytes` to policies and rules,
 * before a rule's target). Chain lines first (`-P` for built-in, `-N` for user chains), then the
 * rules, chains in iptables' order.
 */

export interface RenderRuleSpecsOptions {
  readonly chain?: string;
  /** `-v`: print counters. */
  readonly verbose?: boolean;
}

/** `iptables -S` output for a table (or one chain). Throws IPTABLES_NO_CHAIN for a missing chain. */
export function renderRuleSpecs(table: TableView, options: RenderRuleSpecsOptions = {}): string {
  let chains = orderChains(table.table, table.chains);
  if (options.chain !== undefined) {
    chains = chains.filter((c) => c.name === options.chain);
    if (chains.length === 0) throw new KpemuError('IPTABLES_NO_CHAIN', 'iptables: No chain/target/match by that name.', { location: { text: options.chain } });
  }
  const v = options.verbose === true;
  const out: string[] = [];
  for (const c of chains) {
    if (isBuiltinChain(table.table, c.name)) out.push(`-P ${c.name} ${c.policy ?? 'ACCEPT'}${v ? ` -c ${c.packets} ${c.bytes}` : ''}`);
    else out.push(`-N ${c.name}`);
  }
  for (const c of chains) {
    for (const r of c.rules) {
      const { head, target } = formatRuleParts(r.rule);
      out.push(`-A ${c.name}${head}${v ? ` -c ${r.packets} ${r.bytes}` : ''}${target}`);
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

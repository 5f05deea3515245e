import { CHAIN } from './constants.js';
import { FILTER_TOP_CHAINS, NAT_TOP_CHAINS, filterHeadRules, forwardRules, natHeadRules, type FixedRuleOptions } from './fixed-rules.js';
import type { IptablesPortState } from './port-state.js';
import { renderServiceChains, renderTopLevelRules, type RuleContext } from './service-rules.js';

/** One Service's ports, in output order. */
export interface ServiceGroup {
  readonly key: string;
  readonly ports: readonly IptablesPortState[];
}

export interface PayloadInput {
  /** Services in output order (by `namespace/name`). */
  readonly services: readonly ServiceGroup[];
  /** The Services whose own chains this sync writes: all, or those with these keys. */
  readonly write: 'all' | ReadonlySet<string>;
  readonly ctx: RuleContext;
  readonly fixed: FixedRuleOptions;
  /** Stale service chains to flush and delete. */
  readonly staleChains: readonly string[];
  /** The KUBE-SERVICES → KUBE-NODEPORTS rules that end KUBE-SERVICES. */
  readonly nodePortsTail: readonly string[];
}

/** A rendered payload and the counts kube-proxy's metrics would report for it. */
export interface BuiltPayload {
  readonly payload: string;
  readonly lines: number;
  readonly filterRules: number;
  /** Nat `-A` lines written (`-X` lines not counted). */
  readonly natRules: number;
  /** Nat rules of skipped ports, which stay in the kernel as they are. */
  readonly natRulesSkipped: number;
  readonly chainLines: number;
  readonly filterChains: readonly string[];
  /** Nat chains declared and written, stale ones excluded. */
  readonly natChains: readonly string[];
  readonly servicesWritten: readonly string[];
}

/**
 * Lays out one iptables-restore payload the way kube-proxy does: `*filter`, chain lines, rules,
 * `COMMIT`, then the same for `*nat`. Within each table the rules keep generation order: fixed
 * head rules, then per port its top-level rules followed by (when written) its own chains, then
 * stale-chain deletions, the nodeports tail, and (filter) KUBE-FORWARD.
 */
export function composePayload(input: PayloadInput): BuiltPayload {
  const { ctx, fixed } = input;
  const filterChains: string[] = [...FILTER_TOP_CHAINS];
  if (fixed.localhostNodePorts) filterChains.push(CHAIN.kubeletFirewall);
  // Entries of natChainText and of the rule buffers may hold several lines (a port's rendered
  // rules), so line counts are kept alongside instead of taken from array lengths.
  const filterRules = filterHeadRules(fixed);
  const natRules = natHeadRules(fixed);
  let filterRuleCount = filterRules.length;
  let natRuleCount = natRules.length;
  const natChainText: string[] = NAT_TOP_CHAINS.map(chainLine);
  const natChainNames: string[] = [...NAT_TOP_CHAINS];
  let skipped = 0;
  const servicesWritten: string[] = [];

  const { services, write: written } = input;
  for (let g = 0; g < services.length; g++) {
    const group = services[g] as ServiceGroup;
    const write = written === 'all' || written.has(group.key);
    if (write) servicesWritten.push(group.key);
    for (const st of group.ports) {
      const top = renderTopLevelRules(st, ctx);
      if (top.filterCount > 0) {
        filterRules.push(top.filterText);
        filterRuleCount += top.filterCount;
      }
      if (top.natCount > 0) {
        natRules.push(top.natText);
        natRuleCount += top.natCount;
      }
      if (!write) {
        // Comments aside (large-cluster mode), a skipped port's chains are as last rendered,
        // so an older rendering gives the right count without building anything.
        skipped += (st.rendered ?? renderServiceChains(st, ctx)).ruleCount;
        continue;
      }
      const block = renderServiceChains(st, ctx);
      if (block.chainNames.length > 0) {
        natChainText.push(block.chainText);
        for (const name of block.chainNames) natChainNames.push(name);
      }
      if (block.ruleCount > 0) {
        natRules.push(block.rulesText);
        natRuleCount += block.ruleCount;
      }
    }
  }

  // Declaring a stale chain flushes it, which is what lets `-X` delete it.
  for (const chain of input.staleChains) {
    natChainText.push(chainLine(chain));
    natRules.push(`-X ${chain}`);
  }
  for (const rule of input.nodePortsTail) natRules.push(rule);
  natRuleCount += input.nodePortsTail.length;
  for (const rule of forwardRules(fixed)) {
    filterRules.push(rule);
    filterRuleCount++;
  }

  // One join over every line keeps the 10+ MB payload to a single copy.
  const payload = ['*filter', ...filterChains.map(chainLine), ...filterRules, 'COMMIT', '*nat', ...natChainText, ...natRules, 'COMMIT', ''].join('\n');
  const stale = input.staleChains.length;
  return {
    payload,
    lines: 4 + filterChains.length + filterRuleCount + natChainNames.length + stale + natRuleCount + stale,
    filterRules: filterRuleCount,
    natRules: natRuleCount,
    natRulesSkipped: skipped,
    chainLines: filterChains.length + natChainNames.length + stale,
    filterChains,
    natChains: natChainNames,
    servicesWritten,
  };
}

function chainLine(name: string): string {
  return `:${name} - [0:0]`;
}

import { KpemuError, type ErrorCode } from '../../core/index.js';
import type { ChainDeclaration, LocatedCommand, Rule, RuleCommand, TableName } from '../ast.js';
import { ChainState } from './chain.js';
import { rulesEqual } from './rule-equal.js';
import type { TableFork } from './table.js';

/** Maximum length of a chain name, as the kernel's XT_EXTENSION_MAXNAMELEN - 1. */
export const MAX_CHAIN_NAME = 28;

const BUILTIN_TARGET_NAMES = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'NFQUEUE', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'CONNMARK', 'LOG', 'NOTRACK', 'CT']);

function fail(code: ErrorCode, message: string, at: LocatedCommand | undefined): never {
  throw new KpemuError(code, message, at === undefined ? {} : { location: { line: at.line, text: at.text } });
}

function requireChain(fork: TableFork, name: string, at: LocatedCommand | undefined): ChainState {
  const chain = fork.writable(name);
  if (chain === undefined) fail('IPTABLES_NO_CHAIN', `chain "${name}" does not exist in table ${fork.name}`, at);
  return chain;
}

/** Every jump or goto in `rule` must name a chain that exists now (iptables-restore checks per line). */
function checkJumpTarget(fork: TableFork, rule: Rule, at: LocatedCommand | undefined): void {
  const t = rule.target;
  if (t.kind !== 'jump' && t.kind !== 'goto') return;
  const target = fork.get(t.chain);
  if (target === undefined) fail('IPTABLES_NO_CHAIN', `rule jumps to chain "${t.chain}", which does not exist in table ${fork.name}`, at);
  if (target.builtin) fail('IPTABLES_BAD_CONTEXT', `cannot jump to built-in chain "${t.chain}"`, at);
}

/**
 * Number of rules in the fork that jump or go to `name`. The counts of every target are taken in
 * one pass over the table and kept by the fork while only appends follow (see applyCommands), so
 * a payload ending in many `-X` lines (a sync deleting stale chains) scans the table once.
 */
export function referencesTo(fork: TableFork, name: string): number {
  let counts = fork.jumpCounts;
  if (counts === null) {
    counts = new Map<string, number>();
    for (const chain of fork.chains.values()) {
      for (const rule of chain.rules) {
        const t = rule.target;
        if (t.kind === 'jump' || t.kind === 'goto') counts.set(t.chain, (counts.get(t.chain) ?? 0) + 1);
      }
    }
    fork.jumpCounts = counts;
  }
  return counts.get(name) ?? 0;
}

/** Keeps the fork's jump counts true after appending `rule`. */
function countAppended(fork: TableFork, rule: Rule): void {
  const counts = fork.jumpCounts;
  if (counts === null) return;
  const t = rule.target;
  if (t.kind === 'jump' || t.kind === 'goto') counts.set(t.chain, (counts.get(t.chain) ?? 0) + 1);
}

function checkPosition(chain: ChainState, position: number, allowEnd: boolean, at: LocatedCommand | undefined): void {
  const max = allowEnd ? chain.rules.length + 1 : chain.rules.length;
  if (!Number.isInteger(position) || position < 1 || position > max) {
    fail('IPTABLES_NO_RULE', `index ${position} is out of range for chain "${chain.name}" (${chain.rules.length} rules)`, at);
  }
}

/** Why `name` cannot name a user chain (length, or a target's name), or null. */
function chainNameRefusal(name: string): string | null {
  if (name.length === 0 || name.length > MAX_CHAIN_NAME) return `invalid chain name "${name}" (1 to ${MAX_CHAIN_NAME} characters)`;
  if (BUILTIN_TARGET_NAMES.has(name)) return `chain name "${name}" is the name of a target`;
  return null;
}

function newUserChain(fork: TableFork, name: string, at: LocatedCommand | undefined): void {
  const refusal = chainNameRefusal(name);
  if (refusal !== null) fail('IPTABLES_BAD_VALUE', refusal, at);
  if (fork.get(name) !== undefined) fail('IPTABLES_CHAIN_EXISTS', `chain "${name}" already exists`, at);
  fork.addChain(new ChainState(name, false, null));
}

function deleteUserChain(fork: TableFork, name: string, at: LocatedCommand | undefined): void {
  const chain = fork.get(name);
  if (chain === undefined) fail('IPTABLES_NO_CHAIN', `chain "${name}" does not exist`, at);
  if (chain.builtin) fail('IPTABLES_BUILTIN_CHAIN', `cannot delete built-in chain "${name}"`, at);
  if (referencesTo(fork, name) > 0) fail('IPTABLES_CHAIN_IN_USE', `cannot delete chain "${name}": rules still jump to it`, at);
  if (chain.rules.length > 0) fail('IPTABLES_CHAIN_NOT_EMPTY', `cannot delete chain "${name}": it is not empty`, at);
  fork.deleteChain(name);
}

/**
 * A restore block's `:CHAIN POLICY [p:b]` lines: a built-in chain takes the policy (and with
 * `--counters` the counters); a user chain is created, or emptied when it exists (what kube-proxy's
 * partial syncs rely on). Nothing is allocated per line unless it fails.
 */
export function declareChains(fork: TableFork, table: TableName, decls: readonly ChainDeclaration[], counters: boolean): void {
  for (const decl of decls) {
    const name = decl.name;
    const existing = fork.get(name);
    // A chain this block already declared carries the block's mark (no set of names needed).
    if (existing !== undefined && existing.declaredIn === decls) declarationError('IPTABLES_CHAIN_EXISTS', `chain "${name}" is declared twice in table ${table}`, decl);
    if (existing !== undefined && existing.builtin) {
      if (decl.policy === null) declarationError('IPTABLES_BUILTIN_CHAIN', `built-in chain "${name}" needs a policy`, decl);
      const w = fork.writable(name) as ChainState;
      w.policy = decl.policy;
      if (counters) {
        w.packets = decl.packets;
        w.bytes = decl.bytes;
      }
      w.declaredIn = decls;
      continue;
    }
    if (decl.policy !== null) declarationError('IPTABLES_BUILTIN_CHAIN', `"${name}" is not a built-in chain of table ${table}; user chains take "-" as policy`, decl);
    if (existing !== undefined) {
      fork.replaceWithEmpty(existing).declaredIn = decls;
      continue;
    }
    const refusal = chainNameRefusal(name);
    if (refusal !== null) declarationError('IPTABLES_BAD_VALUE', refusal, decl);
    const chain = new ChainState(name, false, null);
    chain.declaredIn = decls;
    fork.addChain(chain);
  }
}

function declarationError(code: ErrorCode, message: string, decl: ChainDeclaration): never {
  throw new KpemuError(code, message, { location: { line: decl.line, text: `:${decl.name}` } });
}

/**
 * Applies a block's commands in order. Runs of `-A` to one chain (most of a kube-proxy payload)
 * skip the per-command chain lookup, and a repeated jump target is checked once.
 */
export function applyCommands(fork: TableFork, commands: readonly LocatedCommand[]): void {
  let lastChainName = '';
  let lastChain: ChainState | undefined;
  let lastTarget = '';
  for (const at of commands) {
    const cmd = at.command;
    if (cmd.kind === 'append' && at.counters === undefined) {
      // Appends cannot create or delete chains, so the chain found for the previous one stays valid.
      if (cmd.chain !== lastChainName || lastChain === undefined) {
        lastChain = requireChain(fork, cmd.chain, at);
        lastChainName = cmd.chain;
      }
      const t = cmd.rule.target;
      if ((t.kind === 'jump' || t.kind === 'goto') && t.chain !== lastTarget) {
        checkJumpTarget(fork, cmd.rule, at);
        lastTarget = t.chain;
      }
      lastChain.append(cmd.rule);
      countAppended(fork, cmd.rule);
      continue;
    }
    // Anything else may create, delete or rename chains: forget what was cached.
    lastChainName = '';
    lastChain = undefined;
    lastTarget = '';
    applyCommand(fork, at);
  }
}

/**
 * Applies one command to a transaction's working copy. Throws KpemuError located at the command.
 * `list`, `list-rules` and `check` change nothing (callers that answer them read the fork).
 */
export function applyCommand(fork: TableFork, at: LocatedCommand): void {
  applyRuleCommand(fork, at.command, at);
  const c = at.counters;
  if (c === undefined) return;
  // `-c packets bytes` / `[p:b]` give the new rule (or the policy) its counters.
  const cmd = at.command;
  if (cmd.kind === 'append' || cmd.kind === 'insert' || cmd.kind === 'replace') {
    const chain = fork.writable(cmd.chain);
    if (chain === undefined) return;
    const idx = cmd.kind === 'append' ? chain.length - 1 : cmd.position - 1;
    if (idx >= 0 && idx < chain.length) chain.setRuleCounters(idx, c.packets, c.bytes);
  } else if (cmd.kind === 'policy') {
    const chain = fork.writable(cmd.chain);
    if (chain !== undefined) {
      chain.packets = c.packets;
      chain.bytes = c.bytes;
    }
  }
}

export function applyRuleCommand(fork: TableFork, cmd: RuleCommand, at: LocatedCommand | undefined): void {
  // Commands that remove or rewrite rules make the fork's jump counts stale.
  if (cmd.kind === 'insert' || cmd.kind === 'replace' || cmd.kind === 'delete' || cmd.kind === 'delete-at' || cmd.kind === 'flush' || cmd.kind === 'rename-chain') fork.jumpCounts = null;
  switch (cmd.kind) {
    case 'append': {
      const chain = requireChain(fork, cmd.chain, at);
      checkJumpTarget(fork, cmd.rule, at);
      chain.append(cmd.rule);
      countAppended(fork, cmd.rule);
      return;
    }
    case 'insert': {
      const chain = requireChain(fork, cmd.chain, at);
      checkPosition(chain, cmd.position, true, at);
      checkJumpTarget(fork, cmd.rule, at);
      chain.insertAt(cmd.position - 1, cmd.rule);
      return;
    }
    case 'replace': {
      const chain = requireChain(fork, cmd.chain, at);
      checkPosition(chain, cmd.position, false, at);
      checkJumpTarget(fork, cmd.rule, at);
      chain.replaceAt(cmd.position - 1, cmd.rule);
      return;
    }
    case 'delete': {
      const chain = requireChain(fork, cmd.chain, at);
      const idx = chain.rules.findIndex((r) => rulesEqual(r, cmd.rule));
      if (idx < 0) fail('IPTABLES_NO_RULE', `no matching rule exists in chain "${cmd.chain}"`, at);
      chain.removeAt(idx);
      return;
    }
    case 'delete-at': {
      const chain = requireChain(fork, cmd.chain, at);
      checkPosition(chain, cmd.position, false, at);
      chain.removeAt(cmd.position - 1);
      return;
    }
    case 'check': {
      const chain = fork.get(cmd.chain);
      if (chain === undefined) fail('IPTABLES_NO_CHAIN', `chain "${cmd.chain}" does not exist`, at);
      if (!chain.rules.some((r) => rulesEqual(r, cmd.rule))) fail('IPTABLES_NO_RULE', `no matching rule exists in chain "${cmd.chain}"`, at);
      return;
    }
    case 'new-chain':
      newUserChain(fork, cmd.chain, at);
      return;
    case 'delete-chain': {
      if (cmd.chain !== undefined) {
        deleteUserChain(fork, cmd.chain, at);
        return;
      }
      // Without a name every user chain goes; references among them vanish together.
      const users = [...fork.chains.values()].filter((c) => !c.builtin);
      for (const chain of users) {
        if (chain.rules.length > 0) fail('IPTABLES_CHAIN_NOT_EMPTY', `cannot delete chain "${chain.name}": it is not empty`, at);
      }
      for (const chain of fork.chains.values()) {
        if (!chain.builtin) continue;
        for (const rule of chain.rules) {
          const t = rule.target;
          if (t.kind === 'jump' || t.kind === 'goto') fail('IPTABLES_CHAIN_IN_USE', `cannot delete chain "${t.chain}": chain ${chain.name} jumps to it`, at);
        }
      }
      for (const chain of users) fork.deleteChain(chain.name);
      return;
    }
    case 'flush': {
      const names = cmd.chain === undefined ? [...fork.chains.keys()] : [cmd.chain];
      for (const name of names) requireChain(fork, name, at).clear();
      return;
    }
    case 'zero': {
      const names = cmd.chain === undefined ? [...fork.chains.keys()] : [cmd.chain];
      for (const name of names) {
        requireChain(fork, name, at).zeroCounters();
      }
      return;
    }
    case 'policy': {
      const chain = requireChain(fork, cmd.chain, at);
      if (!chain.builtin) fail('IPTABLES_BUILTIN_CHAIN', `cannot set a policy on user-defined chain "${cmd.chain}"`, at);
      chain.policy = cmd.policy;
      return;
    }
    case 'rename-chain': {
      const chain = fork.writable(cmd.chain);
      if (chain === undefined) fail('IPTABLES_NO_CHAIN', `chain "${cmd.chain}" does not exist`, at);
      if (chain.builtin) fail('IPTABLES_BUILTIN_CHAIN', `cannot rename built-in chain "${cmd.chain}"`, at);
      newUserChain(fork, cmd.newName, at);
      fork.deleteChain(cmd.newName);
      fork.addChain(chain.renamed(cmd.newName));
      fork.deleteChain(cmd.chain);
      // Rules that jumped to the old name now jump to the new one, as the kernel keeps links by offset.
      for (const [name, c] of [...fork.chains]) {
        if (!c.rules.some((r) => (r.target.kind === 'jump' || r.target.kind === 'goto') && r.target.chain === cmd.chain)) continue;
        const w = fork.writable(name) as ChainState;
        w.mapRules((r) => {
          const t = r.target;
          if ((t.kind === 'jump' || t.kind === 'goto') && t.chain === cmd.chain) return { ...r, target: { kind: t.kind, chain: cmd.newName } };
          return r;
        });
      }
      return;
    }
    case 'list':
    case 'list-rules':
      if (cmd.chain !== undefined && fork.get(cmd.chain) === undefined) fail('IPTABLES_NO_CHAIN', `chain "${cmd.chain}" does not exist`, at);
      return;
    default: {
      const never: never = cmd;
      throw new Error(`unhandled command ${(never as RuleCommand).kind}`);
    }
  }
}

import { KpemuError, type ErrorCode } from '../../core/index.js';
import type { LocatedCommand, Rule, RuleCommand } from '../ast.js';
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
  if (!fork.chains.has(t.chain)) fail('IPTABLES_NO_CHAIN', `rule jumps to chain "${t.chain}", which does not exist in table ${fork.name}`, at);
  const target = fork.chains.get(t.chain);
  if (target?.builtin === true) fail('IPTABLES_BAD_CONTEXT', `cannot jump to built-in chain "${t.chain}"`, at);
}

/** Number of rules in the fork that jump or go to `name`. */
export function referencesTo(fork: { chains: ReadonlyMap<string, ChainState> }, name: string): number {
  let n = 0;
  for (const chain of fork.chains.values()) {
    for (const entry of chain.rules) {
      const t = entry.rule.target;
      if ((t.kind === 'jump' || t.kind === 'goto') && t.chain === name) n++;
    }
  }
  return n;
}

function checkPosition(chain: ChainState, position: number, allowEnd: boolean, at: LocatedCommand | undefined): void {
  const max = allowEnd ? chain.rules.length + 1 : chain.rules.length;
  if (!Number.isInteger(position) || position < 1 || position > max) {
    fail('IPTABLES_NO_RULE', `index ${position} is out of range for chain "${chain.name}" (${chain.rules.length} rules)`, at);
  }
}

function newUserChain(fork: TableFork, name: string, at: LocatedCommand | undefined): void {
  if (name.length === 0 || name.length > MAX_CHAIN_NAME) fail('IPTABLES_BAD_VALUE', `invalid chain name "${name}" (1 to ${MAX_CHAIN_NAME} characters)`, at);
  if (BUILTIN_TARGET_NAMES.has(name)) fail('IPTABLES_BAD_VALUE', `chain name "${name}" is the name of a target`, at);
  if (fork.chains.has(name)) fail('IPTABLES_CHAIN_EXISTS', `chain "${name}" already exists`, at);
  fork.addChain(new ChainState(name, false, null));
}

function deleteUserChain(fork: TableFork, name: string, at: LocatedCommand | undefined): void {
  const chain = fork.chains.get(name);
  if (chain === undefined) fail('IPTABLES_NO_CHAIN', `chain "${name}" does not exist`, at);
  if (chain.builtin) fail('IPTABLES_BUILTIN_CHAIN', `cannot delete built-in chain "${name}"`, at);
  if (referencesTo(fork, name) > 0) fail('IPTABLES_CHAIN_IN_USE', `cannot delete chain "${name}": rules still jump to it`, at);
  if (chain.rules.length > 0) fail('IPTABLES_CHAIN_NOT_EMPTY', `cannot delete chain "${name}": it is not empty`, at);
  fork.deleteChain(name);
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
      if (cmd.chain !== lastChainName || lastChain === undefined || fork.chains.get(cmd.chain) !== lastChain) {
        lastChain = requireChain(fork, cmd.chain, at);
        lastChainName = cmd.chain;
      }
      const t = cmd.rule.target;
      if ((t.kind === 'jump' || t.kind === 'goto') && t.chain !== lastTarget) {
        checkJumpTarget(fork, cmd.rule, at);
        lastTarget = t.chain;
      }
      lastChain.rules.push({ rule: cmd.rule, packets: 0, bytes: 0 });
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
    const idx = cmd.kind === 'append' ? chain.rules.length - 1 : cmd.position - 1;
    const entry = chain.rules[idx];
    if (entry !== undefined) {
      entry.packets = c.packets;
      entry.bytes = c.bytes;
    }
  } else if (cmd.kind === 'policy') {
    const chain = fork.writable(cmd.chain);
    if (chain !== undefined) {
      chain.packets = c.packets;
      chain.bytes = c.bytes;
    }
  }
}

export function applyRuleCommand(fork: TableFork, cmd: RuleCommand, at: LocatedCommand | undefined): void {
  switch (cmd.kind) {
    case 'append': {
      const chain = requireChain(fork, cmd.chain, at);
      checkJumpTarget(fork, cmd.rule, at);
      chain.rules.push({ rule: cmd.rule, packets: 0, bytes: 0 });
      return;
    }
    case 'insert': {
      const chain = requireChain(fork, cmd.chain, at);
      checkPosition(chain, cmd.position, true, at);
      checkJumpTarget(fork, cmd.rule, at);
      chain.rules.splice(cmd.position - 1, 0, { rule: cmd.rule, packets: 0, bytes: 0 });
      return;
    }
    case 'replace': {
      const chain = requireChain(fork, cmd.chain, at);
      checkPosition(chain, cmd.position, false, at);
      checkJumpTarget(fork, cmd.rule, at);
      chain.rules[cmd.position - 1] = { rule: cmd.rule, packets: 0, bytes: 0 };
      return;
    }
    case 'delete': {
      const chain = requireChain(fork, cmd.chain, at);
      const idx = chain.rules.findIndex((r) => rulesEqual(r.rule, cmd.rule));
      if (idx < 0) fail('IPTABLES_NO_RULE', `no matching rule exists in chain "${cmd.chain}"`, at);
      chain.rules.splice(idx, 1);
      return;
    }
    case 'delete-at': {
      const chain = requireChain(fork, cmd.chain, at);
      checkPosition(chain, cmd.position, false, at);
      chain.rules.splice(cmd.position - 1, 1);
      return;
    }
    case 'check': {
      const chain = fork.chains.get(cmd.chain);
      if (chain === undefined) fail('IPTABLES_NO_CHAIN', `chain "${cmd.chain}" does not exist`, at);
      if (!chain.rules.some((r) => rulesEqual(r.rule, cmd.rule))) fail('IPTABLES_NO_RULE', `no matching rule exists in chain "${cmd.chain}"`, at);
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
        for (const entry of chain.rules) {
          const t = entry.rule.target;
          if (t.kind === 'jump' || t.kind === 'goto') fail('IPTABLES_CHAIN_IN_USE', `cannot delete chain "${t.chain}": chain ${chain.name} jumps to it`, at);
        }
      }
      for (const chain of users) fork.deleteChain(chain.name);
      return;
    }
    case 'flush': {
      const names = cmd.chain === undefined ? [...fork.chains.keys()] : [cmd.chain];
      for (const name of names) requireChain(fork, name, at).rules = [];
      return;
    }
    case 'zero': {
      const names = cmd.chain === undefined ? [...fork.chains.keys()] : [cmd.chain];
      for (const name of names) {
        const chain = requireChain(fork, name, at);
        chain.packets = 0;
        chain.bytes = 0;
        for (const r of chain.rules) {
          r.packets = 0;
          r.bytes = 0;
        }
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
      const chain = fork.chains.get(cmd.chain);
      if (chain === undefined) fail('IPTABLES_NO_CHAIN', `chain "${cmd.chain}" does not exist`, at);
      if (chain.builtin) fail('IPTABLES_BUILTIN_CHAIN', `cannot rename built-in chain "${cmd.chain}"`, at);
      newUserChain(fork, cmd.newName, at);
      const renamed = fork.writable(cmd.newName) as ChainState;
      renamed.rules = chain.rules.map((r) => ({ ...r }));
      fork.deleteChain(cmd.chain);
      // Rules that jumped to the old name now jump to the new one, as the kernel keeps links by offset.
      for (const [name, c] of [...fork.chains]) {
        if (!c.rules.some((r) => (r.rule.target.kind === 'jump' || r.rule.target.kind === 'goto') && r.rule.target.chain === cmd.chain)) continue;
        const w = fork.writable(name) as ChainState;
        w.rules = w.rules.map((r) => {
          const t = r.rule.target;
          if ((t.kind === 'jump' || t.kind === 'goto') && t.chain === cmd.chain) return { ...r, rule: { ...r.rule, target: { kind: t.kind, chain: cmd.newName } } };
          return r;
        });
      }
      return;
    }
    case 'list':
    case 'list-rules':
      if (cmd.chain !== undefined && !fork.chains.has(cmd.chain)) fail('IPTABLES_NO_CHAIN', `chain "${cmd.chain}" does not exist`, at);
      return;
    default: {
      const never: never = cmd;
      throw new Error(`unhandled command ${(never as RuleCommand).kind}`);
    }
  }
}

import { KpemuError } from '../core/index.js';
import type { IptablesApi, NfacctApi } from './api.js';
import type { RuleCommand, TableName } from './ast.js';
import type { Netfilter } from './netfilter.js';
import type { TableState } from './state/table.js';
import { parseIptablesCommand, parseRestore, renderListing, renderRuleSpecs, renderSave, RestoreLineCache, type TableView } from './text/index.js';

/** A read-only view of a committed table for the renderers. */
export function tableView(state: TableState): TableView {
  return {
    table: state.name,
    chains: [...state.chains.values()].map((c) => ({
      name: c.name,
      policy: c.builtin ? c.policy : null,
      packets: c.packets,
      bytes: c.bytes,
      rules: c.rules.map((rule, i) => ({ rule, packets: c.rulePacketsAt(i), bytes: c.ruleBytesAt(i) })),
    })),
  };
}

/** What an `iptables` command printed (for -L, -S) and whether it succeeded (-C). */
export interface CommandOutput {
  readonly stdout: string;
}

/**
 * iptables as a program sees it, over one namespace's Netfilter: iptables-restore and
 * iptables-save text, single commands, and kube-proxy's IptablesApi. Errors are typed and
 * located; nothing is half-applied.
 */
export class EmulatedIptables implements IptablesApi {
  constructor(
    readonly netfilter: Netfilter,
    private readonly nfacct: NfacctApi,
  ) {}

  /** Rule lines of the last restore, reused when a sync writes them again (text/restore-line-cache.ts). */
  private readonly lineCache = new RestoreLineCache();

  /** `iptables-restore [--noflush] [--counters]`. Returns what was applied. */
  restoreText(text: string, options: { readonly noflush: boolean; readonly counters: boolean }) {
    const doc = parseRestore(text, { counters: options.counters, lineCache: this.lineCache });
    return this.netfilter.restore(doc, options);
  }

  restoreAll(text: string, options: { readonly noflush: boolean; readonly counters: boolean }): void {
    this.restoreText(text, options);
  }

  /** `iptables-save [-t table] [-c]`: tables in the order a legacy kernel lists them. */
  save(table?: TableName, options: { readonly counters?: boolean } = {}): string {
    this.netfilter.syncCounters();
    const names = table === undefined ? this.netfilter.usedTables() : [table];
    return renderSave(
      names.map((n) => tableView(this.netfilter.table(n))),
      options.counters === true ? { counters: true } : {},
    );
  }

  /** Runs one `iptables ...` command line (argv without the program name or with it). */
  command(argv: readonly string[]): CommandOutput {
    const parsed = parseIptablesCommand(argv);
    return { stdout: this.runCommand(parsed.table, parsed.command) };
  }

  private runCommand(table: TableName, command: RuleCommand): string {
    switch (command.kind) {
      case 'list':
        this.netfilter.syncCounters();
        this.netfilter.execute(table, command);
        // Always numeric: kpemu never resolves names (-n is implied).
        return renderListing(tableView(this.netfilter.table(table)), {
          ...(command.chain === undefined ? {} : { chain: command.chain }),
          lineNumbers: command.lineNumbers,
          verbose: command.verbose,
          exact: command.exact ?? false,
        });
      case 'list-rules':
        this.netfilter.syncCounters();
        this.netfilter.execute(table, command);
        return renderRuleSpecs(tableView(this.netfilter.table(table)), { ...(command.chain === undefined ? {} : { chain: command.chain }), verbose: command.verbose ?? false });
      default:
        this.netfilter.execute(table, command);
        return '';
    }
  }

  ensureChain(table: TableName, chain: string): boolean {
    if (this.netfilter.table(table).chains.has(chain)) return true;
    this.netfilter.execute(table, { kind: 'new-chain', chain });
    return false;
  }

  flushChain(table: TableName, chain: string): void {
    this.netfilter.execute(table, { kind: 'flush', chain });
  }

  deleteChain(table: TableName, chain: string): void {
    this.netfilter.execute(table, { kind: 'delete-chain', chain });
  }

  ensureRule(position: 'append' | 'prepend', table: TableName, chain: string, args: readonly string[]): boolean {
    const check = parseIptablesCommand(['-t', table, '-C', chain, ...args]).command;
    try {
      this.netfilter.execute(table, check);
      return true;
    } catch (e) {
      if (!(e instanceof KpemuError) || e.code !== 'IPTABLES_NO_RULE') throw e;
    }
    const add = parseIptablesCommand(['-t', table, position === 'append' ? '-A' : '-I', chain, ...args]).command;
    this.netfilter.execute(table, add);
    return false;
  }

  deleteRule(table: TableName, chain: string, args: readonly string[]): void {
    this.netfilter.execute(table, parseIptablesCommand(['-t', table, '-D', chain, ...args]).command);
  }
}

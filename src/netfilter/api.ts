import type { TableName } from './ast.js';

/**
 * What a proxier may ask of the kernel's iptables, shaped like kube-proxy's
 * `pkg/util/iptables.Interface`. The emulated node implements it; a text recorder can too.
 * All methods throw KpemuError on failure and leave the tables unchanged.
 */
export interface IptablesApi {
  /** Creates the chain if missing; returns true when it already existed. */
  ensureChain(table: TableName, chain: string): boolean;
  flushChain(table: TableName, chain: string): void;
  deleteChain(table: TableName, chain: string): void;
  /**
   * `iptables -C` then, when absent, `-A` (append) or `-I chain 1` (prepend).
   * `args` are the rule's words after the chain name, e.g. `['-m', 'comment', ...]`.
   * Returns true when the rule already existed.
   */
  ensureRule(position: 'append' | 'prepend', table: TableName, chain: string, args: readonly string[]): boolean;
  deleteRule(table: TableName, chain: string, args: readonly string[]): void;
  /** `iptables-save -t table` (or every table when omitted). */
  save(table?: TableName): string;
  /** `iptables-restore [--noflush] [--counters]` of a whole payload; atomic per table. */
  restoreAll(text: string, options: { readonly noflush: boolean; readonly counters: boolean }): void;
}

/** nfacct objects (`nfacct add NAME`), which `-m nfacct` requires to exist. */
export interface NfacctApi {
  ensureCounter(name: string): void;
  hasCounter(name: string): boolean;
}

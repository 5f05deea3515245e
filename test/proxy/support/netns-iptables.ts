import { KpemuError } from '../../../src/core/index.js';
import type { IptablesApi, NfacctApi, TableName } from '../../../src/netfilter/index.js';
import type { Netns } from '../../support/netns.js';

/**
 * IptablesApi and NfacctApi backed by the real kernel inside a throw-away network namespace
 * (iptables-legacy, as kube-proxy drives it: -C/-I for ensure, iptables-restore for payloads).
 * Used to prove that what the proxier renders loads into a kernel, partial payloads included.
 */
export class NetnsIptables implements IptablesApi {
  constructor(private readonly ns: Netns) {}

  ensureChain(table: TableName, chain: string): boolean {
    if (this.ns.exec(['iptables-legacy', '-w', '-t', table, '-S', chain]).status === 0) return true;
    this.run(['iptables-legacy', '-w', '-t', table, '-N', chain]);
    return false;
  }

  flushChain(table: TableName, chain: string): void {
    this.run(['iptables-legacy', '-w', '-t', table, '-F', chain]);
  }

  deleteChain(table: TableName, chain: string): void {
    this.run(['iptables-legacy', '-w', '-t', table, '-X', chain]);
  }

  ensureRule(position: 'append' | 'prepend', table: TableName, chain: string, args: readonly string[]): boolean {
    if (this.ns.exec(['iptables-legacy', '-w', '-t', table, '-C', chain, ...args]).status === 0) return true;
    const where = position === 'prepend' ? ['-I', chain, '1'] : ['-A', chain];
    this.run(['iptables-legacy', '-w', '-t', table, ...where, ...args]);
    return false;
  }

  deleteRule(table: TableName, chain: string, args: readonly string[]): void {
    this.run(['iptables-legacy', '-w', '-t', table, '-D', chain, ...args]);
  }

  save(table?: TableName): string {
    return this.run(['iptables-legacy-save', ...(table === undefined ? [] : ['-t', table])]);
  }

  restoreAll(text: string, options: { readonly noflush: boolean; readonly counters: boolean }): void {
    const argv = ['iptables-legacy-restore', '-w', ...(options.noflush ? ['--noflush'] : []), ...(options.counters ? ['--counters'] : [])];
    const r = this.ns.exec(argv, text);
    if (r.status !== 0) throw new KpemuError('IPTABLES_PARSE', `iptables-restore failed: ${r.stderr.trim()}`);
  }

  private run(argv: readonly string[]): string {
    const r = this.ns.exec(argv);
    if (r.status !== 0) throw new KpemuError('IPTABLES_BAD_CONTEXT', `${argv.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }
}

export class NetnsNfacct implements NfacctApi {
  constructor(private readonly ns: Netns) {}

  ensureCounter(name: string): void {
    if (this.hasCounter(name)) return;
    const r = this.ns.exec(['nfacct', 'add', name]);
    if (r.status !== 0) throw new KpemuError('NFACCT_MISSING', `nfacct add ${name}: ${r.stderr.trim()}`);
  }

  hasCounter(name: string): boolean {
    return this.ns.exec(['nfacct', 'get', name]).status === 0;
  }
}

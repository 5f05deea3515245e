import type { Command } from 'commander';
import { isKpemuError, ManualClock, NetNamespace, NFACCT_COUNTERS, SeededRng } from '../../index.js';
import { EXIT_HELP } from '../help-text.js';
import { out, readTextFile } from '../io.js';
import { collect } from '../values.js';

const EXAMPLES = `
EXAMPLES
  # Check a payload before it reaches a real node
  kpemu iptables node-1.rules --check

  # The normalised iptables-save view of a file (as a real kernel would print it back)
  kpemu iptables fixtures/golden/kube-proxy-overall.rules

  # Rules that count into other nfacct objects need those to exist, as in the kernel
  kpemu iptables my.rules --nfacct my_counter

  # From a pipe
  kpemu rules fixtures/clusters/demo.yaml --node node-1 --format restore | kpemu iptables - --check

kube-proxy's nfacct counters (${NFACCT_COUNTERS.join(', ')}) exist by default, as on a node
running kube-proxy.
`;

interface RawIptablesOptions {
  noflush?: true;
  nfacct?: string[];
  check?: true;
  counters?: true;
}

/** `kpemu iptables FILE`: load iptables-save/-restore text into an emulated node and print it back normalised. */
export function registerIptables(program: Command): void {
  program
    .command('iptables')
    .summary('load an iptables-save/-restore file into an emulated node and print it normalised')
    .description(
      'Load an iptables-save or iptables-restore file into an empty emulated node, as iptables-restore would, and print the ' +
        "node's iptables-save view, normalised as the real tool prints it. A bad line is reported with its line number and " +
        'nothing is applied (exit 1).',
    )
    .argument('<file>', 'the rules file ("-" reads stdin)')
    .option('--noflush', 'do not flush the tables first (iptables-restore --noflush)')
    .option('--nfacct <name>', 'create this nfacct counter first (repeatable)', collect)
    .option('--counters', 'restore and print packet/byte counters (iptables-restore -c, iptables-save -c)')
    .option('--check', 'print only OK, or the error')
    .addHelpText('after', `${EXAMPLES}${EXIT_HELP}`)
    .action((file: string, o: RawIptablesOptions) => {
      const text = readTextFile(file, 'the rules file');
      const ns = new NetNamespace({ node: 'kpemu', name: 'host', clock: new ManualClock(0), rng: new SeededRng(1) });
      for (const name of [...NFACCT_COUNTERS, ...(o.nfacct ?? [])]) ns.ensureCounter(name);
      try {
        ns.iptables.restoreText(text, { noflush: o.noflush === true, counters: o.counters === true });
      } catch (e) {
        if (isKpemuError(e)) throw e.withLocation({ file: file === '-' ? '<stdin>' : file });
        throw e;
      }
      out(o.check === true ? 'OK' : ns.iptables.save(undefined, { counters: o.counters === true }));
    });
}

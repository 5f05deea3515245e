import { Command } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerDemo } from './commands/demo.js';
import { registerIptables } from './commands/iptables.js';
import { registerReplay } from './commands/replay.js';
import { registerRules } from './commands/rules.js';
import { registerTrace } from './commands/trace.js';
import { registerValidate } from './commands/validate.js';
import { err, out } from './io.js';
import { VERSION } from './version.js';

const OVERVIEW = `
Start with the bundled demo cluster:
  kpemu demo
  kpemu trace fixtures/clusters/demo.yaml --from pod/default/client --to svc/default/web --reply

Run "kpemu help COMMAND" or "kpemu COMMAND --help" for a command's options and examples.`;

/**
 * The `kpemu` program. Commander reports usage errors itself (unknown options, missing
 * arguments, bad choices) and, with exitOverride, throws instead of exiting so main.ts can exit
 * with 2; settings made here before the commands are added are inherited by every command.
 */
export function buildProgram(): Command {
  const program = new Command('kpemu');
  program
    .description('kpemu emulates the dataplane of Kubernetes nodes: netfilter, conntrack, kube-proxy (iptables and IPVS modes) and the flannel VXLAN overlay.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err, outputError: (text, write) => write(`kpemu: ${text.replace(/^error: /, '')}`) })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .addHelpText('after', OVERVIEW);
  registerTrace(program);
  registerReplay(program);
  registerRules(program);
  registerIptables(program);
  registerValidate(program);
  registerDemo(program);
  registerBench(program);
  return program;
}

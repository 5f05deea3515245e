import type { Command } from 'commander';
import { KpemuError } from '../../index.js';
import { EXIT_HELP } from '../help-text.js';

const EXAMPLES = `
EXAMPLES
  kpemu bench --quick                       # the small ladder, under a minute
  kpemu bench --services 1k,10k --modes iptables --out /tmp/bench
  kpemu bench --kernel                      # also measure the real kernel (root, ip netns)
`;

/** What `kpemu bench` passes to the benchmark runner (bench/run.ts's options, the ones given). */
export interface BenchRunOptions {
  services?: number[];
  endpoints?: number;
  modes?: ('iptables' | 'ipvs')[];
  quick: boolean;
  kernel: boolean;
  outDir?: string;
}

interface RawBenchOptions {
  services?: string;
  endpoints?: string;
  modes?: string;
  out?: string;
  quick?: true;
  kernel?: true;
}

/** "100,1k,10k" → [100, 1000, 10000]. Throws CLI_USAGE. */
export function parseCounts(text: string, what: string): number[] {
  return text.split(',').map((word) => {
    const m = /^([0-9]+(?:\.[0-9]+)?)([kKmM]?)$/.exec(word.trim());
    const n = m === null ? NaN : Math.round(Number(m[1]) * (m[2] === '' ? 1 : m[2]?.toLowerCase() === 'k' ? 1_000 : 1_000_000));
    if (!Number.isSafeInteger(n) || n < 1) throw new KpemuError('CLI_USAGE', `${what}: "${word}" is not a positive count (e.g. 100, 1k, 10k)`);
    return n;
  });
}

function parseModes(text: string): ('iptables' | 'ipvs')[] {
  return text.split(',').map((w) => {
    const m = w.trim();
    if (m !== 'iptables' && m !== 'ipvs') throw new KpemuError('CLI_USAGE', `--modes: "${m}" is not a mode (iptables, ipvs)`);
    return m;
  });
}

/** The runner is loaded only when asked for: it pulls in benchmark.js and is not needed by other commands. */
async function loadRunner(): Promise<(options: BenchRunOptions) => unknown> {
  const url = new URL('../../../bench/run.js', import.meta.url);
  let mod: { runBench?: unknown };
  try {
    mod = (await import(url.href)) as { runBench?: unknown };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND') throw new KpemuError('IO', 'the benchmark runner (bench/run.ts) is not part of this build', { cause });
    throw cause;
  }
  if (typeof mod.runBench !== 'function') throw new KpemuError('IO', 'the benchmark runner (bench/run.ts) does not export runBench');
  return mod.runBench as (options: BenchRunOptions) => unknown;
}

/** `kpemu bench`: the benchmarks of bench/, as `npm run bench` runs them. */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .summary('run the benchmarks (emulated kernel, optionally the real one)')
    .description('Run the benchmark ladder of bench/: rule walks, restores, syncs and IPVS lookups at growing service counts, in each mode.')
    .option('--services <list>', 'service counts, comma separated, k/m suffixes allowed (default 100,1k,5k,10k,20k,50k)')
    .option('--endpoints <n>', 'ready endpoints per service (default 5)')
    .option('--modes <list>', 'iptables,ipvs (default both)')
    .option('--quick', 'the small ladder (100, 1k) with few samples')
    .option('--kernel', 'also measure the real kernel (root, ip netns, iptables-legacy/nft)')
    .option('--out <dir>', 'results directory (default bench/results)')
    .addHelpText('after', `${EXAMPLES}${EXIT_HELP}`)
    .action(async (o: RawBenchOptions) => {
      const options: BenchRunOptions = { quick: o.quick === true, kernel: o.kernel === true };
      if (o.services !== undefined) options.services = parseCounts(o.services, '--services');
      if (o.endpoints !== undefined) {
        const [n] = parseCounts(o.endpoints, '--endpoints');
        if (n !== undefined) options.endpoints = n;
      }
      if (o.modes !== undefined) options.modes = parseModes(o.modes);
      if (o.out !== undefined) options.outDir = o.out;
      const runBench = await loadRunner();
      await runBench(options);
    });
}

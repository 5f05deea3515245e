/** Options of a benchmark run, their defaults, and the command-line parser of `npm run bench`. */

export const MODE_NAMES = ['iptables', 'ipvs'] as const;
export type ModeName = (typeof MODE_NAMES)[number];

/** The ladder: 100, 1k, 5k, 10k, 20k and 50k services. */
export const DEFAULT_LADDER: readonly number[] = [100, 1_000, 5_000, 10_000, 20_000, 50_000];
export const QUICK_LADDER: readonly number[] = [100, 1_000];

export interface BenchOptions {
  /** Service counts, ascending. */
  readonly services: readonly number[];
  readonly endpoints: number;
  readonly modes: readonly ModeName[];
  /** Few samples and short budgets (the CI smoke run). */
  readonly quick: boolean;
  /** Also measure the real kernel (root, `ip netns`, iptables-legacy/nft-restore). */
  readonly kernel: boolean;
  /** Largest service count measured on the real kernel (restores get slow; default 10,000). */
  readonly kernelMaxServices: number;
  /** Where JSON, CSV and HTML go. */
  readonly outDir: string;
  /** File name prefix: `full`, `quick` or `custom` unless given. */
  readonly label: string;
  /** Seed of the random target service and of the emulated kernels' randomness. */
  readonly seed: number;
  /** Progress lines on stderr. */
  readonly progress: boolean;
  /** Print the console table when done. */
  readonly printTable: boolean;
  /** Multiplies every time budget (0.2 makes a run about five times shorter, with noisier figures). */
  readonly budgetScale: number;
}

export function defaultOptions(overrides: Partial<BenchOptions> = {}): BenchOptions {
  const quick = overrides.quick ?? false;
  const services = overrides.services ?? (quick ? QUICK_LADDER : DEFAULT_LADDER);
  const isDefaultLadder = overrides.services === undefined;
  return {
    services: [...services].sort((a, b) => a - b),
    endpoints: overrides.endpoints ?? 5,
    modes: overrides.modes ?? MODE_NAMES,
    quick,
    kernel: overrides.kernel ?? false,
    kernelMaxServices: overrides.kernelMaxServices ?? 10_000,
    outDir: overrides.outDir ?? 'bench/results',
    label: overrides.label ?? (quick ? 'quick' : isDefaultLadder ? 'full' : 'custom'),
    seed: overrides.seed ?? 20260101,
    progress: overrides.progress ?? true,
    printTable: overrides.printTable ?? true,
    budgetScale: overrides.budgetScale ?? 1,
  };
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [options]

  --services LIST        service counts, comma separated (default 100,1000,5000,10000,20000,50000;
                         suffixes k/m allowed: 1k,10k)
  --endpoints N          ready endpoints per service (default 5)
  --modes LIST           iptables,ipvs (default both)
  --quick                small ladder (100,1000) and few samples: under 30 s
  --kernel               also measure the real kernel (root, ip netns, iptables-legacy/nft-restore)
  --kernel-max-services N  largest ladder point measured on the kernel (default 10000)
  --out DIR              results directory (default bench/results)
  --label NAME           file name prefix (default full, quick or custom)
  --seed N               seed for the random target and the emulated kernels (default 20260101)
  --budget-scale X       multiply every time budget by X (default 1)
  --no-progress          no progress lines on stderr
  -h, --help             this text
`;

function parseCount(word: string, what: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)([kKmM]?)$/.exec(word.trim());
  if (m === null) throw new UsageError(`${what}: "${word}" is not a count`);
  const mult = m[2] === '' ? 1 : m[2]?.toLowerCase() === 'k' ? 1_000 : 1_000_000;
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what}: "${word}" must be a positive integer`);
  return n;
}

/** Parses the words after `run.js` (or after `kpemu bench`). Throws UsageError. */
export function parseArgs(argv: readonly string[]): BenchOptions | 'help' {
  const o: { -readonly [K in keyof BenchOptions]?: BenchOptions[K] } = {};
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, flag);
      i++;
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--services':
        o.services = take()
          .split(',')
          .filter((w) => w !== '')
          .map((w) => parseCount(w, '--services'));
        if (o.services.length === 0) throw new UsageError('--services needs at least one count');
        break;
      case '--endpoints':
        o.endpoints = parseCount(take(), '--endpoints');
        break;
      case '--modes': {
        const modes = take()
          .split(',')
          .filter((w) => w !== '');
        for (const m of modes) if (!(MODE_NAMES as readonly string[]).includes(m)) throw new UsageError(`--modes: unknown mode "${m}" (expected ${MODE_NAMES.join(', ')})`);
        o.modes = [...new Set(modes)] as ModeName[];
        if (o.modes.length === 0) throw new UsageError('--modes needs at least one mode');
        break;
      }
      case '--quick':
        o.quick = true;
        break;
      case '--kernel':
        o.kernel = true;
        break;
      case '--kernel-max-services':
        o.kernelMaxServices = parseCount(take(), '--kernel-max-services');
        break;
      case '--out':
        o.outDir = take();
        break;
      case '--label': {
        const l = take();
        if (!/^[A-Za-z0-9._-]+$/.test(l)) throw new UsageError('--label: letters, digits, dot, dash and underscore only');
        o.label = l;
        break;
      }
      case '--seed':
        o.seed = parseCount(take(), '--seed');
        break;
      case '--budget-scale': {
        const v = Number(take());
        if (!(v > 0) || !Number.isFinite(v)) throw new UsageError('--budget-scale must be a positive number');
        o.budgetScale = v;
        break;
      }
      case '--no-progress':
        o.progress = false;
        break;
      default:
        throw new UsageError(`unknown option "${raw}"`);
    }
  }
  return defaultOptions(o);
}

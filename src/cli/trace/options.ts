import { type Command, Option } from 'commander';
import { KpemuError, type TraceProto } from '../../index.js';
import { intIn, portValue, seedValue } from '../values.js';
import type { TraceView } from './run.js';

/** The packet and output options `kpemu trace` and `kpemu replay` share. */
export interface TraceCliOptions {
  readonly from: string;
  readonly to: string;
  readonly proto: TraceProto | undefined;
  readonly sport: number | undefined;
  readonly seed: number;
  readonly reply: boolean;
  readonly view: TraceView;
  readonly count: number;
  readonly format: 'text' | 'json';
  readonly pcap: string | undefined;
  readonly verbose: boolean;
  readonly timings: boolean;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_SPORT = 43210;
const MAX_COUNT = 100_000;

/** Adds the shared options to a command. */
export function addTraceOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--from <src>', 'where the packet starts (see SOURCES below)')
    .requiredOption('--to <dst>', 'where it is sent (see DESTINATIONS below)')
    .addOption(new Option('--proto <proto>', "protocol (default: the service port's, else tcp)").choices(['tcp', 'udp', 'sctp', 'icmp']))
    .option('--sport <port>', `source port, or ICMP echo id (default ${DEFAULT_SPORT})`, portValue)
    .option('--seed <n>', 'seed of every random choice (statistic draws, ports)', seedValue, DEFAULT_SEED)
    .option('--reply', 'also follow the answer back to the client')
    .option('--all-paths', 'list every possible outcome with its exact probability')
    .option('--count <n>', 'open N new connections (distinct source ports) and show where they went', intIn(1, MAX_COUNT))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--pcap <file>', 'write the journey (and reply) as a pcapng file for tcpdump/Wireshark')
    .option('-v, --verbose', 'show every rule evaluated, not only the ones that matched')
    .option('--timings', 'print how long loading, building and tracing took, on stderr');
}

interface RawTraceOptions {
  from: string;
  to: string;
  proto?: TraceProto;
  sport?: number;
  seed: number;
  // Flags are undefined unless given (no default, so help does not print "default: false").
  reply?: true;
  allPaths?: true;
  count?: number;
  format: 'text' | 'json';
  pcap?: string;
  verbose?: true;
  timings?: true;
}

/** Checks combinations commander cannot express. Throws CLI_USAGE. */
export function readTraceOptions(raw: RawTraceOptions): TraceCliOptions {
  if (raw.allPaths === true && raw.count !== undefined) throw new KpemuError('CLI_USAGE', '--all-paths and --count answer different questions: give one of them');
  if (raw.reply === true && raw.count !== undefined) throw new KpemuError('CLI_USAGE', '--reply follows one journey back; --count runs its connections untraced: drop one of them');
  if (raw.pcap !== undefined && raw.count !== undefined) throw new KpemuError('CLI_USAGE', '--pcap records journeys; --count runs its connections untraced: drop one of them');
  const sport = raw.sport ?? DEFAULT_SPORT;
  if (raw.count !== undefined && sport + raw.count - 1 > 65535) {
    throw new KpemuError('CLI_USAGE', `--count ${raw.count} from source port ${sport} runs past port 65535: lower --sport or --count`);
  }
  return {
    from: raw.from,
    to: raw.to,
    proto: raw.proto,
    sport: raw.sport,
    seed: raw.seed,
    reply: raw.reply === true,
    view: raw.count !== undefined ? 'count' : raw.allPaths === true ? 'all-paths' : 'journey',
    count: raw.count ?? 0,
    format: raw.format,
    pcap: raw.pcap,
    verbose: raw.verbose === true,
    timings: raw.timings === true,
  };
}

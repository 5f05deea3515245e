import type { Prefix } from '../core/index.js';

/**
 * The typed model of iptables rules: what `iptables-restore` text parses into, what the saver
 * prints, and what the engine compiles. Text is a rendering of this model, never the other way.
 * Every union is discriminated by `kind` and switched over exhaustively.
 */

export const TABLE_NAMES = ['raw', 'mangle', 'nat', 'filter'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export const HOOK_NAMES = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Built-in chains of each table, in the order iptables-save prints them. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly HookName[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export type Policy = 'ACCEPT' | 'DROP';

export interface AddrMatch {
  readonly prefix: Prefix;
  readonly invert: boolean;
}

/** `-i eth0`, `-o veth+`: with `wildcard`, `name` is the prefix without the `+`. */
export interface IfaceMatch {
  readonly name: string;
  readonly wildcard: boolean;
  readonly invert: boolean;
}

/** An inclusive port range; a single port has lo === hi. */
export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

export interface PortMatch extends PortRange {
  readonly invert: boolean;
}

/** Connection-tracking states as bits (the kernel's XT_CONNTRACK_STATE_* values, our order). */
export const CT_STATE_BITS = {
  INVALID: 1,
  ESTABLISHED: 2,
  RELATED: 4,
  NEW: 8,
  UNTRACKED: 16,
  SNAT: 32,
  DNAT: 64,
} as const;
export type CtStateName = keyof typeof CT_STATE_BITS;

/** Address types for `-m addrtype` (the kernel's RTN_* order). */
export const ADDRTYPE_BITS = {
  UNSPEC: 1 << 0,
  UNICAST: 1 << 1,
  LOCAL: 1 << 2,
  BROADCAST: 1 << 3,
  ANYCAST: 1 << 4,
  MULTICAST: 1 << 5,
  BLACKHOLE: 1 << 6,
  UNREACHABLE: 1 << 7,
  PROHIBIT: 1 << 8,
  THROW: 1 << 9,
  NAT: 1 << 10,
  XRESOLVE: 1 << 11,
} as const;
export type AddrTypeName = keyof typeof ADDRTYPE_BITS;

export interface BitsMatch {
  readonly bits: number;
  readonly invert: boolean;
}

// ---------------------------------------------------------------------------------------------
// Matches (`-m NAME ...`, and the implicit protocol matches)

export interface TcpMatch {
  readonly kind: 'tcp';
  readonly sport?: PortMatch;
  readonly dport?: PortMatch;
  /** `--tcp-flags MASK COMP` (or `--syn` = SYN,RST,ACK,FIN SYN) as TCP flag bits. */
  readonly flags?: { readonly mask: number; readonly comp: number; readonly invert: boolean };
}
export interface UdpMatch {
  readonly kind: 'udp';
  readonly sport?: PortMatch;
  readonly dport?: PortMatch;
}
export interface SctpMatch {
  readonly kind: 'sctp';
  readonly sport?: PortMatch;
  readonly dport?: PortMatch;
}
/** `--icmp-type`: type 255 means `any`; codes are an inclusive range (0..255 when not given). */
export interface IcmpMatch {
  readonly kind: 'icmp';
  readonly type: number;
  readonly codeLo: number;
  readonly codeHi: number;
  readonly invert: boolean;
  /** The name the user wrote (`echo-request`), kept for saving; undefined when given numerically. */
  readonly typeName?: string;
}
export interface MultiportMatch {
  readonly kind: 'multiport';
  readonly direction: 'src' | 'dst' | 'both';
  readonly ports: readonly PortRange[];
  readonly invert: boolean;
}
export interface CommentMatch {
  readonly kind: 'comment';
  readonly text: string;
}
export interface MarkMatch {
  readonly kind: 'mark';
  readonly value: number;
  readonly mask: number;
  readonly invert: boolean;
}
export interface ConnmarkMatch {
  readonly kind: 'connmark';
  readonly value: number;
  readonly mask: number;
  readonly invert: boolean;
}
/** `-m conntrack`; only the options kube-proxy and flannel use are modelled. */
export interface ConntrackMatch {
  readonly kind: 'conntrack';
  readonly ctstate?: BitsMatch;
  /** Bits of CT_STATUS_BITS. */
  readonly ctstatus?: BitsMatch;
  readonly ctdir?: 'ORIGINAL' | 'REPLY';
}
export const CT_STATUS_BITS = { NONE: 1, EXPECTED: 2, SEEN_REPLY: 4, ASSURED: 8, CONFIRMED: 16 } as const;
export type CtStatusName = keyof typeof CT_STATUS_BITS;

export interface StateMatch {
  readonly kind: 'state';
  /** Bits of CT_STATE_BITS restricted to INVALID, ESTABLISHED, RELATED, NEW, UNTRACKED. */
  readonly state: BitsMatch;
}
export interface AddrtypeMatch {
  readonly kind: 'addrtype';
  readonly srcType?: BitsMatch;
  readonly dstType?: BitsMatch;
  readonly limitIfaceIn: boolean;
  readonly limitIfaceOut: boolean;
}
/**
 * `-m statistic`. Random mode keeps the kernel's fixed-point probability:
 * `probabilityU31 = round(p * 2^31)`; a packet matches when `(rand_u32 & 0x7fffffff) < probabilityU31`.
 */
export type StatisticMatch =
  | { readonly kind: 'statistic'; readonly mode: 'random'; readonly probabilityU31: number; readonly invert: boolean }
  | {
      readonly kind: 'statistic';
      readonly mode: 'nth';
      readonly every: number;
      /** Initial counter value (`--packet`), 0..every-1. */
      readonly packet: number;
      readonly invert: boolean;
    };
export interface RecentMatch {
  readonly kind: 'recent';
  readonly command: 'set' | 'rcheck' | 'update' | 'remove';
  readonly name: string;
  /** Seconds, or 0 when not given. */
  readonly seconds: number;
  /** Hit count, or 0 when not given. */
  readonly hitcount: number;
  readonly reap: boolean;
  readonly rttl: boolean;
  readonly side: 'source' | 'dest';
  /** Address mask applied before recording/looking up (default 255.255.255.255). */
  readonly mask: number;
  readonly invert: boolean;
}
export interface NfacctMatch {
  readonly kind: 'nfacct';
  readonly name: string;
}
/** `-m set --match-set NAME src,dst`. Evaluated through the ipset registry given to the engine. */
export interface SetMatch {
  readonly kind: 'set';
  readonly name: string;
  readonly directions: readonly ('src' | 'dst')[];
  readonly invert: boolean;
}

export type Match =
  | TcpMatch
  | UdpMatch
  | SctpMatch
  | IcmpMatch
  | MultiportMatch
  | CommentMatch
  | MarkMatch
  | ConnmarkMatch
  | ConntrackMatch
  | StateMatch
  | AddrtypeMatch
  | StatisticMatch
  | RecentMatch
  | NfacctMatch
  | SetMatch;
export type MatchKind = Match['kind'];

// ---------------------------------------------------------------------------------------------
// Targets (`-j` / `-g`)

/** A NAT range `[addr[-addr]][:port[-port]]`; addresses 0 with hasAddr=false keep the original. */
export interface NatRange {
  readonly hasAddr: boolean;
  readonly addrLo: number;
  readonly addrHi: number;
  readonly hasPorts: boolean;
  readonly portLo: number;
  readonly portHi: number;
}

export const REJECT_WITH = [
  'icmp-net-unreachable',
  'icmp-host-unreachable',
  'icmp-port-unreachable',
  'icmp-proto-unreachable',
  'icmp-net-prohibited',
  'icmp-host-prohibited',
  'icmp-admin-prohibited',
  'tcp-reset',
] as const;
export type RejectWith = (typeof REJECT_WITH)[number];

export type Target =
  | { readonly kind: 'none' }
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'return' }
  | { readonly kind: 'jump'; readonly chain: string }
  | { readonly kind: 'goto'; readonly chain: string }
  | { readonly kind: 'reject'; readonly with: RejectWith }
  | { readonly kind: 'dnat'; readonly to: NatRange; readonly random: boolean; readonly persistent: boolean }
  | {
      readonly kind: 'snat';
      readonly to: NatRange;
      readonly random: boolean;
      readonly randomFully: boolean;
      readonly persistent: boolean;
    }
  | {
      readonly kind: 'masquerade';
      readonly ports?: PortRange;
      readonly random: boolean;
      readonly randomFully: boolean;
    }
  /** Every MARK form normalised as the kernel stores it: `mark = (mark & ~mask) ^ value`. */
  | { readonly kind: 'mark'; readonly value: number; readonly mask: number }
  | {
      readonly kind: 'connmark';
      readonly mode: 'set';
      /** ctmark = (ctmark & ~mask) ^ value */
      readonly value: number;
      readonly mask: number;
    }
  | { readonly kind: 'connmark'; readonly mode: 'save' | 'restore'; readonly nfmask: number; readonly ctmask: number }
  | { readonly kind: 'log'; readonly prefix: string; readonly level: number }
  /**
   * `-j NOTRACK` and `-j CT --notrack`: the same kernel CT target. iptables-save prints each as it
   * was written (NOTRACK sets an alias flag in the kernel), so `alias` records `-j NOTRACK`.
   */
  | { readonly kind: 'notrack'; readonly alias?: 'NOTRACK' };
export type TargetKind = Target['kind'];

/** One rule. Fields in the order iptables-save prints the common part. */
export interface Rule {
  readonly src?: AddrMatch;
  readonly dst?: AddrMatch;
  readonly inIface?: IfaceMatch;
  readonly outIface?: IfaceMatch;
  /** Protocol number (0 never appears: no `-p` means any). */
  readonly proto?: { readonly num: number; readonly invert: boolean };
  readonly matches: readonly Match[];
  readonly target: Target;
}

// ---------------------------------------------------------------------------------------------
// Commands: what a restore file or a single `iptables` invocation asks for.

export type RuleCommand =
  | { readonly kind: 'append'; readonly chain: string; readonly rule: Rule }
  /** 1-based position, as `-I CHAIN N`; default 1. */
  | { readonly kind: 'insert'; readonly chain: string; readonly position: number; readonly rule: Rule }
  | { readonly kind: 'delete'; readonly chain: string; readonly rule: Rule }
  | { readonly kind: 'delete-at'; readonly chain: string; readonly position: number }
  | { readonly kind: 'replace'; readonly chain: string; readonly position: number; readonly rule: Rule }
  | { readonly kind: 'check'; readonly chain: string; readonly rule: Rule }
  | { readonly kind: 'new-chain'; readonly chain: string }
  /** Without a chain: every user-defined chain of the table. */
  | { readonly kind: 'delete-chain'; readonly chain?: string }
  | { readonly kind: 'flush'; readonly chain?: string }
  | { readonly kind: 'zero'; readonly chain?: string }
  | { readonly kind: 'policy'; readonly chain: string; readonly policy: Policy }
  | { readonly kind: 'rename-chain'; readonly chain: string; readonly newName: string }
  | {
      readonly kind: 'list';
      readonly chain?: string;
      readonly numeric: boolean;
      readonly lineNumbers: boolean;
      readonly verbose: boolean;
      /** `-x`: exact counters instead of K/M/G abbreviations. */
      readonly exact?: boolean;
    }
  /** `-S [chain]`; with `-v` (`verbose`) counters are printed as `-c packets bytes`. */
  | { readonly kind: 'list-rules'; readonly chain?: string; readonly verbose?: boolean };
export type RuleCommandKind = RuleCommand['kind'];

/** A command with the 1-based line it came from (0 for a single command line). */
export interface LocatedCommand {
  readonly command: RuleCommand;
  readonly line: number;
  readonly text: string;
  /**
   * Counters to give the rule (or the policy, for `-P`): from `-c packets bytes`, or from a
   * `[packets:bytes]` line prefix when the restore is done with counters.
   */
  readonly counters?: RuleCounters;
}

/** Packet and byte counters (uint64 in the kernel; numbers here, exact up to 2^53). */
export interface RuleCounters {
  readonly packets: number;
  readonly bytes: number;
}

/** `:NAME POLICY [packets:bytes]`; policy null for `-` (user chains). */
export interface ChainDeclaration {
  readonly name: string;
  readonly policy: Policy | null;
  readonly packets: number;
  readonly bytes: number;
  readonly line: number;
}

/** One `*table ... COMMIT` block of a restore file. */
export interface TableBlock {
  readonly table: TableName;
  readonly line: number;
  readonly chains: readonly ChainDeclaration[];
  readonly commands: readonly LocatedCommand[];
  /** Line of the block's COMMIT, where the kernel reports table-level failures. */
  readonly commitLine?: number;
}

export interface RestoreDocument {
  readonly blocks: readonly TableBlock[];
}

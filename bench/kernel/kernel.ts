/**
 * The real kernel beside the emulator, in the same run.
 *
 * Restore: the payload the emulated proxier generated (plus nothing else) is loaded into a fresh
 * throw-away namespace with `iptables-legacy-restore --noflush --counters` (as kube-proxy runs it)
 * and with `iptables-nft-restore --counters` (see below for --noflush), a new namespace per sample (the nfacct counters the
 * payload names are created first, as kube-proxy does). The time is the command's wall time, as
 * kube-proxy waits for it, process start included; the start-up alone (an empty restore) is
 * recorded for reference.
 *
 * New connection: two sender namespaces, each with a veth carrying the node address and the
 * default route into its own sink namespace, which drops everything (nothing leaves our
 * namespaces; the kernel here has no dummy device): `rules` holds the jump rules and the payload (legacy backend), `baseline` holds empty nat and
 * filter tables (conntrack and NAT active, no rules to walk). A Python sender inside each
 * namespace builds N TCP SYNs in advance (distinct source ports, valid checksums), flushes
 * conntrack, then times `sendto` on a raw socket for the whole batch: every packet is a new
 * connection going through OUTPUT (raw, conntrack, mangle, nat KUBE-SERVICES, filter), the
 * reroute after DNAT, POSTROUTING and the veth into the sink, synchronously in the sending call. Rounds alternate the
 * first and the last service; the median per-packet time is reported. The emulator is timed on
 * the same path (`output()` of a SYN from the node address). Rule counters confirm the packets hit
 * the target's KUBE-SERVICES rule.
 *
 * Limits: the kernel figure includes Python's loop and the syscall (the baseline shows how
 * much), and the sink's receive; it is wall time on a shared machine; the NAT to a random endpoint
 * and MASQUERADE happen as in production, but the connection never completes (the sink drops the
 * SYN).
 */
import type { Budget } from '../budget.js';
import { NODE_IP_TEXT } from '../cluster.js';
import type { KernelConnectionRow, KernelRestoreRow } from '../model.js';
import type { RulesetArtifact } from '../modes/mode.js';
import type { Progress } from '../progress.js';
import { summarize } from '../stats.js';
import { type Netns, run, withNetns, yieldToLoop } from './netns.js';

export const KERNEL_TOOLS = ['ip', 'iptables-legacy-restore', 'iptables-nft-restore', 'iptables-legacy', 'nfacct', 'conntrack', 'python3'] as const;

export const KERNEL_METHOD =
  'Restore: the emulated proxier\'s payload restored into a fresh namespace per sample with iptables-legacy-restore --noflush --counters (as kube-proxy) and iptables-nft-restore --counters (without --noflush, which is quadratic in iptables-nft 1.8.9; same result into an empty namespace); wall time, process start included. ' +
  'New connection: a Python raw-socket sender in a namespace whose veth (to a sink namespace that drops everything) holds the node address sends a batch of pre-built TCP SYNs (distinct source ports, conntrack flushed before each batch) to the first or the last ClusterIP; ' +
  'each SYN passes OUTPUT (conntrack, nat KUBE-SERVICES rule by rule, DNAT, filter), the reroute, POSTROUTING (MASQUERADE) and the veth into the sink within sendto; per-packet time = batch wall time / N, median over rounds. ' +
  'Baseline: the same sender in a namespace with empty nat and filter tables. The emulator is timed on the same path (output() of a SYN from the node address).';

const SENDER = String.raw`
import json, socket, struct, subprocess, sys, time
cfg = json.loads(sys.argv[1])
src = cfg["src"]
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff
def syn(dst, sport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, 80, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
def batch(dst, n):
    pkts = [syn(dst, 1024 + i, i) for i in range(n)]
    subprocess.run(["conntrack", "-F"], capture_output=True)
    t0 = time.perf_counter_ns()
    for p in pkts:
        s.sendto(p, (dst, 0))
    return (time.perf_counter_ns() - t0) / n
counts = {}
for t in cfg["targets"]:
    est = min(batch(t["dst"], 200), batch(t["dst"], 200))
    counts[t["name"]] = max(200, min(60000, int(cfg["batchNs"] / max(est, 1))))
out = {t["name"]: [] for t in cfg["targets"]}
for r in range(cfg["rounds"]):
    for t in cfg["targets"]:
        out[t["name"]].append(batch(t["dst"], counts[t["name"]]))
subprocess.run(["conntrack", "-F"], capture_output=True)
print(json.dumps({"ns": out, "counts": counts}))
`;

/**
 * The sender's link: a veth pair whose other end is in a sink namespace that drops everything it
 * receives (a blackhole default route; no forwarding). A veth delivers to its peer within the
 * sending call, so the sink's small, constant cost is in every figure, baseline included.
 */
function setupSender(ns: Netns, sink: Netns): void {
  ns.execOk(['ip', 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1', 'netns', sink.name]);
  ns.execOk(['ip', 'addr', 'add', `${NODE_IP_TEXT}/24`, 'dev', 'veth0']);
  ns.execOk(['ip', 'link', 'set', 'veth0', 'up']);
  sink.execOk(['ip', 'addr', 'add', '192.168.56.1/24', 'dev', 'veth1']);
  sink.execOk(['ip', 'link', 'set', 'veth1', 'up']);
  sink.execOk(['ip', 'route', 'add', 'blackhole', 'default']);
  ns.execOk(['ip', 'route', 'add', 'default', 'via', '192.168.56.1', 'dev', 'veth0']);
}

function addCounters(ns: Netns, counters: readonly string[]): void {
  for (const c of counters) ns.execOk(['nfacct', 'add', c]);
}

/** Times restores of the payload on one backend, a fresh namespace per sample. */
export async function kernelRestore(backend: 'legacy' | 'nft', art: RulesetArtifact, samples: number): Promise<{ ms: number[]; startupMs: number; verified: string }> {
  const tool = backend === 'legacy' ? 'iptables-legacy-restore' : 'iptables-nft-restore';
  const ms: number[] = [];
  let startupMs = Number.NaN;
  let verified = '';
  for (let i = 0; i < samples; i++) {
    await withNetns([`r${backend}`], async ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      addCounters(ns, art.nfacctCounters);
      // kube-proxy restores with --noflush --counters. iptables-nft-restore 1.8.9 is quadratic with
      // --noflush (2,000 services: 0.9 s without, 9.4 s with; 5,000: minutes), so the nft backend
      // restores without it: into an empty namespace the resulting ruleset is the same.
      const flags = backend === 'legacy' ? ['-w', '--noflush', '--counters'] : ['-w', '--counters'];
      if (i === 0) startupMs = ns.execOk([tool, ...flags], '*filter\nCOMMIT\n').ms;
      await yieldToLoop();
      const r = ns.execOk([tool, ...flags], art.payload, 600_000);
      ms.push(r.ms);
      await yieldToLoop();
      if (i === 0) {
        const save = ns.execOk([backend === 'legacy' ? 'iptables-legacy-save' : 'iptables-nft-save'], undefined, 600_000).stdout;
        let n = 0;
        for (let k = save.indexOf('\n-A '); k >= 0; k = save.indexOf('\n-A ', k + 1)) n++;
        verified = n === art.rules ? `saved back ${n} rules` : `saved back ${n} rules, payload has ${art.rules}`;
      }
    });
  }
  return { ms, startupMs, verified };
}

/** Per-packet time of new connections to `targets` (and the no-rules baseline), median over rounds. */
export async function kernelConnections(
  art: RulesetArtifact,
  targets: readonly { readonly name: 'first' | 'last'; readonly dst: string; readonly ruleMatch: string }[],
  budget: Budget,
  progress: Progress,
  services: number,
): Promise<{ rows: Map<string, { ns: number; rmePct: number; count: number }>; rounds: number; check: string }> {
  const rounds = budget.kernelRounds();
  const batchNs = budget.kernelBatchMs() * 1e6;
  const rows = new Map<string, { ns: number; rmePct: number; count: number }>();
  let check = '';
  const runSender = (ns: Netns, list: readonly { name: string; dst: string }[]): { ns: Record<string, number[]>; counts: Record<string, number> } => {
    const cfg = JSON.stringify({ src: NODE_IP_TEXT, targets: list, rounds, batchNs });
    const r = ns.execOk(['python3', '-c', SENDER, cfg], undefined, 900_000);
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ns: Record<string, number[]>; counts: Record<string, number> };
  };
  await withNetns(['base', 'bsink', 'rules', 'rsink'], async ([base, bsink, rules, rsink]) => {
    if (base === undefined || bsink === undefined || rules === undefined || rsink === undefined) throw new Error('no namespaces');
    setupSender(base, bsink);
    setupSender(rules, rsink);
    base.execOk(['iptables-legacy-restore', '-w'], '*nat\nCOMMIT\n*filter\nCOMMIT\n');
    addCounters(rules, art.nfacctCounters);
    rules.execOk(['iptables-legacy-restore', '-w', '--noflush'], art.jumps);
    rules.execOk(['iptables-legacy-restore', '-w', '--noflush', '--counters'], art.payload, 600_000);
    await yieldToLoop();
    progress.step(`kernel ${services} svc · new connections (baseline)`);
    const b = runSender(base, [{ name: 'baseline', dst: targets[0]?.dst ?? '10.96.0.10' }]);
    await yieldToLoop();
    progress.step(`kernel ${services} svc · new connections (first, last)`);
    const r = runSender(rules, targets);
    await yieldToLoop();
    for (const [name, xs] of Object.entries({ ...b.ns, ...r.ns })) {
      const s = summarize(xs);
      rows.set(name, { ns: s.median, rmePct: s.rmePct, count: b.counts[name] ?? r.counts[name] ?? 0 });
    }
    // Rule counters of KUBE-SERVICES: the targets' rules must have seen the packets.
    const listing = rules.execOk(['iptables-legacy', '-w', '-t', 'nat', '-L', 'KUBE-SERVICES', '-n', '-v', '-x'], undefined, 300_000).stdout;
    const hits: string[] = [];
    for (const t of targets) {
      const line = listing.split('\n').find((l) => l.includes(t.ruleMatch));
      const pk = line === undefined ? Number.NaN : Number(line.trim().split(/\s+/)[0]);
      hits.push(`${t.name}: ${pk} packets on its KUBE-SERVICES rule`);
    }
    check = hits.join('; ');
  });
  return { rows, rounds, check };
}

/** One restore-row from samples. */
export function restoreRow(services: number, endpoints: number, backend: KernelRestoreRow['backend'], art: RulesetArtifact, ms: readonly number[]): KernelRestoreRow {
  const s = summarize(ms);
  return { services, endpoints, backend, lines: art.lines, rules: art.rules, medianMs: s.median, rmePct: s.rmePct, samples: s.samples };
}

export function connectionRow(
  services: number,
  endpoints: number,
  target: KernelConnectionRow['target'],
  kernel: { ns: number; rmePct: number; count: number },
  baselineNs: number,
  emulator: { ns: number; rmePct: number; rules: number },
  rounds: number,
): KernelConnectionRow {
  return {
    services,
    endpoints,
    target,
    kernelNs: kernel.ns,
    kernelRmePct: kernel.rmePct,
    kernelRulesNs: kernel.ns - baselineNs,
    emulatorNs: emulator.ns,
    emulatorRmePct: emulator.rmePct,
    rulesEvaluated: emulator.rules,
    ratio: emulator.ns / kernel.ns,
    packetsPerRound: kernel.count,
    rounds,
  };
}

/** True when `python3` can open a raw socket inside a namespace (checked once). */
export function pythonRawOk(): string | null {
  const r = run(['python3', '-c', 'import socket,json;print(1)'], undefined, 30_000);
  return r.status === 0 ? null : `python3 does not run: ${r.stderr.trim()}`;
}

/**
 * Parse cost and retained memory of kube-proxy's real iptables-restore payload (a script, not a
 * timed test):
 *   npm run --silent build; node --expose-gc dist/test/netfilter/text/measure-parse.js [services] [endpoints] [runs]
 * (DUMP=file also writes the payload to that file.)
 * The payload is what src/proxy's IptablesProxier writes on its first sync for a synthetic
 * cluster (10,000 services × 5 endpoints by default: ~230k lines). Reported: CPU ms per parse
 * (process.cpuUsage, so a busy machine skews it less than wall time; median of the runs) and the
 * heap retained per rule by the parsed documents, with the payload text itself excluded.
 */
import { syntheticCluster } from '../../../src/cluster/index.js';
import { RecordingIptables } from '../../../bench/modes/iptables.js';
import { parseRestore, type RestoreDocument, type Rule } from '../../../src/netfilter/index.js';
import { IptablesProxier } from '../../../src/proxy/index.js';
import { ManualClock } from '../../../src/core/index.js';
import { SYNTHETIC_PROXY_CONFIG } from '../../../src/cluster/index.js';
import type { KubeProxyConfiguration } from '../../../src/kube/index.js';

const services = Number(process.argv[2] ?? 10000);
const endpoints = Number(process.argv[3] ?? 5);
const runs = Number(process.argv[4] ?? 7);

function proxierPayload(): string {
  const c = syntheticCluster({ services, endpointsPerService: endpoints, nodeName: 'node-1' });
  const recorder = new RecordingIptables();
  const config = { ...SYNTHETIC_PROXY_CONFIG, mode: 'iptables' } as KubeProxyConfiguration;
  const proxier = new IptablesProxier({ nodeName: 'node-1', nodeIPs: ['192.168.56.11'], config, iptables: recorder, nfacct: { ensureCounter: () => undefined, hasCounter: () => true }, hasRandomFully: true, clock: new ManualClock() });
  proxier.setObjects(c.services, c.endpointSlices);
  const r = proxier.sync();
  if (!r.ok) throw new Error(`sync failed: ${r.error?.message ?? '?'}`);
  return recorder.payload;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

// A flat copy of the payload, so that parsing does not benefit from (or pay for) a cons string.
const payload = Buffer.from(proxierPayload()).toString();
if (process.env.DUMP) (await import("node:fs")).writeFileSync(process.env.DUMP, payload);
const lines = payload.split('\n').length - 1;

const cpu: number[] = [];
for (let run = 0; run < runs; run++) {
  gc();
  const c0 = process.cpuUsage();
  const doc = parseRestore(payload, { counters: true });
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  if (doc.blocks.length < 2) throw new Error('unexpected block count');
}

// Retained memory. Values are only touched inside functions: a top-level frame may keep the
// last values it read alive in its registers, which would hide what is freed.
const box: { payload: string | null; doc: RestoreDocument | null; rules: Rule[] } = { payload, doc: null, rules: [] };
function parseIntoBox(): void {
  box.doc = parseRestore(box.payload as string, { counters: true });
  for (const b of box.doc.blocks) for (const c of b.commands) if ('rule' in c.command) box.rules.push(c.command.rule);
}
const h0 = heap();
parseIntoBox();
const h1 = heap();
box.doc = null;
const h2 = heap();
console.log(`${services} services × ${endpoints} endpoints: ${lines} lines, ${box.rules.length} rules, ${(payload.length / 1e6).toFixed(1)} MB`);
console.log(`parse cpu ms: median ${median(cpu).toFixed(0)} (runs: ${cpu.map((t) => t.toFixed(0)).join(' ')}); ${((median(cpu) * 1000) / lines).toFixed(2)} µs/line`);
console.log(`retained per rule: document ${((h1 - h0) / box.rules.length).toFixed(0)} bytes, the rules alone ${((h2 - h0) / box.rules.length).toFixed(0)} bytes (payload text excluded; it is alive throughout)`);

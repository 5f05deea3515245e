// Profiling driver (not a benchmark): parsing vs applying (apply, compile, check) a kube-proxy payload.
// usage: npm run build; node scripts/perf/restore-driver.mjs [services] [rounds]
import { makeCluster, kernelEnv, makeNodeNamespace, proxyConfig, NODE_NAME, NODE_IP_TEXT } from '../../dist/bench/cluster.js';
import { RecordingIptables } from '../../dist/bench/modes/iptables.js';
import { IptablesProxier } from '../../dist/src/proxy/index.js';
import { parseRestore } from '../../dist/src/netfilter/index.js';

const S = Number(process.argv[2] ?? 10000);
const rounds = Number(process.argv[3] ?? 3);
const cluster = makeCluster(S, 5);
const cpu = () => process.cpuUsage().user / 1000;
const env0 = kernelEnv(1);
const recorder = new RecordingIptables();
const counters = new Set();
const nfacct = { ensureCounter: (n) => void counters.add(n), hasCounter: (n) => counters.has(n) };
const p = new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: [NODE_IP_TEXT], config: proxyConfig('iptables'), iptables: recorder, nfacct, hasRandomFully: true, clock: env0.clock });
p.setObjects(cluster.serviceObjects, cluster.slices);
p.sync();
const payload = recorder.payload;
console.log('payload lines', payload.split('\n').length);
for (let r = 0; r < rounds; r++) {
  let c0 = cpu();
  const doc = parseRestore(payload, { counters: true });
  const parseMs = cpu() - c0;
  // A node as the proxier left it before its restore: its nfacct counters, chains and jump rules.
  const ns = makeNodeNamespace(kernelEnv(1));
  for (const c of counters) ns.ensureCounter(c);
  ns.iptables.restoreText(recorder.jumpsText(), { noflush: true, counters: false });
  c0 = cpu();
  ns.netfilter.restore(doc, { noflush: true, counters: true });
  const applyMs = cpu() - c0;
  c0 = cpu();
  ns.iptables.restoreText(payload, { noflush: true, counters: true });
  const againMs = cpu() - c0;
  console.log(`parse ${parseMs.toFixed(0)} ms, apply+compile+validate ${applyMs.toFixed(0)} ms (fresh), parse+restore again ${againMs.toFixed(0)} ms`);
}

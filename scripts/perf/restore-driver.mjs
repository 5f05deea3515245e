// Profiling driver (not a benchmark): parsing vs applying (apply, compile, check) a kube-proxy payload.
// usage: node scripts/perf/restore-driver.mjs [services] [rounds]
import { makeCluster, kernelEnv, makeNodeNamespace, proxyConfig, NODE_NAME, NODE_IP_TEXT } from '../../dist/bench/cluster.js';
import { IptablesProxier } from '../../dist/src/proxy/index.js';
import { parseRestore } from '../../dist/src/netfilter/index.js';

const S = Number(process.argv[2] ?? 10000);
const rounds = Number(process.argv[3] ?? 3);
const cluster = makeCluster(S, 5);
const cpu = () => process.cpuUsage().user / 1000;
let payload = '';
const env0 = kernelEnv(1);
const ns0 = makeNodeNamespace(env0);
const recorder = {
  ensureChain: (t, c) => ns0.iptables.ensureChain(t, c), flushChain() {}, deleteChain() {},
  ensureRule: (p, t, c, a) => ns0.iptables.ensureRule(p, t, c, a), deleteRule() {}, save: () => '',
  restoreAll(text) { payload = text; },
};
const p = new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: [NODE_IP_TEXT], config: proxyConfig('iptables'), iptables: recorder, nfacct: ns0, hasRandomFully: true, clock: env0.clock });
p.setObjects(cluster.serviceObjects, cluster.slices);
p.sync();
console.log('payload lines', payload.split('\n').length);
for (let r = 0; r < rounds; r++) {
  let c0 = cpu();
  const doc = parseRestore(payload, { counters: true });
  const parseMs = cpu() - c0;
  const ns = makeNodeNamespace(kernelEnv(1));
  for (const c of ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts']) ns.ensureCounter(c);
  // The chains and jump rules the proxier ensured before its restore, as in the bench.
  for (const name of ['nat', 'filter']) ns.iptables.restoreText(ns0.iptables.save(name), { noflush: true, counters: false });
  c0 = cpu();
  ns.netfilter.restore(doc, { noflush: true, counters: true });
  const applyMs = cpu() - c0;
  c0 = cpu();
  const doc2 = parseRestore(payload, { counters: true });
  ns.netfilter.restore(doc2, { noflush: true, counters: true });
  const againMs = cpu() - c0;
  console.log(`parse ${parseMs.toFixed(0)} ms, apply+compile+validate ${applyMs.toFixed(0)} ms (fresh), parse+restore again ${againMs.toFixed(0)} ms`);
}

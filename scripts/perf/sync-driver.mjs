// Profiling driver (not a benchmark): full restore, full sync and partial sync at N services.
// usage: node scripts/perf/sync-driver.mjs [services] [rounds]
import { makeCluster, kernelEnv, makeNodeNamespace, proxyConfig, NODE_NAME, NODE_IP_TEXT } from '../../dist/bench/cluster.js';
import { IptablesProxier } from '../../dist/src/proxy/index.js';

const S = Number(process.argv[2] ?? 10000);
const rounds = Number(process.argv[3] ?? 3);
const cluster = makeCluster(S, 5);
const env = kernelEnv(1);
const ns = makeNodeNamespace(env);
const cpu = () => process.cpuUsage().user / 1000;
const p = new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: [NODE_IP_TEXT], config: proxyConfig('iptables'), iptables: ns.iptables, nfacct: ns, hasRandomFully: true, clock: env.clock });
p.setObjects(cluster.serviceObjects, cluster.slices);
let c0 = cpu();
let r = p.sync();
console.log('first sync', r.ok, (cpu() - c0).toFixed(0), 'ms cpu; build', r.buildMs.toFixed(0), 'lines', r.lines);
for (let i = 0; i < rounds; i++) {
  c0 = cpu();
  p.forceFullSync();
  r = p.sync();
  const full = cpu() - c0;
  const slice = cluster.slices[S >> 1];
  const eps = slice.endpoints.slice(0, slice.endpoints.length - (i % 2));
  p.onEndpointSliceUpdate({ ...slice, endpoints: eps });
  c0 = cpu();
  r = p.sync();
  const part = cpu() - c0;
  console.log(`full ${full.toFixed(0)} ms cpu, partial ${part.toFixed(1)} ms cpu (ok ${r.ok}, lines ${r.lines})`);
}

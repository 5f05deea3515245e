// Profiling driver (not a benchmark): full restore, full sync and partial syncs at N services.
// Times are CPU (all threads, GC included), the figure that holds up on a shared machine.
// usage: node scripts/perf/sync-driver.mjs [services] [rounds]
import { makeCluster, kernelEnv, makeNodeNamespace, proxyConfig, NODE_NAME, NODE_IP_TEXT } from '../../dist/bench/cluster.js';
import { IptablesProxier } from '../../dist/src/proxy/index.js';

const S = Number(process.argv[2] ?? 10000);
const rounds = Number(process.argv[3] ?? 3);
const cluster = makeCluster(S, 5);
const env = kernelEnv(1);
const ns = makeNodeNamespace(env);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const p = new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: [NODE_IP_TEXT], config: proxyConfig('iptables'), iptables: ns.iptables, nfacct: ns, hasRandomFully: true, clock: env.clock });
p.setObjects(cluster.serviceObjects, cluster.slices);
const timed = (label, change) => {
  change?.();
  const c0 = cpu();
  const r = p.sync();
  if (!r.ok) throw r.error;
  return { ms: cpu() - c0, r };
};
const first = timed('first');
console.log('first sync', first.ms.toFixed(0), 'ms cpu; build', first.r.buildMs.toFixed(0), 'ms wall; lines', first.r.lines);
const mid = S >> 1;
const svc = cluster.serviceObjects[mid];
const slice = cluster.slices[mid];
for (let i = 0; i < rounds; i++) {
  const full = timed('full', () => p.forceFullSync());
  const eps = slice.endpoints.slice(0, slice.endpoints.length - (i % 2));
  const part = timed('partial', () => p.onEndpointSliceUpdate({ ...slice, endpoints: eps }));
  // Removing and adding a Service rewrites KUBE-SERVICES (10,000 rules) as well.
  const remove = timed('remove', () => {
    p.onServiceDelete(svc.metadata.namespace, svc.metadata.name);
    p.onEndpointSliceDelete(slice.metadata.namespace, slice.metadata.name);
  });
  const add = timed('add', () => {
    p.onServiceUpdate(svc);
    p.onEndpointSliceUpdate(slice);
  });
  console.log(
    `full ${full.ms.toFixed(0)} ms cpu, partial ${part.ms.toFixed(1)} ms cpu (lines ${part.r.lines}), remove-service ${remove.ms.toFixed(1)}, add-service ${add.ms.toFixed(1)} ms cpu`,
  );
}

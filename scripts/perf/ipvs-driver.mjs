// Profiling driver (not a benchmark): new connections (TCP SYNs from pods on cni0 to random
// ClusterIPs) through the bench's IPVS-mode node, as bench/lookup.ts's new-random case sends them.
// usage: npm run build; node [--cpu-prof] scripts/perf/ipvs-driver.mjs [services] [packets] [rounds]
import { makeCluster, CLIENT_BASE, CLIENT_COUNT, SERVICE_PORT } from '../../dist/bench/cluster.js';
import { IpvsMode } from '../../dist/bench/modes/ipvs.js';
import { lookupCases } from '../../dist/bench/lookup.js';
import { receive, PathResult } from '../../dist/src/node/index.js';
import { Packet, TCP_FLAGS } from '../../dist/src/packet/index.js';

const S = Number(process.argv[2] ?? 10000);
const N = Number(process.argv[3] ?? 200000);
const rounds = Number(process.argv[4] ?? 5);
const cluster = makeCluster(S, 5);
const ctx = { budget: { canSpend: () => false }, progress: { step() {}, note() {} }, seed: 1 };
const built = new IpvsMode().build(cluster, ctx);
const dp = built.dataplane;
const ns = dp.ns;
const targets = lookupCases(cluster, 1).find((c) => c.case === 'new-random').dst;
const pkt = new Packet();
const res = new PathResult();
let src = CLIENT_BASE;
let sport = 1024;
let k = 0;
function send() {
  pkt.reset();
  pkt.dst = targets[k];
  k = (k + 1) & 4095;
  pkt.proto = 6;
  pkt.dport = SERVICE_PORT;
  pkt.tcpFlags = TCP_FLAGS.SYN;
  pkt.src = src;
  pkt.sport = sport;
  if (++sport > 65535) {
    sport = 1024;
    if (++src >= CLIENT_BASE + CLIENT_COUNT) src = CLIENT_BASE;
  }
  receive(ns, pkt, 'cni0', res);
}
const cpu = () => process.cpuUsage().user;
const per = [];
for (let r = 0; r < rounds; r++) {
  dp.forgetConnections();
  let t = 0;
  for (let i = 0; i < N; i += 16384) {
    const n = Math.min(16384, N - i);
    const c0 = cpu();
    for (let j = 0; j < n; j++) send();
    t += cpu() - c0;
    dp.forgetConnections();
  }
  if (res.outcome !== 'transmitted' || pkt.dport !== 8080) throw new Error(`unexpected ${res.outcome} ${pkt.dport}`);
  per.push((t * 1000) / N);
}
per.sort((a, b) => a - b);
console.log(`${S} services: new connection CPU ns/packet median ${per[per.length >> 1].toFixed(0)} (runs ${per.map((x) => x.toFixed(0)).join(' ')})`);

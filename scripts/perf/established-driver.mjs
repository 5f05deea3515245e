// Profiling driver (not a benchmark): ACKs of one established connection through node-1's
// `receive`, as bench/lookup.ts times them. Prints CPU ns per packet (median of the rounds).
// usage: node scripts/perf/established-driver.mjs [services] [rounds] [packetsPerRound] [profile.cpuprofile]
// With a fourth argument, the timed rounds only (not the build) are profiled into that file.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { IptablesMode } from '../../dist/bench/modes/iptables.js';
import { makeCluster, CLIENT_BASE, SERVICE_PORT } from '../../dist/bench/cluster.js';
import { receive, PathResult } from '../../dist/src/node/index.js';
import { Packet, TCP_FLAGS, CT_INFO } from '../../dist/src/packet/index.js';

const S = Number(process.argv[2] ?? 10000);
const rounds = Number(process.argv[3] ?? 9);
const perRound = Number(process.argv[4] ?? 500000);
const cluster = makeCluster(S, 5);
const built = new IptablesMode().build(cluster, { seed: 20260101, budget: null, progress: null });
const ns = built.dataplane.ns;
const res = new PathResult();
const vip = cluster.clusterIP(0);
const client = CLIENT_BASE + 7;
const p = new Packet();
p.dst = vip; p.proto = 6; p.dport = SERVICE_PORT; p.tcpFlags = TCP_FLAGS.SYN; p.src = client; p.sport = 40000;
receive(ns, p, 'cni0', res);
const reply = new Packet();
reply.src = p.dst; reply.dst = client; reply.proto = 6; reply.sport = p.dport; reply.dport = 40000; reply.tcpFlags = TCP_FLAGS.SYN | TCP_FLAGS.ACK;
receive(ns, reply, 'eth0', res);
const pkt = new Packet();
const ack = () => {
  pkt.reset();
  pkt.src = client; pkt.dst = vip; pkt.proto = 6; pkt.sport = 40000; pkt.dport = SERVICE_PORT; pkt.tcpFlags = TCP_FLAGS.ACK;
  receive(ns, pkt, 'cni0', res);
};
ack();
if (pkt.ctInfo !== CT_INFO.ESTABLISHED || res.outcome !== 'transmitted') throw new Error(`ACK: ctinfo ${pkt.ctInfo} ${res.outcome}`);
const profileTo = process.argv[5];
const session = profileTo === undefined ? null : new Session();
if (session !== null) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
}
const cpu = () => process.cpuUsage().user;
const per = [];
for (let r = 0; r < rounds; r++) {
  const c0 = cpu();
  for (let n = 0; n < perRound; n++) ack();
  per.push(((cpu() - c0) * 1000) / perRound);
}
per.sort((a, b) => a - b);
console.log(`${S} services: established ${per[per.length >> 1].toFixed(0)} ns cpu per packet; rounds ${per.map((x) => x.toFixed(0)).join(' ')}`);
if (session !== null) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileTo, JSON.stringify(profile));
}

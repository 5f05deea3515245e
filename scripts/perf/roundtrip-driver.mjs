// Profiling driver (not a benchmark): round trips pod → ClusterIP → remote pod and back, as
// bench/roundtrip.ts times them. Prints CPU µs per round trip (median of the rounds).
// usage: node scripts/perf/roundtrip-driver.mjs [services] [rounds] [tripsPerRound] [profile.cpuprofile]
// With a fourth argument, the timed rounds only (not the cluster build) are profiled into that file.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { RoundTrip } from '../../dist/bench/roundtrip.js';

const S = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 7);
const perRound = Number(process.argv[4] ?? 20000);
const rt = new RoundTrip(S, 5, 'iptables', 20260101);
const targets = new Uint32Array(4096);
for (let k = 0; k < targets.length; k++) targets[k] = rt.clusterIP((k * 2654435761) % S);
// KPEMU_WARM=N: N round trips before the first forget (the bench's warm-up runs up to 16,384,
// which leaves the conntrack hashes sized for that many connections).
const warm = Number(process.env['KPEMU_WARM'] ?? 512);
for (let n = 0; n < warm; n++) {
  rt.run(targets[n & 4095]);
  const e = rt.check();
  if (e !== null) throw new Error(`round trip ${n}: ${e}`);
}
rt.forget();
const profileTo = process.argv[5];
const session = profileTo === undefined ? null : new Session();
if (session !== null) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const cpu = () => process.cpuUsage().user;
const per = [];
for (let r = 0; r < rounds; r++) {
  // Like the bench's cycles (~25 ms each): connections are forgotten every 1,024 round trips,
  // outside the timed part.
  let spent = 0;
  for (let n = 0; n < perRound; n += 1024) {
    const c0 = cpu();
    for (let m = 0; m < 1024; m++) rt.run(targets[(n + m) & 4095]);
    spent += cpu() - c0;
    if (rt.check() !== null) throw new Error(rt.check());
    rt.forget();
  }
  per.push(spent / (Math.ceil(perRound / 1024) * 1024));
}
per.sort((a, b) => a - b);
const med = per[per.length >> 1];
console.log(`${S} services: ${med.toFixed(2)} µs cpu per round trip (${(1e6 / med).toFixed(0)}/s); rounds ${per.map((x) => x.toFixed(2)).join(' ')}`);
if (session !== null) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileTo, JSON.stringify(profile));
}

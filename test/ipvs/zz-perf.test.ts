import { it } from 'vitest';
import { ManualClock, SeededRng } from '../../src/core/index.js';
import { IpsetRegistry, parseDirections } from '../../src/ipset/index.js';
import { Ipvs } from '../../src/ipvs/index.js';
import { Packet } from '../../src/packet/index.js';

function timeit(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 20000); i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label}: ${ns.toFixed(1)} ns/op`);
}

it('perf', () => {
  const clock = new ManualClock(0);
  const reg = new IpsetRegistry(clock, new SeededRng(1));
  reg.create('CIP', 'hash:ip,port', { maxelem: 1 << 20 });
  reg.create('NET', 'hash:net');
  reg.create('NP', 'bitmap:port', { range: { from: 0, to: 65535 } });
  for (let i = 0; i < 10000; i++) reg.add('CIP', `10.96.${i >> 8}.${i & 255},tcp:80`);
  for (let i = 0; i < 2000; i++) reg.add('NET', `10.${i >> 8}.${i & 255}.0/${16 + (i % 9)}`, {}, { exist: true });
  const p = new Packet(); p.proto = 6; p.src = 0x0a000001; p.dport = 80;
  const d = parseDirections('dst,dst'); const ci = reg.indexOf('CIP'); const ni = reg.indexOf('NET');
  let hits = 0;
  timeit('ipset hash:ip,port test (10k entries, hit/miss mix)', 2_000_000, (i) => { p.dst = (0x0a600000 + (i % 20000)) >>> 0; if (reg.testIndex(ci, p, d.dims, d.flags)) hits++; });
  timeit('ipset hash:net test (2000 nets, 9 prefix lengths)', 1_000_000, (i) => { p.src = (0x0a000000 + (i * 2654435761 % 0x1000000)) >>> 0; if (reg.testIndex(ni, p, 1, 1)) hits++; });
  console.log('hits', hits, 'probes(last)', reg.lastProbes, reg.lastCompares);

  const ipvs = new Ipvs({ clock });
  for (let s = 0; s < 1000; s++) {
    ipvs.addService({ protocol: 6, addr: 0x0a600000 + s, port: 80, scheduler: 'rr' });
    for (let k = 0; k < 5; k++) ipvs.addDest(6, 0x0a600000 + s, 80, { addr: 0x0af40000 + s * 8 + k, port: 8080, weight: 1 });
  }
  const q = new Packet(); q.proto = 6; q.tcpFlags = 2; q.dport = 80;
  timeit('ipvs schedule() new connection (1000 svcs, rr)', 200_000, (i) => { q.src = (0x0b000000 + i) >>> 0; q.sport = 1024 + (i & 0x3fff); q.dst = 0x0a600000 + (i % 1000); ipvs.schedule(q); });
  q.tcpFlags = 0x10;
  timeit('ipvs schedule() existing connection hit', 1_000_000, (i) => { const k = i % 200000; q.src = (0x0b000000 + k) >>> 0; q.sport = 1024 + (k & 0x3fff); q.dst = 0x0a600000 + (k % 1000); ipvs.schedule(q); });
  console.log('conns', ipvs.conns.size, ipvs.verdict.kind, ipvs.verdict.probes);
});

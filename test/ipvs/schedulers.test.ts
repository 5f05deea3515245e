import { describe, expect, it } from 'vitest';
import type { Dest, Ipvs, VirtualService } from '../../src/ipvs/index.js';
import { SVC_FLAGS } from '../../src/ipvs/index.js';
import { Packet } from '../../src/packet/index.js';
import { dotted, ip, newIpvs, pkt, service } from './support.js';

const VIP = '10.96.0.10';

function svcOf(ipvs: Ipvs): VirtualService {
  const s = ipvs.findService(6, ip(VIP), 80);
  if (s === undefined) throw new Error('no service');
  return s;
}

/** Names of the destinations the scheduler picks for `n` packets (scheduler only, no connections). */
function picks(ipvs: Ipvs, n: number, p: Packet = pkt('10.0.0.1', 40000, VIP, 80)): string[] {
  const s = svcOf(ipvs);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = s.scheduler.schedule(s, p);
    out.push(d === null ? '-' : names.get(d.addr) ?? dotted(d.addr));
  }
  return out;
}

const names = new Map<number, string>([
  [ip('10.244.0.1'), 'A'],
  [ip('10.244.0.2'), 'B'],
  [ip('10.244.0.3'), 'C'],
  [ip('10.244.0.4'), 'D'],
]);

function destNamed(ipvs: Ipvs, name: string): Dest {
  const d = svcOf(ipvs).dests.find((x) => names.get(x.addr) === name);
  if (d === undefined) throw new Error(`no dest ${name}`);
  return d;
}

describe('rr', () => {
  it('walks the list newest first, skipping weight 0, and steps back when the current one is deleted', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [
      ['10.244.0.1', 1],
      ['10.244.0.2', 1],
      ['10.244.0.3', 1],
    ]);
    expect(picks(ipvs, 7)).toEqual(['C', 'B', 'A', 'C', 'B', 'A', 'C']);
    ipvs.editDest(6, ip(VIP), 80, { addr: ip('10.244.0.2'), port: 8080, weight: 0 });
    expect(picks(ipvs, 4)).toEqual(['A', 'C', 'A', 'C']);
    // The pointer is on C, first in the list; deleting it moves the pointer back to the list head,
    // and B still has weight 0.
    ipvs.deleteDest(6, ip(VIP), 80, ip('10.244.0.3'), 8080);
    expect(picks(ipvs, 3)).toEqual(['A', 'A', 'A']);
    ipvs.editDest(6, ip(VIP), 80, { addr: ip('10.244.0.1'), port: 8080, weight: 0 });
    expect(picks(ipvs, 2)).toEqual(['-', '-']);
  });

  it('keeps its position when a destination is added at the head', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [
      ['10.244.0.1', 1],
      ['10.244.0.2', 1],
    ]);
    expect(picks(ipvs, 1)).toEqual(['B']);
    ipvs.addDest(6, ip(VIP), 80, { addr: ip('10.244.0.3'), port: 8080, weight: 1 });
    // List is now C B A with the pointer still on B.
    expect(picks(ipvs, 4)).toEqual(['A', 'C', 'B', 'A']);
  });
});

describe('wrr', () => {
  // Sequences derived by hand from ip_vs_wrr.c (gcd stepping of the current weight).
  it('A4 B3 C2 gives A A B A B C A B C once the scheduler starts with all three', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [
      ['10.244.0.3', 2],
      ['10.244.0.2', 3],
      ['10.244.0.1', 4],
    ]);
    // Binding wrr to a service that has its destinations starts at cw = max weight.
    ipvs.editService({ protocol: 6, addr: ip(VIP), port: 80, scheduler: 'wrr' });
    expect(picks(ipvs, 18).join('')).toBe('AABABCABCAABABCABC');
  });

  it('starts with one pass at weight >= 1 when the destinations were added one by one', () => {
    // Each add rescales cw (ip_vs_wrr_dest_changed): adding C2 to an empty service leaves cw = 1,
    // and later adds keep it, so the first pass takes everyone once.
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'wrr', [
      ['10.244.0.3', 2],
      ['10.244.0.2', 3],
      ['10.244.0.1', 4],
    ]);
    expect(picks(ipvs, 18).join('')).toBe('ABCAABABCABCAABABC');
  });

  it('steps by the gcd of the weights and skips weight 0', () => {
    const a = newIpvs().ipvs;
    service(a, VIP, 80, 'wrr', [
      ['10.244.0.3', 6],
      ['10.244.0.2', 4],
      ['10.244.0.1', 2],
    ]);
    expect(picks(a, 12).join('')).toBe('ABCCBCABCCBC');
    const b = newIpvs().ipvs;
    service(b, VIP, 80, 'wrr', [
      ['10.244.0.4', 2],
      ['10.244.0.3', 3],
      ['10.244.0.2', 0],
      ['10.244.0.1', 1],
    ]);
    expect(picks(b, 12).join('')).toBe('ACDCCDACDCCD');
  });

  it('returns nothing when every weight is 0', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'wrr', [
      ['10.244.0.1', 0],
      ['10.244.0.2', 0],
    ]);
    expect(picks(ipvs, 3)).toEqual(['-', '-', '-']);
  });

  it('restarts from the head after a destination change', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'wrr', [
      ['10.244.0.2', 1],
      ['10.244.0.1', 1],
    ]);
    expect(picks(ipvs, 1)).toEqual(['A']);
    ipvs.editDest(6, ip(VIP), 80, { addr: ip('10.244.0.2'), port: 8080, weight: 1 });
    expect(picks(ipvs, 3)).toEqual(['A', 'B', 'A']);
  });
});

describe('least-connection family', () => {
  function withCounters(sched: string, spec: readonly [string, number, number, number][]): Ipvs {
    const { ipvs } = newIpvs();
    service(
      ipvs,
      VIP,
      80,
      sched,
      spec.map(([n, w]) => [`10.244.0.${'ABCD'.indexOf(n) + 1}`, w] as [string, number]),
    );
    for (const [n, , active, inactive] of spec) {
      const d = destNamed(ipvs, n);
      d.activeConns = active;
      d.inactConns = inactive;
    }
    return ipvs;
  }

  it('lc takes the least active*256 + inactive, first in list order on ties', () => {
    // list order: C B A
    expect(picks(withCounters('lc', [['A', 1, 1, 0], ['B', 1, 0, 300], ['C', 1, 1, 5]]), 1)).toEqual(['A']);
    expect(picks(withCounters('lc', [['A', 1, 0, 3], ['B', 1, 0, 3], ['C', 1, 0, 4]]), 1)).toEqual(['B']);
    expect(picks(withCounters('lc', [['A', 1, 0, 0], ['B', 0, 0, 0], ['C', 1, 2, 0]]), 1)).toEqual(['A']);
  });

  it('wlc compares overhead/weight by cross-multiplication', () => {
    // overheads: A 512 (w1), B 768 (w2 -> 384), C 256 (w1)
    expect(picks(withCounters('wlc', [['A', 1, 2, 0], ['B', 2, 3, 0], ['C', 1, 1, 0]]), 1)).toEqual(['C']);
    // A 512/w4 = 128 beats C 256/w1
    expect(picks(withCounters('wlc', [['A', 4, 2, 0], ['B', 2, 3, 0], ['C', 1, 1, 0]]), 1)).toEqual(['A']);
    // inactive connections count 1/256 of active ones: B 0*256+600 < A 3*256
    expect(picks(withCounters('wlc', [['A', 1, 3, 0], ['B', 1, 0, 600]]), 1)).toEqual(['B']);
  });

  it('sed weighs (active + 1) / weight and ignores inactive connections', () => {
    // list order C B A: C (1+1)/1 = 2, B (3+1)/4 = 1, A (0+1)/1 = 1 ties with B and loses (strict >)
    expect(picks(withCounters('sed', [['A', 1, 0, 900], ['B', 4, 3, 0], ['C', 1, 1, 0]]), 1)).toEqual(['B']);
    // list order B A: B 1/1, A 1/2 wins
    expect(picks(withCounters('sed', [['A', 2, 0, 0], ['B', 1, 0, 0]]), 1)).toEqual(['A']);
  });

  it('nq takes an idle destination at once, else behaves like sed', () => {
    // list order C B A: C busy, B idle -> B even though C's ratio would be better
    expect(picks(withCounters('nq', [['A', 1, 0, 0], ['B', 1, 0, 50], ['C', 100, 1, 0]]), 1)).toEqual(['B']);
    expect(picks(withCounters('nq', [['A', 1, 1, 0], ['B', 3, 2, 0], ['C', 1, 3, 0]]), 1)).toEqual(['B']);
  });

  it('skips overloaded destinations', () => {
    const ipvs = withCounters('lc', [['A', 1, 0, 0], ['B', 1, 5, 0]]);
    destNamed(ipvs, 'A').flags |= 2;
    expect(picks(ipvs, 1)).toEqual(['B']);
  });
});

// Expected destinations below were computed with an independent Python transcription of
// ip_vs_sh.c / ip_vs_dh.c / ip_vs_mh.c (including SipHash-1-3 for hsiphash).
const clients = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}`);
const full = (n: string): string => `10.244.0.${'ABC'.indexOf(n) + 1}`;

function clientPicks(ipvs: Ipvs, ports?: readonly number[]): string[] {
  const s = svcOf(ipvs);
  const list = ports === undefined ? clients.map((c) => pkt(c, 40000, VIP, 80)) : ports.map((p) => pkt('10.0.0.1', p, VIP, 80));
  return list.map((p) => {
    const d = s.scheduler.schedule(s, p);
    return d === null ? '-' : dotted(d.addr);
  });
}

describe('sh', () => {
  const three = (w: readonly [number, number, number] = [1, 1, 1], flags = 0, opts = {}): Ipvs => {
    const { ipvs } = newIpvs({ scheduler: opts });
    // added .1 .2 .3 -> list .3 .2 .1
    service(
      ipvs,
      VIP,
      80,
      'sh',
      [
        ['10.244.0.1', w[2]],
        ['10.244.0.2', w[1]],
        ['10.244.0.3', w[0]],
      ],
      flags,
    );
    return ipvs;
  };

  it('hashes the client address with hash_32 over 256 buckets', () => {
    expect(clientPicks(three())).toEqual(['C', 'A', 'B', 'A', 'C', 'B', 'C', 'A', 'C', 'B'].map(full));
  });

  it('with the older multiplicative hash', () => {
    expect(clientPicks(three([1, 1, 1], 0, { hashVariant: 'multiply' }))).toEqual(['C', 'A', 'B', 'B', 'C', 'A', 'A', 'B', 'C', 'C'].map(full));
  });

  it('adds the source port with sh-port', () => {
    expect(clientPicks(three([1, 1, 1], SVC_FLAGS.SCHED2), [40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008, 40009])).toEqual(
      ['A', 'C', 'A', 'B', 'B', 'C', 'B', 'C', 'A', 'A'].map(full),
    );
    // Without the flag the port is ignored.
    expect(new Set(clientPicks(three(), [40000, 40001, 40002, 40003])).size).toBe(1);
  });

  it('gives weight w destinations w consecutive buckets', () => {
    const ipvs = three([3, 2, 1]);
    const t = Array.from((svcOf(ipvs).scheduler as unknown as { table: Int32Array }).table.slice(0, 12));
    expect(t).toEqual([0, 0, 0, 1, 1, 2, 0, 0, 0, 1, 1, 2]);
    expect(clientPicks(ipvs)).toEqual(['B', 'A', 'C', 'A', 'C', 'B', 'C', 'C', 'C', 'C'].map(full));
  });

  it('has no destination for a quiesced bucket unless sh-fallback', () => {
    const q = three();
    q.editDest(6, ip(VIP), 80, { addr: ip('10.244.0.2'), port: 8080, weight: 0 });
    expect(clientPicks(q)).toEqual(['C', 'A', '-', 'A', 'C', '-', 'C', 'A', 'C', '-'].map((n) => (n === '-' ? '-' : full(n))));
    const f = three([1, 1, 1], SVC_FLAGS.SCHED1);
    f.editDest(6, ip(VIP), 80, { addr: ip('10.244.0.2'), port: 8080, weight: 0 });
    expect(clientPicks(f)).toEqual(['C', 'A', 'A', 'A', 'C', 'A', 'C', 'A', 'C', 'A'].map(full));
  });
});

describe('dh', () => {
  it('hashes the destination address, so one VIP always maps to one server', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'dh', [
      ['10.244.0.1', 1],
      ['10.244.0.2', 1],
      ['10.244.0.3', 1],
    ]);
    // hash_32(10.96.0.10, 8) = 242, 242 % 3 = 2 -> third in list order (.1)
    expect(new Set(clientPicks(ipvs))).toEqual(new Set(['10.244.0.1']));
    const m = newIpvs({ scheduler: { hashVariant: 'multiply' } }).ipvs;
    service(m, VIP, 80, 'dh', [
      ['10.244.0.1', 1],
      ['10.244.0.2', 1],
      ['10.244.0.3', 1],
    ]);
    // (10.96.0.10 * 2654435761) & 255 = 234, 234 % 3 = 0 -> first in list order (.3)
    expect(new Set(clientPicks(m))).toEqual(new Set(['10.244.0.3']));
  });
});

describe('mh (Maglev)', () => {
  const three = (w: readonly [number, number, number] = [1, 1, 1], flags = 0, tab = 12): Ipvs => {
    const { ipvs } = newIpvs({ scheduler: { mhTabIndex: tab } });
    service(
      ipvs,
      VIP,
      80,
      'mh',
      [
        ['10.244.0.1', w[2]],
        ['10.244.0.2', w[1]],
        ['10.244.0.3', w[0]],
      ],
      flags,
    );
    return ipvs;
  };

  function slotCounts(ipvs: Ipvs): number[] {
    const t = (svcOf(ipvs).scheduler as unknown as { lookup: Int32Array }).lookup;
    const c = [0, 0, 0];
    for (const x of t) c[x] = (c[x] as number) + 1;
    return c;
  }

  it('fills a 4093-slot table evenly for equal weights and looks clients up by hsiphash', () => {
    const ipvs = three();
    expect(slotCounts(ipvs)).toEqual([1365, 1364, 1364]);
    expect(clientPicks(ipvs)).toEqual(['A', 'A', 'A', 'B', 'B', 'C', 'A', 'A', 'B', 'B'].map(full));
  });

  it('includes the source port with mh-port (kube-proxy sets it)', () => {
    expect(clientPicks(three([1, 1, 1], SVC_FLAGS.SCHED2), [40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008, 40009])).toEqual(
      ['A', 'A', 'A', 'A', 'C', 'A', 'A', 'C', 'C', 'C'].map(full),
    );
  });

  it('gives slots in proportion to weight', () => {
    const ipvs = three([3, 2, 1]);
    expect(slotCounts(ipvs)).toEqual([2047, 1364, 682]);
    expect(clientPicks(ipvs)).toEqual(['A', 'C', 'C', 'C', 'C', 'C', 'C', 'A', 'B', 'B'].map(full));
  });

  it('keeps a quiesced server in the table: its clients get nothing, or the fallback', () => {
    const q = three();
    q.editDest(6, ip(VIP), 80, { addr: ip('10.244.0.2'), port: 8080, weight: 0 });
    expect(slotCounts(q)).toEqual([1365, 1364, 1364]);
    expect(clientPicks(q)).toEqual(['A', 'A', 'A', '-', '-', 'C', 'A', 'A', '-', '-'].map((n) => (n === '-' ? '-' : full(n))));
    const f = three([1, 1, 1], SVC_FLAGS.SCHED1);
    f.editDest(6, ip(VIP), 80, { addr: ip('10.244.0.2'), port: 8080, weight: 0 });
    expect(clientPicks(f)).toEqual(['A', 'A', 'A', 'A', 'A', 'C', 'A', 'A', 'A', 'A'].map(full));
  });

  it('uses primes[index - 8] slots (index 8: 251)', () => {
    const ipvs = three([1, 1, 1], 0, 8);
    const t = (svcOf(ipvs).scheduler as unknown as { lookup: Int32Array }).lookup;
    expect(t.length).toBe(251);
    const order = ['C', 'B', 'A'];
    expect(Array.from(t.slice(0, 20)).map((i) => order[i])).toEqual(['A', 'C', 'A', 'A', 'A', 'A', 'B', 'B', 'C', 'B', 'B', 'C', 'B', 'B', 'C', 'B', 'A', 'C', 'A', 'B']);
    expect(clientPicks(ipvs)).toEqual(['A', 'A', 'A', 'A', 'C', 'C', 'A', 'A', 'C', 'C'].map(full));
  });

  it('empties the table when no destination has a weight', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'mh', [['10.244.0.1', 0]]);
    expect(clientPicks(ipvs).every((x) => x === '-')).toBe(true);
  });
});

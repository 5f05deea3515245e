import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { SVC_FLAGS, TCP_S, TCP_STATES } from '../../src/ipvs/index.js';
import { ACK, dotted, FIN, ip, newIpvs, pkt, RST, service, SYN } from './support.js';

const VIP = '10.96.0.10';
const A = '10.244.0.1';
const B = '10.244.0.2';

function destCounters(ipvs: ReturnType<typeof newIpvs>['ipvs'], addr: string): [number, number, number] {
  const s = ipvs.findService(6, ip(VIP), 80) ?? ipvs.findService(17, ip(VIP), 53);
  const d = s?.dests.find((x) => x.addr === ip(addr));
  if (d === undefined) throw new Error(`no dest ${addr}`);
  return [d.activeConns, d.inactConns, d.persistConns];
}

describe('IPVS connections', () => {
  it('schedules a SYN, reuses the connection for the rest of the flow and NATs to the real server', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [
      [A, 1],
      [B, 1],
    ]);
    const v = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80));
    expect(v.kind).toBe('new');
    expect(`${dotted(v.destAddr)}:${v.destPort}`).toBe(`${B}:8080`);
    const conn = v.conn;
    const again = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, ACK));
    expect(again.kind).toBe('hit');
    expect(again.conn).toBe(conn);
    expect(dotted(again.destAddr)).toBe(B);
    // The next client goes to the next server.
    expect(dotted(ipvs.schedule(pkt('10.0.0.2', 40000, VIP, 80)).destAddr)).toBe(A);
  });

  it('leaves packets without a service alone and lets TCP non-SYN without a connection pass', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [[A, 1]]);
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 81)).kind).toBe('no-service');
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 1)).kind).toBe('no-service');
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, ACK)).kind).toBe('not-scheduled');
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, SYN | RST)).kind).toBe('not-scheduled');
    expect(ipvs.connectionCount()).toBe(0);
  });

  it('answers no-destination (ICMP port unreachable) for a service without usable servers', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', []);
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80)).kind).toBe('no-destination');
    ipvs.addDest(6, ip(VIP), 80, { addr: ip(A), port: 8080, weight: 0 });
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80)).kind).toBe('no-destination');
  });

  it('moves TCP through the state table and the active/inactive counters with it', () => {
    const { ipvs, clock } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [[A, 1]]);
    const c = ipvs.conns;
    const v = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80));
    const i = v.conn;
    // A new connection starts inactive; SYN -> SYN_RECV (60 s).
    expect(TCP_STATES[c.state[i] as number]).toBe('SYN_RECV');
    expect(destCounters(ipvs, A)).toEqual([0, 1, 0]);
    expect((c.expires[i] as number) - clock.nowMs()).toBe(60_000);
    // The real server's SYN+ACK goes out (OUTPUT side, SYN row) and is un-NATed to the VIP.
    const r = ipvs.reply(pkt(A, 8080, '10.0.0.1', 40000, 6, SYN | ACK));
    expect(r.kind).toBe('hit');
    expect(`${dotted(r.virtAddr)}:${r.virtPort}`).toBe(`${VIP}:80`);
    expect(TCP_STATES[c.state[i] as number]).toBe('SYN_RECV');
    // Client ACK: ESTABLISHED (900 s), active.
    ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, ACK));
    expect(c.state[i]).toBe(TCP_S.ESTABLISHED);
    expect(destCounters(ipvs, A)).toEqual([1, 0, 0]);
    expect((c.expires[i] as number) - clock.nowMs()).toBe(900_000);
    // Client FIN: CLOSE_WAIT; server FIN: LAST_ACK... per table; the connection is inactive again.
    ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, FIN | ACK));
    expect(TCP_STATES[c.state[i] as number]).toBe('CLOSE_WAIT');
    expect(destCounters(ipvs, A)).toEqual([0, 1, 0]);
    ipvs.reply(pkt(A, 8080, '10.0.0.1', 40000, 6, FIN | ACK));
    expect(TCP_STATES[c.state[i] as number]).toBe('TIME_WAIT');
    expect((c.expires[i] as number) - clock.nowMs()).toBe(120_000);
    clock.advanceSeconds(120);
    ipvs.expire();
    expect(ipvs.connectionCount()).toBe(0);
    expect(destCounters(ipvs, A)).toEqual([0, 0, 0]);
  });

  it('counts UDP connections as inactive and expires them after 300 s of silence', () => {
    const { ipvs, clock } = newIpvs();
    ipvs.addService({ protocol: 17, addr: ip(VIP), port: 53, scheduler: 'rr' });
    ipvs.addDest(17, ip(VIP), 53, { addr: ip(A), port: 53, weight: 1 });
    ipvs.schedule(pkt('10.0.0.1', 5353, VIP, 53, 17));
    expect(destCounters(ipvs, A)).toEqual([0, 1, 0]);
    clock.advanceSeconds(299);
    expect(ipvs.schedule(pkt('10.0.0.1', 5353, VIP, 53, 17)).kind).toBe('hit');
    clock.advanceSeconds(299);
    ipvs.expire();
    expect(ipvs.connectionCount()).toBe(1);
    clock.advanceSeconds(1);
    ipvs.expire();
    expect(ipvs.connectionCount()).toBe(0);
    ipvs.setTimeouts(0, 0, 10);
    ipvs.schedule(pkt('10.0.0.1', 5353, VIP, 53, 17));
    clock.advanceSeconds(10);
    ipvs.expire();
    expect(ipvs.connectionCount()).toBe(0);
  });

  it('keeps a client on one server within the persistence timeout and reschedules after it', () => {
    const { ipvs, clock } = newIpvs();
    service(
      ipvs,
      VIP,
      80,
      'rr',
      [
        [A, 1],
        [B, 1],
      ],
      SVC_FLAGS.PERSISTENT,
      30,
    );
    const first = dotted(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80)).destAddr);
    // Other clients move the rr pointer; this client stays.
    ipvs.schedule(pkt('10.0.0.2', 40000, VIP, 80));
    for (let port = 40001; port < 40005; port++) expect(dotted(ipvs.schedule(pkt('10.0.0.1', port, VIP, 80)).destAddr)).toBe(first);
    const d = destCounters(ipvs, first);
    expect(d[2]).toBe(1); // one template for this client
    // The connections die after SYN_RECV's 60 s. The template's 30 s run out while it still
    // controls them, so its timer is pushed a minute (to 90 s); then it goes.
    clock.advanceSeconds(61);
    ipvs.expire();
    expect(ipvs.connectionCount()).toBe(0);
    expect(destCounters(ipvs, first)[2]).toBe(1);
    clock.advanceSeconds(28);
    ipvs.expire();
    expect(destCounters(ipvs, first)[2]).toBe(1);
    clock.advanceSeconds(1);
    ipvs.expire();
    expect(destCounters(ipvs, first)[2]).toBe(0);
    // rr picked B for this client, A for the second; without its template the client is scheduled
    // afresh and the rr pointer (on A) moves on to B.
    expect(first).toBe(B);
    expect(dotted(ipvs.schedule(pkt('10.0.0.1', 40009, VIP, 80)).destAddr)).toBe(B);
    expect(destCounters(ipvs, B)[2]).toBe(1);
  });

  it('masks the client address with the persistence netmask', () => {
    const { ipvs } = newIpvs();
    ipvs.addService({ protocol: 6, addr: ip(VIP), port: 80, scheduler: 'rr', flags: SVC_FLAGS.PERSISTENT, timeout: 300, netmask: ip('255.255.255.0') });
    ipvs.addDest(6, ip(VIP), 80, { addr: ip(A), port: 8080, weight: 1 });
    ipvs.addDest(6, ip(VIP), 80, { addr: ip(B), port: 8080, weight: 1 });
    const a = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80)).destAddr;
    expect(ipvs.schedule(pkt('10.0.0.77', 40000, VIP, 80)).destAddr).toBe(a);
    expect(ipvs.schedule(pkt('10.0.1.1', 40000, VIP, 80)).destAddr).not.toBe(a);
  });

  it('graceful termination: weight 0 takes no new connections, existing ones keep their server', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [
      [A, 1],
      [B, 1],
    ]);
    const toB = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80));
    expect(dotted(toB.destAddr)).toBe(B);
    ipvs.editDest(6, ip(VIP), 80, { addr: ip(B), port: 8080, weight: 0 });
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, ACK)).kind).toBe('hit');
    expect(dotted(ipvs.verdict.destAddr)).toBe(B);
    for (let port = 41000; port < 41005; port++) expect(dotted(ipvs.schedule(pkt('10.0.0.2', port, VIP, 80)).destAddr)).toBe(A);
  });

  it('expire_quiescent_template sends a persistent client elsewhere once its server is quiesced', () => {
    for (const expireQuiescentTemplate of [false, true]) {
      const { ipvs } = newIpvs({ expireQuiescentTemplate });
      service(
        ipvs,
        VIP,
        80,
        'rr',
        [
          [A, 1],
          [B, 1],
        ],
        SVC_FLAGS.PERSISTENT,
        10800,
      );
      expect(dotted(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80)).destAddr)).toBe(B);
      ipvs.editDest(6, ip(VIP), 80, { addr: ip(B), port: 8080, weight: 0 });
      expect(dotted(ipvs.schedule(pkt('10.0.0.1', 40001, VIP, 80)).destAddr)).toBe(expireQuiescentTemplate ? A : B);
    }
  });

  it('deleting a server with live connections: dropped, or rescheduled with expire_nodest_conn', () => {
    const run = (expireNodestConn: boolean, conntrack: boolean): string => {
      const { ipvs } = newIpvs({ expireNodestConn, conntrack });
      service(ipvs, VIP, 80, 'rr', [
        [A, 1],
        [B, 1],
      ]);
      ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80));
      ipvs.deleteDest(6, ip(VIP), 80, ip(B), 8080);
      // B lives on in the trash while its connection does.
      expect(ipvs.conns.size).toBe(1);
      const v = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, SYN));
      return v.kind === 'dropped' ? `dropped:${v.reason}:${ipvs.conns.size}` : `${v.kind}:${dotted(v.destAddr)}`;
    };
    expect(run(false, false)).toBe('dropped:dest-unavailable:1');
    expect(run(true, false)).toBe(`new:${A}`);
    expect(run(true, true)).toBe('dropped:dest-unavailable:0');
  });

  it('revives a deleted server from the trash with its connections when it is added back', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [[A, 1]]);
    ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80));
    ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, ACK));
    ipvs.deleteDest(6, ip(VIP), 80, ip(A), 8080);
    const d = ipvs.addDest(6, ip(VIP), 80, { addr: ip(A), port: 8080, weight: 1 });
    expect(d.activeConns).toBe(1);
    expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, ACK)).kind).toBe('hit');
  });

  it('conn_reuse_mode: a SYN on a TIME_WAIT tuple starts over (dropped first with conntrack)', () => {
    for (const conntrack of [false, true]) {
      const { ipvs } = newIpvs({ conntrack });
      service(ipvs, VIP, 80, 'rr', [
        [A, 1],
        [B, 1],
      ]);
      const c = ipvs.conns;
      const i = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80)).conn;
      c.state[i] = TCP_S.TIME_WAIT;
      const v = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, SYN));
      if (conntrack) {
        expect(v.kind).toBe('dropped');
        expect(v.reason).toBe('conn-reuse');
        // The client's retransmitted SYN is scheduled afresh.
        expect(ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80, 6, SYN)).kind).toBe('new');
      } else {
        expect(v.kind).toBe('new');
        expect(dotted(v.destAddr)).toBe(A);
      }
    }
  });

  it('balances by least connection using the live counters', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'lc', [
      [A, 1],
      [B, 1],
    ]);
    const seen: string[] = [];
    for (let p = 0; p < 6; p++) {
      seen.push(dotted(ipvs.schedule(pkt('10.0.0.1', 40000 + p, VIP, 80)).destAddr));
      ipvs.schedule(pkt('10.0.0.1', 40000 + p, VIP, 80, 6, ACK));
    }
    expect(seen).toEqual([B, A, B, A, B, A]);
    expect(destCounters(ipvs, A)).toEqual([3, 0, 0]);
  });

  it('grows the connection table and frees every slot again', () => {
    const { ipvs, clock } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [
      [A, 1],
      [B, 1],
    ]);
    const p = pkt('10.0.0.0', 40000, VIP, 80);
    let created = 0;
    for (let i = 0; i < 20_000; i++) {
      p.src = (ip('10.0.0.0') + i) >>> 0;
      if (ipvs.schedule(p).kind === 'new') created++;
    }
    expect(created).toBe(20_000);
    expect(ipvs.connectionCount()).toBe(20_000);
    expect(destCounters(ipvs, A)[1] + destCounters(ipvs, B)[1]).toBe(20_000);
    clock.advanceSeconds(60);
    ipvs.expire();
    expect(ipvs.conns.size).toBe(0);
    expect(destCounters(ipvs, A)).toEqual([0, 0, 0]);
  });

  it('keeps service lookups right while the service table grows and shrinks', () => {
    const { ipvs } = newIpvs();
    const vip = (i: number): number => (ip('10.96.0.0') + i) >>> 0;
    for (let i = 0; i < 5000; i++) ipvs.addService({ protocol: i % 2 === 0 ? 6 : 17, addr: vip(i), port: 80 + (i % 3), scheduler: 'rr' });
    for (let i = 0; i < 5000; i += 2) ipvs.deleteService(6, vip(i), 80 + (i % 3));
    let found = 0;
    for (let i = 0; i < 5000; i++) {
      const s = ipvs.findService(i % 2 === 0 ? 6 : 17, vip(i), 80 + (i % 3));
      if (i % 2 === 0) expect(s).toBeUndefined();
      else if (s !== undefined && s.addr === vip(i)) found++;
    }
    expect(found).toBe(2500);
    expect(ipvs.listServices().length).toBe(2500);
    // Freed ids are reused.
    ipvs.addService({ protocol: 6, addr: vip(0), port: 80, scheduler: 'rr' });
    expect(ipvs.findService(6, vip(0), 80)?.id).toBe(0);
  });

  it('refuses bad configuration with typed errors', () => {
    const { ipvs } = newIpvs();
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        return (e as KpemuError).code;
      }
      return 'none';
    };
    ipvs.addService({ protocol: 6, addr: ip(VIP), port: 80, scheduler: 'rr' });
    expect(code(() => ipvs.addService({ protocol: 6, addr: ip(VIP), port: 80, scheduler: 'rr' }))).toBe('IPVS_SERVICE_EXISTS');
    expect(code(() => ipvs.addService({ protocol: 6, addr: ip(VIP), port: 81, scheduler: 'lblc' }))).toBe('IPVS_BAD_SCHEDULER');
    expect(code(() => ipvs.editService({ protocol: 6, addr: ip(VIP), port: 82, scheduler: 'rr' }))).toBe('IPVS_NO_SERVICE');
    ipvs.addDest(6, ip(VIP), 80, { addr: ip(A), port: 8080, weight: 1 });
    expect(code(() => ipvs.addDest(6, ip(VIP), 80, { addr: ip(A), port: 8080, weight: 1 }))).toBe('IPVS_DEST_EXISTS');
    expect(code(() => ipvs.addDest(6, ip(VIP), 80, { addr: ip(B), port: 8080, weight: -1 }))).toBe('VALUE_INVALID');
    expect(code(() => ipvs.editDest(6, ip(VIP), 80, { addr: ip(B), port: 8080, weight: 1 }))).toBe('IPVS_NO_DEST');
    expect(code(() => ipvs.deleteDest(6, ip(VIP), 99, ip(B), 8080))).toBe('IPVS_NO_SERVICE');
    expect(ipvs.addService({ protocol: 6, addr: ip(VIP), port: 83, scheduler: 'mh' }).flags & SVC_FLAGS.HASHED).toBe(SVC_FLAGS.HASHED);
  });

  it('a new scheduler starts fresh; the same one keeps its state', () => {
    const { ipvs } = newIpvs();
    service(ipvs, VIP, 80, 'rr', [
      [A, 1],
      [B, 1],
    ]);
    expect(dotted(ipvs.schedule(pkt('10.0.0.1', 1, VIP, 80)).destAddr)).toBe(B);
    ipvs.editService({ protocol: 6, addr: ip(VIP), port: 80, scheduler: 'rr' });
    expect(dotted(ipvs.schedule(pkt('10.0.0.1', 2, VIP, 80)).destAddr)).toBe(A);
    ipvs.editService({ protocol: 6, addr: ip(VIP), port: 80, scheduler: 'wrr' });
    expect(dotted(ipvs.schedule(pkt('10.0.0.1', 3, VIP, 80)).destAddr)).toBe(B);
  });

  it('reports the probes of each decision and flags of the conntrack hook', () => {
    const events: string[] = [];
    const { ipvs, clock } = newIpvs({
      conntrackHook: {
        onNat: (p, d, dp) => events.push(`nat ${dotted(p.src)} -> ${dotted(d)}:${dp}`),
        onExpire: (_proto, caddr, _cport, _vaddr, _vport, daddr) => events.push(`expire ${dotted(caddr)} ${dotted(daddr)}`),
      },
    });
    service(ipvs, VIP, 80, 'rr', [[A, 1]]);
    const v = ipvs.schedule(pkt('10.0.0.1', 40000, VIP, 80));
    expect(v.probes).toBeGreaterThanOrEqual(2);
    clock.advanceSeconds(61);
    ipvs.expire();
    expect(events).toEqual([`nat 10.0.0.1 -> ${A}:8080`, `expire 10.0.0.1 ${A}`]);
  });
});

describe('invalid input', () => {
  it('throws KpemuError, not plain errors', () => {
    const { ipvs } = newIpvs();
    expect(() => ipvs.deleteService(6, 1, 1)).toThrow(KpemuError);
  });
});

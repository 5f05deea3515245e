import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../../src/addr/index.js';
import { formatIpv4 } from '../../../src/core/index.js';
import type { Protocol } from '../../../src/kube/index.js';
import { Packet, TCP_FLAGS } from '../../../src/packet/index.js';
import { makeService, makeSlice } from '../support/objects.js';
import { checkedSync, newHarness, syncWith, weightedRealServers, type Harness } from './support.js';

/**
 * Graceful termination (reference §1.5): a real server that carries connections is quiesced at
 * weight 0 and deleted by the one-minute retry once its connections are gone; UDP and SCTP
 * servers, and servers without connections, are deleted at once. Time is the harness clock.
 */

const VIP = '10.20.30.41';
const A = '10.180.0.1';
const B = '10.180.0.2';
const PROTO_NUMBER: Record<Protocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };

function packet(src: string, sport: number, dst: string, dport: number, protocol: Protocol, flags = 0): Packet {
  const p = new Packet();
  p.src = parseIpv4(src);
  p.sport = sport;
  p.dst = parseIpv4(dst);
  p.dport = dport;
  p.proto = PROTO_NUMBER[protocol];
  p.tcpFlags = protocol === 'TCP' ? flags : 0;
  return p;
}

/** Opens a connection from `client` to the VIP and returns the real server IPVS chose. */
function connect(h: Harness, client: string, sport: number, protocol: Protocol): string {
  const v = h.ipvs.schedule(packet(client, sport, VIP, 80, protocol, TCP_FLAGS.SYN));
  if (v.kind !== 'new') throw new Error(`expected a new connection, got ${v.kind}`);
  const dest = formatIpv4(v.destAddr);
  if (protocol === 'TCP') h.ipvs.schedule(packet(client, sport, VIP, 80, protocol, TCP_FLAGS.ACK));
  return dest;
}

const service = (protocol: Protocol) => makeService('ns1', 'svc1', { clusterIP: VIP, ports: [{ port: 80, protocol }] });
const slice = (protocol: Protocol, ...ips: string[]) => makeSlice('ns1', 'svc1-1', { service: 'svc1', ports: [{ port: 80, protocol }], endpoints: ips.map((ip) => ({ ip })) });

describe('IPVS proxier graceful termination', () => {
  it('quiesces a TCP server with connections, keeps it while they last, deletes it after they end', () => {
    const h = newHarness();
    syncWith(h, [service('TCP')], [slice('TCP', A, B)]);
    const busy = connect(h, '10.0.0.1', 40000, 'TCP');
    const other = busy === A ? B : A;

    const removal = syncWith(h, [service('TCP')], [slice('TCP', other)]);
    expect(removal.ipvsOps).toMatchObject({ rsUpdated: 1, rsDeleted: 0, rsAdded: 0 });
    expect(weightedRealServers(h, `${VIP}:80/TCP`)).toEqual([`${busy}:80=0`, `${other}:80=1`].sort());
    const name = `${VIP}:80/TCP/${busy}:80`;
    expect(h.proxier.pendingGracefulDeletes.map((p) => p.name)).toEqual([name]);
    expect(removal.gracefulPending).toBe(1);

    // New connections avoid the weight-0 server; the old one keeps going to it.
    expect(connect(h, '10.0.0.2', 40001, 'TCP')).toBe(other);
    expect(h.ipvs.schedule(packet('10.0.0.1', 40000, VIP, 80, 'TCP', TCP_FLAGS.ACK)).kind).toBe('hit');

    // The retry runs once a minute of clock time after start.
    h.clock.advanceSeconds(30);
    expect(h.proxier.processGracefulDeletes()).toMatchObject({ ran: false, deleted: [], pending: 1 });
    h.clock.advanceSeconds(30);
    expect(h.proxier.processGracefulDeletes()).toMatchObject({ ran: true, deleted: [], pending: 1 });
    expect(h.proxier.nextGracefulCheckMs).toBe(120_000);

    // The client closes; the connection lingers (inactive) through TIME_WAIT, which still counts.
    h.ipvs.schedule(packet('10.0.0.1', 40000, VIP, 80, 'TCP', TCP_FLAGS.FIN | TCP_FLAGS.ACK));
    h.ipvs.reply(packet(busy, 80, '10.0.0.1', 40000, 'TCP', TCP_FLAGS.FIN | TCP_FLAGS.ACK));
    h.clock.advanceSeconds(60);
    expect(h.proxier.processGracefulDeletes()).toMatchObject({ ran: true, deleted: [], pending: 1 });

    // TIME_WAIT (120 s) is over. The emulated kernel expires connections when asked; a real one on its own timers.
    h.clock.advanceSeconds(120);
    h.ipvs.expire();
    const after = checkedSync(h);
    expect(after.gracefulDeleted).toEqual([name]);
    expect(after.ipvsOps).toMatchObject({ rsDeleted: 1, rsUpdated: 0, rsAdded: 0 });
    expect(after.gracefulPending).toBe(0);
    expect(weightedRealServers(h, `${VIP}:80/TCP`)).toEqual([`${other}:80=1`]);
  });

  it('deletes a TCP server without connections at once', () => {
    const h = newHarness();
    syncWith(h, [service('TCP')], [slice('TCP', A, B)]);
    const r = syncWith(h, [service('TCP')], [slice('TCP', A)]);
    expect(r.ipvsOps).toMatchObject({ rsDeleted: 1, rsUpdated: 0 });
    expect(r.gracefulPending).toBe(0);
    expect(weightedRealServers(h, `${VIP}:80/TCP`)).toEqual([`${A}:80=1`]);
  });

  for (const protocol of ['UDP', 'SCTP'] as const) {
    it(`deletes a ${protocol} server at once even with connections`, () => {
      const h = newHarness();
      syncWith(h, [service(protocol)], [slice(protocol, A)]);
      connect(h, '10.0.0.1', 5353, protocol);
      expect(h.ipvsApi.getRealServers({ address: parseIpv4(VIP), port: 80, protocol, scheduler: 'rr', flags: 0, timeout: 0 })[0]?.inactiveConn).toBe(1);
      const r = syncWith(h, [service(protocol)], [slice(protocol)]);
      expect(r.ipvsOps).toMatchObject({ rsDeleted: 1, rsUpdated: 0 });
      expect(weightedRealServers(h, `${VIP}:80/${protocol}`)).toEqual([]);
    });
  }

  it('an endpoint that comes back while quiesced is deleted and re-added at weight 1', () => {
    const h = newHarness();
    syncWith(h, [service('TCP')], [slice('TCP', A)]);
    connect(h, '10.0.0.1', 40000, 'TCP');
    syncWith(h, [service('TCP')], [slice('TCP')]);
    expect(weightedRealServers(h, `${VIP}:80/TCP`)).toEqual([`${A}:80=0`]);
    const back = syncWith(h, [service('TCP')], [slice('TCP', A)]);
    expect(back.ipvsOps).toMatchObject({ rsDeleted: 1, rsAdded: 1 });
    expect(back.gracefulPending).toBe(0);
    expect(weightedRealServers(h, `${VIP}:80/TCP`)).toEqual([`${A}:80=1`]);
  });

  it('the first sync after a restart resets leftover weights to 1 (Test_syncEndpoint_updateWeightsOnRestart)', () => {
    const h = newHarness();
    const vs = { address: parseIpv4(VIP), port: 80, protocol: 'TCP' as const, scheduler: 'rr', flags: 0, timeout: 0 };
    h.ipvsApi.addVirtualServer(vs);
    h.ipvsApi.addRealServer(vs, { address: parseIpv4(A), port: 80, weight: 0 });
    const first = syncWith(h, [service('TCP')], [slice('TCP', A)]);
    expect(first.ipvsOps).toMatchObject({ vsAdded: 0, rsUpdated: 1, rsAdded: 0 });
    expect(weightedRealServers(h, `${VIP}:80/TCP`)).toEqual([`${A}:80=1`]);
    // Later syncs do not look at weights any more.
    h.ipvsApi.updateRealServer(vs, { address: parseIpv4(A), port: 80, weight: 3 });
    expect(checkedSync(h).ipvsOps.rsUpdated).toBe(0);
  });

  it('forgets quiesced servers of a virtual server that went away', () => {
    const h = newHarness();
    syncWith(h, [service('TCP')], [slice('TCP', A)]);
    connect(h, '10.0.0.1', 40000, 'TCP');
    syncWith(h, [service('TCP')], [slice('TCP')]);
    expect(h.proxier.pendingGracefulDeletes).toHaveLength(1);
    const gone = syncWith(h, [], []);
    expect(gone.virtualServersDeleted).toEqual([`${VIP}:80/TCP`]);
    expect(gone.gracefulPending).toBe(0);
    // Re-created later, the endpoint is added normally.
    const again = syncWith(h, [service('TCP')], [slice('TCP', A)]);
    expect(again.ipvsOps).toMatchObject({ vsAdded: 1, rsAdded: 1, rsDeleted: 0 });
  });
});

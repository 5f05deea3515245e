import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster/build.js';
import { formatIpv4 } from '../../src/core/index.js';
import { loadClusterFiles } from '../../src/kube/index.js';
import { Packet, TCP_FLAGS } from '../../src/packet/index.js';
import { CollectingSink } from '../../src/trace/index.js';
import { ip } from '../support/addr.js';

const DEMO = new URL('../../fixtures/clusters/demo.yaml', import.meta.url).pathname;

function demo(): Cluster {
  return Cluster.build(loadClusterFiles([DEMO]), { seed: 7 });
}

function tcp(src: string, dst: string, sport: number, dport: number, flags: number = TCP_FLAGS.SYN): Packet {
  const p = new Packet();
  p.src = ip(src);
  p.dst = ip(dst);
  p.proto = 6;
  p.sport = sport;
  p.dport = dport;
  p.tcpFlags = flags;
  return p;
}

/** The answer an endpoint sends to what it received. */
function replyTo(p: Packet): Packet {
  const r = new Packet();
  r.src = p.dst;
  r.dst = p.src;
  r.proto = p.proto;
  r.sport = p.dport;
  r.dport = p.sport;
  r.tcpFlags = TCP_FLAGS.SYN | TCP_FLAGS.ACK;
  return r;
}

describe('the demo cluster in iptables mode', () => {
  it('carries pod → pod across nodes through VXLAN and back', () => {
    const c = demo();
    const client = c.topology.pods.get('default/client');
    if (client === undefined) throw new Error('no client pod');
    const sink = new CollectingSink();
    for (const ns of c.topology.allNamespaces()) ns.trace = sink;
    const p = tcp('10.244.2.50', '10.244.1.10', 41000, 8080);
    const end = c.forwarder.send(client.netns, p);
    expect(end.outcome).toBe('delivered');
    expect(end.netns.place.netns).toBe('pod/default/web-1');
    expect(formatIpv4(p.src)).toBe('10.244.2.50'); // no NAT between pods
    expect(sink.events.some((e) => e.kind === 'encap')).toBe(true);
    expect(sink.events.some((e) => e.kind === 'decap')).toBe(true);
    const back = c.forwarder.send(end.netns, replyTo(p));
    expect(back.outcome).toBe('delivered');
    expect(back.netns.place.netns).toBe('pod/default/client');
  });

  it('DNATs pod → ClusterIP to a pod on another node and un-DNATs the reply on the client node', () => {
    const c = demo();
    const client = c.topology.pods.get('default/client');
    if (client === undefined) throw new Error('no client pod');
    const end = c.forwarder.send(client.netns, tcp('10.244.2.50', '10.96.0.20', 41001, 80));
    expect(end.outcome).toBe('delivered');
    const p = end.packet;
    expect(['10.244.1.10', '10.244.2.10', '10.244.3.10']).toContain(formatIpv4(p.dst));
    expect(p.dport).toBe(8080);
    expect(formatIpv4(p.src)).toBe('10.244.2.50'); // pod traffic is not masqueraded
    const back = c.forwarder.send(end.netns, replyTo(p));
    expect(back.outcome).toBe('delivered');
    expect(back.netns.place.netns).toBe('pod/default/client');
    expect([formatIpv4(back.packet.src), back.packet.sport]).toEqual(['10.96.0.20', 80]);
  });
});

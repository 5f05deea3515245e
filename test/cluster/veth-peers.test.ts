import { describe, expect, it } from 'vitest';
import { Forwarder, Topology } from '../../src/cluster/index.js';
import { ManualClock, SeededRng } from '../../src/core/index.js';
import { Packet, TCP_FLAGS } from '../../src/packet/index.js';
import { ip } from '../support/addr.js';

/** One node with three pods on cni0 (10.244.1.0/24). */
function onePodNode() {
  const topo = new Topology({
    seed: 7,
    clock: new ManualClock(0),
    rng: new SeededRng(7),
    underlayMtu: 1500,
    underlayPrefixLen: 24,
    clusterNetwork: ip('10.244.0.0'),
    clusterPrefixLen: 16,
  });
  topo.addNode('node-1', ip('192.168.56.11'), ip('10.244.1.0'), 24);
  const a = topo.addPod('ns', 'a', 'node-1', ip('10.244.1.2'), false);
  const b = topo.addPod('ns', 'b', 'node-1', ip('10.244.1.3'), false);
  const c = topo.addPod('ns', 'c', 'node-1', ip('10.244.1.4'), false);
  return { topo, a, b, c, fwd: new Forwarder(topo) };
}

function syn(dst: string): Packet {
  const p = new Packet();
  p.src = ip('10.244.1.2');
  p.dst = ip(dst);
  p.proto = 6;
  p.sport = 40000;
  p.dport = 80;
  p.tcpFlags = TCP_FLAGS.SYN;
  return p;
}

describe('Forwarder: veth peers resolved once per peer', () => {
  it('follows a veth whose peer is re-assigned instead of the peer it resolved before', () => {
    const { topo, a, b, c, fwd } = onePodNode();
    const host = topo.node('node-1').host;
    const first = fwd.send(a.netns, syn('10.244.1.3'));
    expect(first.outcome).toBe('delivered');
    expect(first.netns).toBe(b.netns);
    // Re-wire b's host-side veth to c's namespace (a new peer object): the next frame must go
    // where the wiring now says, as resolving the names afresh would send it.
    host.device(b.hostVeth).peer = { netns: c.netns.place.netns, dev: 'eth0' };
    const second = fwd.send(a.netns, syn('10.244.1.3'));
    expect(second.netns).toBe(c.netns);
    expect(second.outcome).toBe('dropped');
    expect(second.reason).toBe('forwarding-disabled');
  });

  it('drops a frame whose peer namespace does not exist, resolved or not', () => {
    const { topo, a, b, fwd } = onePodNode();
    const host = topo.node('node-1').host;
    expect(fwd.send(a.netns, syn('10.244.1.3')).netns).toBe(b.netns);
    host.device(b.hostVeth).peer = { netns: 'pod/ns/gone', dev: 'eth0' };
    const end = fwd.send(a.netns, syn('10.244.1.3'));
    expect(end.outcome).toBe('dropped');
    expect(end.reason).toBe('no-neighbour');
    expect(end.netns).toBe(host);
  });
});

import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster/index.js';
import { loadClusterFiles } from '../../src/kube/index.js';
import type { NetNamespace } from '../../src/node/index.js';

/**
 * The forwarder resolves veth peers and VXLAN sockets through indexes kept beside the data they
 * index (the topology's pod namespaces by name, a namespace's list of VXLAN devices). Each index
 * is compared here with the plain search over the data it stands for, on every namespace of the
 * demo cluster.
 */
const DEMO = new URL('../../fixtures/clusters/demo.yaml', import.meta.url).pathname;

/** The pod namespace a veth peer names, found by searching the pods (what the index replaces). */
function searchPodNetns(c: Cluster, name: string): NetNamespace | undefined {
  for (const pod of c.topology.pods.values()) if (!pod.hostNetwork && `pod/${pod.namespace}/${pod.name}` === name) return pod.netns;
  return undefined;
}

describe('forwarding lookups', () => {
  const c = Cluster.build(loadClusterFiles([DEMO]), { seed: 3 });
  // A pod added after the build (as `kpemu trace` does for an unknown pod address) is indexed too.
  c.topology.addPod('kpemu', 'late', 'node-1', (c.topology.node('node-1').podNetwork + 200) >>> 0, false);

  it('finds the namespace of every veth peer as a search over the pods does', () => {
    let peers = 0;
    for (const ns of c.topology.allNamespaces()) {
      for (const dev of ns.devices.values()) {
        if (dev.peer === null || dev.peer.netns === 'host') continue;
        peers++;
        const found = c.topology.podNetns(dev.peer.netns);
        expect(found).toBeDefined();
        expect(found).toBe(searchPodNetns(c, dev.peer.netns));
      }
    }
    expect(peers).toBeGreaterThan(2);
    expect(c.topology.podNetns('pod/nowhere/none')).toBeUndefined();
    expect(c.topology.podNetns('host')).toBeUndefined();
  });

  it('finds the VXLAN device of a UDP port as a search over the devices does', () => {
    for (const ns of c.topology.allNamespaces()) {
      for (const port of [0, 53, 4789, 8472, 65535]) {
        let expected = null;
        for (const d of ns.devices.values()) {
          if (d.kind === 'vxlan' && d.vxlan !== null && d.vxlan.port === port) {
            expected = d;
            break;
          }
        }
        expect(ns.vxlanDeviceOnPort(port)).toBe(expected);
      }
    }
    expect(c.topology.node('node-1').host.vxlanDeviceOnPort(8472)?.name).toBe('flannel.1');
  });
});

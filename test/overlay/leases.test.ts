import { describe, expect, it } from 'vitest';
import { formatIpv4, formatPrefix, isKpemuError, type KpemuError } from '../../src/core/index.js';
import type { Node } from '../../src/kube/index.js';
import { FLANNEL_ANNOTATION, leaseAnnotations, nodeLease, subnetLeases, vtepMac } from '../../src/overlay/index.js';
import { exampleNodes, MAC_SEED, netConf, node, V2 } from './objects.js';

function thrown(fn: () => unknown): KpemuError {
  try {
    fn();
  } catch (e) {
    if (isKpemuError(e)) return e;
    throw e;
  }
  throw new Error('expected a KpemuError');
}

const conf = netConf();
const opts = { macSeed: MAC_SEED };

describe('subnet leases from Nodes (kube subnet manager, reference §2a)', () => {
  it('takes the lease from spec.podCIDR and the public IP from the InternalIP', () => {
    const leases = subnetLeases(exampleNodes(), conf, opts);
    expect(leases.map((l) => [l.node, formatPrefix(l.subnet), formatIpv4(l.publicIp), formatIpv4(l.ifaceIp), l.vni, l.backendType])).toEqual([
      ['node0', '10.244.0.0/24', '192.168.1.10', '192.168.1.10', 1, 'vxlan'],
      ['node1', '10.244.1.0/24', '192.168.1.11', '192.168.1.11', 1, 'vxlan'],
      ['node2', '10.244.2.0/24', '192.168.1.12', '192.168.1.12', 1, 'vxlan'],
    ]);
  });

  it('derives the VTEP MAC from the seed, but reuses a MAC stored in backend-data (flannel >= v0.24.1)', () => {
    const [n0, n1, n2] = subnetLeases(exampleNodes(), conf, opts);
    expect(n0?.vtepMac).toBe('3a:77:1d:62:3f:db');
    expect(n1?.vtepMac).toBe('7e:f0:08:ca:cd:90');
    expect(n1?.vtepMac).toBe(vtepMac(MAC_SEED, 'node1'));
    expect(n2?.vtepMac).toBe(V2);
  });

  it('writes the annotations flanneld writes', () => {
    const n1 = nodeLease(exampleNodes()[1] as Node, conf, opts);
    expect(leaseAnnotations(n1)).toEqual({
      'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"7e:f0:08:ca:cd:90"}',
      'flannel.alpha.coreos.com/backend-type': 'vxlan',
      'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
      'flannel.alpha.coreos.com/public-ip': '192.168.1.11',
    });
  });

  it('publishes public-ip-overwrite, else node-public-ip, while the device keeps the interface address', () => {
    const over = nodeLease(
      node({ name: 'a', podCIDR: '10.244.5.0/24', internalIP: '192.168.1.5', annotations: { [FLANNEL_ANNOTATION.publicIpOverwrite]: '203.0.113.5', [FLANNEL_ANNOTATION.nodePublicIp]: '198.51.100.5' } }),
      conf,
      opts,
    );
    expect([formatIpv4(over.publicIp), formatIpv4(over.ifaceIp)]).toEqual(['203.0.113.5', '192.168.1.5']);
    expect(leaseAnnotations(over)[FLANNEL_ANNOTATION.publicIp]).toBe('203.0.113.5');
    const ext = nodeLease(node({ name: 'b', podCIDR: '10.244.6.0/24', internalIP: '192.168.1.6', annotations: { [FLANNEL_ANNOTATION.nodePublicIp]: '198.51.100.6' } }), conf, opts);
    expect([formatIpv4(ext.publicIp), formatIpv4(ext.ifaceIp)]).toEqual(['198.51.100.6', '192.168.1.6']);
  });

  it('falls back to an ExternalIP, and takes an underlay address the caller decides', () => {
    const e = nodeLease(node({ name: 'c', podCIDR: '10.244.7.0/24', externalIP: '198.51.100.7' }), conf, opts);
    expect(formatIpv4(e.ifaceIp)).toBe('198.51.100.7');
    const given = nodeLease(node({ name: 'c', podCIDR: '10.244.7.0/24', internalIP: '192.168.1.7' }), conf, { macSeed: 1, ifaceIps: new Map([['c', 0xc0a83807]]) });
    expect(formatIpv4(given.ifaceIp)).toBe('192.168.56.7');
  });

  describe('errors name the node', () => {
    const cases: Array<{ what: string; n: Node; code: string; field: string; words: string[] }> = [
      { what: 'podCIDR missing', n: node({ name: 'w1', podCIDR: '', internalIP: '192.168.1.1', line: 7 }), code: 'FLANNEL_CONFIG', field: 'spec.podCIDR', words: ['"w1"', 'pod cidr not assigned'] },
      {
        what: 'podCIDR outside Network',
        n: node({ name: 'w2', podCIDR: '10.245.1.0/24', internalIP: '192.168.1.2', line: 8 }),
        code: 'FLANNEL_CONFIG',
        field: 'spec.podCIDR',
        words: ['"w2"', '10.244.0.0/16', '10.245.1.0/24', "doesn't contain"],
      },
      {
        what: 'podCIDR larger than Network',
        n: node({ name: 'w3', podCIDR: '10.0.0.0/8', internalIP: '192.168.1.3', line: 9 }),
        code: 'FLANNEL_CONFIG',
        field: 'spec.podCIDR',
        words: ['"w3"', "doesn't contain"],
      },
      {
        what: 'prefix length is not SubnetLen',
        n: node({ name: 'w4', podCIDR: '10.244.1.0/25', internalIP: '192.168.1.4', line: 10 }),
        code: 'FLANNEL_CONFIG',
        field: 'spec.podCIDR',
        words: ['"w4"', '/25', 'SubnetLen is /24'],
      },
      { what: 'no node address', n: node({ name: 'w5', podCIDR: '10.244.1.0/24', line: 11 }), code: 'FLANNEL_CONFIG', field: 'status.addresses', words: ['"w5"', 'InternalIP'] },
      {
        what: 'bad public-ip-overwrite',
        n: node({ name: 'w6', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.6', annotations: { [FLANNEL_ANNOTATION.publicIpOverwrite]: '1.2.3' } }),
        code: 'FLANNEL_CONFIG',
        field: 'metadata.annotations["flannel.alpha.coreos.com/public-ip-overwrite"]',
        words: ['"w6"', '1.2.3'],
      },
      {
        what: 'bad backend-data',
        n: node({ name: 'w7', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.7', annotations: { [FLANNEL_ANNOTATION.backendData]: '{"VNI":1}' } }),
        code: 'FLANNEL_CONFIG',
        field: 'metadata.annotations["flannel.alpha.coreos.com/backend-data"]',
        words: ['VtepMAC is missing'],
      },
    ];
    for (const c of cases) {
      it(c.what, () => {
        const e = thrown(() => subnetLeases([c.n], conf, opts));
        expect(e.code).toBe(c.code);
        for (const w of c.words) expect(e.message).toContain(w);
        expect(e.location).toMatchObject({ file: 'cluster.yaml', line: c.n.source.line, object: `Node ${c.n.metadata.name}`, field: c.field });
        expect(e.describe()).toContain(`cluster.yaml:${c.n.source.line}`);
      });
    }
  });

  describe('conflicts between nodes are KUBE_CONFLICT naming both', () => {
    it('same subnet', () => {
      const e = thrown(() =>
        subnetLeases(
          [node({ name: 'a', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.1' }), node({ name: 'b', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.2', line: 5 })],
          conf,
          opts,
        ),
      );
      expect(e.code).toBe('KUBE_CONFLICT');
      expect(e.message).toContain('"a"');
      expect(e.message).toContain('"b"');
      expect(e.message).toContain('10.244.1.0/24');
    });

    it('the same subnet on nodes that are not neighbours in input order', () => {
      // Every lease is a /SubnetLen, so two leases overlap only by being equal.
      const e = thrown(() =>
        subnetLeases(
          [
            node({ name: 'x', podCIDR: '10.244.3.0/24', internalIP: '192.168.1.1' }),
            node({ name: 'y', podCIDR: '10.244.9.0/24', internalIP: '192.168.1.2' }),
            node({ name: 'z', podCIDR: '10.244.3.0/24', internalIP: '192.168.1.3' }),
          ],
          conf,
          opts,
        ),
      );
      expect(e.code).toBe('KUBE_CONFLICT');
      expect(e.message).toMatch(/"x".*"z"|"z".*"x"/);
    });

    it('same node name, VTEP MAC or public IP', () => {
      const twice = thrown(() => subnetLeases([node({ name: 'a', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.1' }), node({ name: 'a', podCIDR: '10.244.2.0/24', internalIP: '192.168.1.2' })], conf, opts));
      expect(twice.code).toBe('KUBE_CONFLICT');
      expect(twice.message).toContain('defined twice');
      const bd = { [FLANNEL_ANNOTATION.backendData]: `{"VNI":1,"VtepMAC":"${V2}"}` };
      const mac = thrown(() =>
        subnetLeases(
          [node({ name: 'a', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.1', annotations: bd }), node({ name: 'b', podCIDR: '10.244.2.0/24', internalIP: '192.168.1.2', annotations: bd })],
          conf,
          opts,
        ),
      );
      expect(mac.code).toBe('KUBE_CONFLICT');
      expect(mac.message).toContain(V2);
      const ip = thrown(() => subnetLeases([node({ name: 'a', podCIDR: '10.244.1.0/24', internalIP: '192.168.1.1' }), node({ name: 'b', podCIDR: '10.244.2.0/24', internalIP: '192.168.1.1' })], conf, opts));
      expect(ip.code).toBe('KUBE_CONFLICT');
      expect(ip.message).toContain('192.168.1.1');
    });
  });
});

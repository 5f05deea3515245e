import { describe, expect, it } from 'vitest';
import { NodeAddresses, NodePortAddresses, newLocalTrafficDetector, type ProxyWarning } from '../../src/proxy/index.js';
import { makeConfig } from './support/objects.js';

function detector(config: Parameters<typeof makeConfig>[0], nodePodCIDRs: readonly string[] = []) {
  const warnings: ProxyWarning[] = [];
  const d = newLocalTrafficDetector({ config: makeConfig(config), nodePodCIDRs }, (w) => void warnings.push(w));
  return { d, warnings };
}

describe('newLocalTrafficDetector', () => {
  it('ClusterCIDR: -s / ! -s the cluster CIDR (IPv4 half of a dual-stack pair)', () => {
    const { d } = detector({ clusterCIDR: 'fd00:10::/48, 10.244.0.0/16' });
    expect(d.kind === 'none' ? null : [d.ifLocal, d.ifNotLocal]).toEqual([
      ['-s', '10.244.0.0/16'],
      ['!', '-s', '10.244.0.0/16'],
    ]);
  });

  it('ClusterCIDR without a CIDR: no detector, silently (a legal setup)', () => {
    const { d, warnings } = detector({ clusterCIDR: '' });
    expect(d.kind).toBe('none');
    expect(warnings).toEqual([]);
  });

  it('NodeCIDR: the node podCIDR, or none with a warning', () => {
    const { d } = detector({ detectLocalMode: 'NodeCIDR' }, ['10.244.1.0/24']);
    expect(d.kind === 'none' ? null : d.ifNotLocal).toEqual(['!', '-s', '10.244.1.0/24']);
    const missing = detector({ detectLocalMode: 'NodeCIDR' });
    expect([missing.d.kind, missing.warnings.map((w) => w.code)]).toEqual(['none', ['LOCAL_DETECTOR_UNAVAILABLE']]);
  });

  it('BridgeInterface and InterfaceNamePrefix match the input interface', () => {
    const br = detector({ detectLocalMode: 'BridgeInterface', detectLocal: { bridgeInterface: 'cni0', interfaceNamePrefix: '' } }).d;
    expect(br.kind === 'none' ? null : [br.ifLocal, br.ifNotLocal]).toEqual([
      ['-i', 'cni0'],
      ['!', '-i', 'cni0'],
    ]);
    const veth = detector({ detectLocalMode: 'InterfaceNamePrefix', detectLocal: { bridgeInterface: '', interfaceNamePrefix: 'veth' } }).d;
    expect(veth.kind === 'none' ? null : [veth.ifLocal, veth.ifNotLocal]).toEqual([
      ['-i', 'veth+'],
      ['!', '-i', 'veth+'],
    ]);
    expect(detector({ detectLocalMode: 'BridgeInterface' }).d.kind).toBe('none');
  });
});

describe('NodeAddresses / NodePortAddresses', () => {
  const node = new NodeAddresses(['192.168.0.2', '192.168.1.2', '192.168.099.011']);
  const npa = (entries: readonly string[]) => {
    const warnings: ProxyWarning[] = [];
    return { npa: new NodePortAddresses(entries, node, (w) => void warnings.push(w)), warnings };
  };

  it('knows the primary IP and the local addresses (loopback included)', () => {
    expect(node.primaryText).toBe('192.168.0.2');
    expect(node.localAddresses).toEqual(['127.0.0.1', '192.168.0.2', '192.168.1.2', '192.168.99.11']);
    expect([node.isLocalAddress('192.168.99.11'), node.isLocalAddress('127.0.0.1'), node.isLocalAddress('10.0.0.1')]).toEqual([true, true, false]);
    expect(() => new NodeAddresses([])).toThrow(expect.objectContaining({ code: 'VALUE_INVALID' }));
    expect(() => new NodeAddresses(['x'])).toThrow(expect.objectContaining({ code: 'VALUE_INVALID' }));
  });

  it('empty means all addresses, loopback included', () => {
    const { npa: all } = npa([]);
    expect([all.matchAll, all.containsIPv4Loopback]).toEqual([true, true]);
  });

  it('filters local addresses by CIDR, in numeric order', () => {
    const { npa: some } = npa(['192.168.0.0/16', '127.0.0.1/32']);
    expect([some.matchAll, some.containsIPv4Loopback]).toEqual([false, true]);
    expect(some.matchingAddresses(node)).toEqual(['127.0.0.1', '192.168.0.2', '192.168.1.2', '192.168.99.11']);
    const { npa: one } = npa(['192.168.0.0/24']);
    expect([one.containsIPv4Loopback, one.matchingAddresses(node)]).toEqual([false, ['192.168.0.2']]);
  });

  it('"primary" is the primary node IP; other families and junk are ignored with a warning', () => {
    const { npa: p } = npa(['primary']);
    expect(p.matchingAddresses(node)).toEqual(['192.168.0.2']);
    const { npa: junk, warnings } = npa(['fd00::/64', 'nonsense']);
    expect(junk.matchAll).toBe(true);
    expect(warnings.map((w) => w.code)).toEqual(['NODEPORT_ADDRESS_IGNORED', 'NODEPORT_ADDRESS_IGNORED']);
  });
});

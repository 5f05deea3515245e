import { describe, expect, it } from 'vitest';
import { isKpemuError, type KpemuError } from '../../src/core/index.js';
import { defaultSubnetLen, flannelNetwork, resolveFlannelNetwork } from '../../src/overlay/index.js';
import { netConf } from './objects.js';

function thrown(fn: () => unknown): KpemuError {
  try {
    fn();
  } catch (e) {
    if (isKpemuError(e)) return e;
    throw e;
  }
  throw new Error('expected a KpemuError');
}

describe('flannel net-conf resolution (reference §1, invariant 1)', () => {
  it('defaults SubnetLen like flannel: /16 → 24, /23 → 25, /28 → 30, /29 refused', () => {
    expect(resolveFlannelNetwork(netConf('10.244.0.0/16')).subnetLen).toBe(24);
    expect(resolveFlannelNetwork(netConf('10.244.0.0/22')).subnetLen).toBe(24);
    expect(resolveFlannelNetwork(netConf('10.244.0.0/23')).subnetLen).toBe(25);
    expect(resolveFlannelNetwork(netConf('10.244.0.0/28')).subnetLen).toBe(30);
    const e = thrown(() => resolveFlannelNetwork(netConf('10.244.0.0/29')));
    expect(e.code).toBe('FLANNEL_CONFIG');
    expect(e.message).toContain('/28');
    expect(e.location).toMatchObject({ file: 'net-conf.json', object: 'FlannelNetConf', field: 'Network' });
    expect(defaultSubnetLen(8)).toBe(24);
  });

  it('checks an explicit SubnetLen: 31 refused, fewer than four subnets refused', () => {
    expect(resolveFlannelNetwork(netConf('10.244.0.0/16', 26)).subnetLen).toBe(26);
    expect(resolveFlannelNetwork(netConf('10.244.0.0/16', 18)).subnetLen).toBe(18);
    const e31 = thrown(() => resolveFlannelNetwork(netConf('10.244.0.0/16', 31)));
    expect(e31.code).toBe('FLANNEL_CONFIG');
    expect(e31.location?.field).toBe('SubnetLen');
    expect(e31.message).toContain('less than /31');
    const e17 = thrown(() => resolveFlannelNetwork(netConf('10.244.0.0/16', 17)));
    expect(e17.message).toContain('at least four subnets');
  });

  it('applies backend defaults: device flannel.<VNI>, port 0 → 8472', () => {
    const n = resolveFlannelNetwork(netConf('10.244.0.0/16', 0, { vni: 7, port: 0 }));
    expect(n).toMatchObject({ deviceName: 'flannel.7', vni: 7, port: 8472, directRouting: false, learning: false, gbp: false, outerMtu: 0 });
    expect(n.network).toMatchObject({ network: 0x0af40000, length: 16 });
    expect(resolveFlannelNetwork(netConf('10.244.0.0/16', 0, { port: 4789 })).port).toBe(4789);
  });

  it('clears host bits of Network like Go net.ParseCIDR', () => {
    expect(resolveFlannelNetwork(netConf('10.244.3.7/16')).network.network).toBe(0x0af40000);
  });

  it('refuses IPv6-only configs, bad CIDRs, VNIs over 24 bits, bad ports and tiny MTUs', () => {
    const cases: Array<[ReturnType<typeof netConf>, string]> = [
      [netConf('10.244.0.0/16', 0, {}, false), 'EnableIPv4'],
      [netConf('10.244.0.0'), 'Network'],
      [netConf('10.244.00.0/16'), 'Network'],
      [netConf('fd00::/64'), 'Network'],
      [netConf('10.244.0.0/16', 0, { vni: 0x1000000 }), 'Backend.VNI'],
      [netConf('10.244.0.0/16', 0, { port: 70000 }), 'Backend.Port'],
      [netConf('10.244.0.0/16', 0, { mtu: 100 }), 'Backend.MTU'],
    ];
    for (const [conf, field] of cases) {
      const e = thrown(() => resolveFlannelNetwork(conf));
      expect(e.code).toBe('FLANNEL_CONFIG');
      expect(e.location?.field).toBe(field);
    }
  });

  it('returns an already resolved network as is', () => {
    const n = resolveFlannelNetwork(netConf());
    expect(flannelNetwork(n)).toBe(n);
  });
});

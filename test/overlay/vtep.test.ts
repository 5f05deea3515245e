import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatPrefix, isKpemuError } from '../../src/core/index.js';
import type { Node } from '../../src/kube/index.js';
import {
  flannelMtu,
  formatVxlanDevice,
  isLocalUnicastMac,
  nodeLease,
  subnetEnv,
  vtepMac,
  vxlanDeviceConfig,
  vxlanDeviceMtu,
} from '../../src/overlay/index.js';
import { exampleNodes, MAC_SEED, netConf } from './objects.js';

const node1 = nodeLease(exampleNodes()[1] as Node, netConf(), { macSeed: MAC_SEED });

describe('VTEP MAC (reference §3, invariant 3)', () => {
  it('is deterministic per seed and node name', () => {
    expect(vtepMac(MAC_SEED, 'node1')).toBe('7e:f0:08:ca:cd:90');
    expect(vtepMac(MAC_SEED, 'node1')).toBe(vtepMac(MAC_SEED, 'node1'));
    expect(vtepMac(MAC_SEED, 'node1')).not.toBe(vtepMac(MAC_SEED + 1, 'node1'));
    expect(vtepMac(MAC_SEED, 'node1')).not.toBe(vtepMac(MAC_SEED, 'node2'));
  });

  it('is always locally administered unicast (byte 0 = xxxxxx10), lower-case aa:bb:cc:dd:ee:ff', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.string({ minLength: 1, maxLength: 63 }), (seed, name) => {
        const mac = vtepMac(seed, name);
        expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
        expect(Number.parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
        expect(isLocalUnicastMac(mac)).toBe(true);
      }),
    );
    expect(isLocalUnicastMac('01:00:5e:00:00:01')).toBe(false);
  });

  it('rarely collides across 5000 node names', () => {
    const macs = new Set(Array.from({ length: 5000 }, (_, i) => vtepMac(7, `node-${i}`)));
    expect(macs.size).toBe(5000);
  });
});

describe('flannel.1 device config (reference §3, §6b)', () => {
  it('reproduces §6b: flannel.1 10.244.1.0/32 mtu 1450 vxlan id 1 local 192.168.1.11 dstport 8472 nolearning', () => {
    const d = vxlanDeviceConfig(node1, netConf(), { dev: 'eth0', mtu: 1500 });
    expect(formatVxlanDevice(d)).toBe('flannel.1 10.244.1.0/32 mtu 1450 vxlan id 1 local 192.168.1.11 dstport 8472 nolearning');
    expect(d).toMatchObject({ name: 'flannel.1', vni: 1, port: 8472, link: 'eth0', learning: false, gbp: false, mtu: 1450, mac: '7e:f0:08:ca:cd:90', ttl: 0, tos: 0, df: false, udpChecksum: true });
    expect(formatIpv4(d.local)).toBe('192.168.1.11');
    expect(formatPrefix(d.address)).toBe('10.244.1.0/32');
  });

  it('follows the net-conf VNI, port, learning and GBP', () => {
    const d = vxlanDeviceConfig(node1, netConf('10.244.0.0/16', 0, { vni: 4096, port: 4789, learning: true, gbp: true }), { dev: 'ens3', mtu: 9001 });
    expect(formatVxlanDevice(d)).toBe('flannel.4096 10.244.1.0/32 mtu 8951 vxlan id 4096 local 192.168.1.11 dstport 4789 learning gbp');
  });

  it('MTU: underlay − 50, or net-conf MTU − 50, clamped by the kernel to underlay − 50', () => {
    expect(flannelMtu(netConf(), 1500)).toBe(1450);
    expect(flannelMtu(netConf('10.244.0.0/16', 0, { mtu: 1400 }), 1500)).toBe(1350);
    expect(vxlanDeviceMtu(netConf('10.244.0.0/16', 0, { mtu: 1400 }), 1500)).toBe(1350);
    // flannel asks the kernel for 1480; vxlan_config_apply clamps a new device to 1500 − 50.
    expect(flannelMtu(netConf('10.244.0.0/16', 0, { mtu: 1530 }), 1500)).toBe(1480);
    expect(vxlanDeviceMtu(netConf('10.244.0.0/16', 0, { mtu: 1530 }), 1500)).toBe(1450);
  });

  it('refuses an underlay MTU that leaves less than 68', () => {
    try {
      vxlanDeviceConfig(node1, netConf(), { dev: 'eth0', mtu: 117 });
      expect.unreachable();
    } catch (e) {
      expect(isKpemuError(e) && e.code).toBe('FLANNEL_CONFIG');
    }
    expect(vxlanDeviceConfig(node1, netConf(), { dev: 'eth0', mtu: 118 }).mtu).toBe(68);
  });
});

describe('subnet.env (reference §2c, invariant 2)', () => {
  it('is exactly what WriteSubnetFile writes', () => {
    expect(subnetEnv(node1, netConf(), { underlayMtu: 1500, ipMasq: true })).toBe(
      'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
    );
    expect(subnetEnv(node1, netConf(), { underlayMtu: 9000, ipMasq: false })).toBe(
      'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=8950\nFLANNEL_IPMASQ=false\n',
    );
  });

  it('reports flannel MTU() (net-conf MTU − 50), not the kernel-clamped device MTU', () => {
    expect(subnetEnv(node1, netConf('10.244.0.0/16', 0, { mtu: 1530 }), { underlayMtu: 1500, ipMasq: true })).toContain('FLANNEL_MTU=1480\n');
  });
});

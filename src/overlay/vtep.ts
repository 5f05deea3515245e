/**
 * flannel.<VNI>, the VXLAN device flanneld creates on each node (pkg/backend/vxlan/device.go),
 * and the subnet.env file it writes for the CNI plugin.
 *
 * The VTEP MAC: flanneld draws 6 random bytes (`mac.NewHardwareAddr`, then
 * `b[0] = (b[0] & 0xfe) | 0x02`: locally administered, unicast) when it first creates the device,
 * and since v0.24.1 reuses the MAC stored in its backend-data annotation on restart. A random
 * choice cannot be replayed, so kpemu derives the bytes from a seed and the node name instead
 * ({@link vtepMac}); the bit fix-up is the same.
 */
import { finalize32, formatIpv4, formatPrefix, KpemuError, mix32, prefix, type Ipv4, type Prefix } from '../core/index.js';
import type { SubnetLease } from './leases.js';
import { FLANNEL_ENCAP_OVERHEAD, flannelNetwork, type FlannelConfigInput, type FlannelNetwork } from './network.js';

/** The kernel's smallest Ethernet MTU (ETH_MIN_MTU). */
const ETH_MIN_MTU = 68;

/**
 * A deterministic stand-in for flanneld's random VTEP MAC: two seeded murmur3 hashes of the node
 * name give 6 bytes; byte 0 then gets flannel's fix-up, so the MAC is always locally administered
 * (bit 1 set) and unicast (bit 0 clear). `seed` is any uint32. Returns lower-case
 * `aa:bb:cc:dd:ee:ff`.
 */
export function vtepMac(seed: number, nodeName: string): string {
  // Different start values for the two halves so they are independent hashes of the same name.
  let h1 = mix32(seed | 0, 0x766d_6163);
  let h2 = mix32(~seed | 0, 0x6e6f_6465);
  for (let i = 0; i < nodeName.length; i++) {
    const c = nodeName.charCodeAt(i);
    h1 = mix32(h1, c);
    h2 = mix32(h2, c);
  }
  h1 = finalize32(mix32(h1, nodeName.length));
  h2 = finalize32(mix32(h2, nodeName.length));
  const b = [h1 >>> 24, (h1 >>> 16) & 0xff, (h1 >>> 8) & 0xff, h1 & 0xff, h2 >>> 24, (h2 >>> 16) & 0xff];
  b[0] = ((b[0] as number) & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** True when byte 0 of a `aa:bb:...` MAC has the pattern xxxxxx10 (locally administered unicast). */
export function isLocalUnicastMac(mac: string): boolean {
  const b0 = Number.parseInt(mac.slice(0, 2), 16);
  return (b0 & 0x03) === 0x02;
}

/** The node's underlay interface as flanneld sees it (its "external interface"). */
export interface UnderlayLink {
  /** Device name, e.g. `eth0`. */
  readonly dev: string;
  /** Its MTU, bytes. */
  readonly mtu: number;
}

/**
 * Everything `ip link add flannel.1 type vxlan ...` plus flannel's address and MTU settings give
 * the device. Addresses uint32 host order; MTU in bytes.
 */
export interface VxlanDeviceConfig {
  /** `flannel.<VNI>`. */
  readonly name: string;
  readonly vni: number;
  /** Outer UDP destination port (`dstport`). */
  readonly port: number;
  /** Outer source address (`local`): the underlay interface's address. */
  readonly local: Ipv4;
  /** The underlay device (`dev`, flannel's VtepDevIndex). */
  readonly link: string;
  /** flannel sends IFLA_VXLAN_LEARNING explicitly; false unless the net-conf sets Learning. */
  readonly learning: boolean;
  readonly gbp: boolean;
  /** Device MTU: the outer MTU minus 50, clamped by the kernel to the underlay MTU minus 50. */
  readonly mtu: number;
  /** Lower-case `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string;
  /** The lease's network address as a /32 (no broadcast route; a source for host→pod traffic). */
  readonly address: Prefix;
  /** 0: flannel sends ttl 0, so outer packets take the route hop limit (64). */
  readonly ttl: 0;
  /** 0: outer TOS 0, with the inner ECN bits copied in. */
  readonly tos: 0;
  /** Outer DF stays clear: flannel does not set IFLA_VXLAN_DF. */
  readonly df: false;
  /** Outer UDP checksum computed: IFLA_VXLAN_UDP_CSUM is absent, current kernels then checksum. */
  readonly udpChecksum: true;
}

/**
 * The MTU flanneld reports (`network.MTU()`, written to subnet.env as FLANNEL_MTU): the outer MTU
 * (net-conf `MTU`, else the underlay MTU) minus 50. Bytes.
 */
export function flannelMtu(config: FlannelConfigInput, underlayMtu: number): number {
  const net = flannelNetwork(config);
  checkUnderlayMtu(net, underlayMtu);
  return (net.outerMtu > 0 ? net.outerMtu : underlayMtu) - FLANNEL_ENCAP_OVERHEAD;
}

/**
 * The device MTU the kernel ends up with: flannel asks for outer MTU − 50 at creation, and
 * `vxlan_config_apply` clamps a new device to the lower device's MTU − 50 (checked on a real
 * kernel: asking 1480 over a 1500 veth gives 1450). Bytes.
 */
export function vxlanDeviceMtu(config: FlannelConfigInput, underlayMtu: number): number {
  return Math.min(flannelMtu(config, underlayMtu), underlayMtu - FLANNEL_ENCAP_OVERHEAD);
}

/** The flannel.<VNI> device of a node. Throws FLANNEL_CONFIG when the underlay MTU is too small. */
export function vxlanDeviceConfig(lease: SubnetLease, config: FlannelConfigInput, underlay: UnderlayLink): VxlanDeviceConfig {
  const net = flannelNetwork(config);
  return {
    name: net.deviceName,
    vni: net.vni,
    port: net.port,
    local: lease.ifaceIp,
    link: underlay.dev,
    learning: net.learning,
    gbp: net.gbp,
    mtu: vxlanDeviceMtu(net, underlay.mtu),
    mac: lease.vtepMac,
    address: prefix(lease.subnet.network, 32),
    ttl: 0,
    tos: 0,
    df: false,
    udpChecksum: true,
  };
}

export interface SubnetEnvOptions {
  /** The underlay interface MTU, bytes. */
  readonly underlayMtu: number;
  /** flanneld's `--ip-masq` (true in the shipped manifest). */
  readonly ipMasq: boolean;
}

/**
 * /run/flannel/subnet.env as `WriteSubnetFile` writes it for an IPv4-only network: the Network,
 * the lease with its first host address (`sn.IncrementIP()`, e.g. 10.244.1.1/24), the MTU and
 * the masquerade flag, one `KEY=value\n` line each.
 */
export function subnetEnv(lease: SubnetLease, config: FlannelConfigInput, options: SubnetEnvOptions): string {
  const net = flannelNetwork(config);
  const firstHost = formatIpv4((lease.subnet.network + 1) >>> 0);
  return (
    `FLANNEL_NETWORK=${formatPrefix(net.network)}\n` +
    `FLANNEL_SUBNET=${firstHost}/${lease.subnet.length}\n` +
    `FLANNEL_MTU=${flannelMtu(net, options.underlayMtu)}\n` +
    `FLANNEL_IPMASQ=${options.ipMasq ? 'true' : 'false'}\n`
  );
}

function checkUnderlayMtu(net: FlannelNetwork, underlayMtu: number): void {
  if (!Number.isInteger(underlayMtu) || underlayMtu - FLANNEL_ENCAP_OVERHEAD < ETH_MIN_MTU) {
    throw new KpemuError('FLANNEL_CONFIG', `underlay MTU ${underlayMtu} leaves ${net.deviceName} less than the minimum MTU ${ETH_MIN_MTU} after the ${FLANNEL_ENCAP_OVERHEAD}-byte VXLAN overhead`, {
      location: net.location,
    });
  }
}

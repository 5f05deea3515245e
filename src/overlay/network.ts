/**
 * The flannel network configuration (net-conf.json) as flanneld's VXLAN backend reads it, with
 * flannel's defaults and checks applied once so that the rest of overlay/ works on numbers.
 *
 * SubnetLen follows flannel's `CheckNetworkConfig` (pkg/subnet/config.go): unset means /24 when
 * Network is /22 or larger, otherwise Network + 2, and a Network longer than /28 is refused; an
 * explicit SubnetLen must be at most 30 and at least Network + 2 (room for four subnets).
 * (flannel runs that check for the etcd manager only; kpemu applies it always, so a kube-mode
 * net-conf gets the same defaults a user of flannel's docs expects.)
 */
import { KpemuError, formatPrefix, type Prefix, type SourceLocation } from '../core/index.js';
import type { FlannelNetConf } from '../kube/index.js';
import { parseCidrText } from './text.js';

/** The Linux VXLAN driver's default UDP port (`vxlan_port`), used when the net-conf sets none. */
export const FLANNEL_DEFAULT_PORT = 8472;
/** flannel's `defaultVNI`. */
export const FLANNEL_DEFAULT_VNI = 1;
/** flannel's `encapOverhead`: outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 bytes. */
export const FLANNEL_ENCAP_OVERHEAD = 50;
/** Largest VNI: the VXLAN header holds 24 bits. */
export const VNI_MAX = 0xff_ffff;

/** A net-conf after flannel's defaults and checks; what the other overlay functions take. */
export interface FlannelNetwork {
  readonly kind: 'FlannelNetwork';
  /** The whole overlay (`Network`), host bits cleared. */
  readonly network: Prefix;
  /** Prefix length of every node's lease, 1..30. */
  readonly subnetLen: number;
  /** 0..2^24-1. */
  readonly vni: number;
  /** Outer UDP destination port, 1..65535 (8472 unless the net-conf sets `Port`). */
  readonly port: number;
  /** `flannel.<VNI>`. */
  readonly deviceName: string;
  readonly directRouting: boolean;
  /**
   * The net-conf `Backend.MTU`: the MTU of the *outer* packets, bytes; 0 = the underlay device's
   * MTU. flannel.1 gets this minus 50.
   */
  readonly outerMtu: number;
  readonly gbp: boolean;
  readonly learning: boolean;
  /** Where the net-conf came from, for error messages. */
  readonly location: SourceLocation;
}

/** Either form the overlay functions accept: the loaded net-conf, or it already resolved. */
export type FlannelConfigInput = FlannelNetConf | FlannelNetwork;

/**
 * flannel's default SubnetLen for a Network prefix length. Throws FLANNEL_CONFIG for a Network
 * longer than /28 ("network is too small").
 */
export function defaultSubnetLen(networkLength: number, location: SourceLocation = {}): number {
  if (networkLength > 28) {
    throw new KpemuError('FLANNEL_CONFIG', `network is too small: Network is a /${networkLength}, the minimum useful network prefix is /28`, {
      location: { ...location, field: 'Network' },
    });
  }
  return networkLength <= 22 ? 24 : networkLength + 2;
}

/** Resolves a net-conf (or returns an already resolved network unchanged). Throws FLANNEL_CONFIG. */
export function flannelNetwork(input: FlannelConfigInput): FlannelNetwork {
  return input.kind === 'FlannelNetwork' ? input : resolveFlannelNetwork(input);
}

/**
 * Applies flannel's defaults and checks to a loaded net-conf. Throws FLANNEL_CONFIG naming the
 * net-conf field for: IPv4 disabled (kpemu emulates IPv4 only), a Network that is not a CIDR,
 * a SubnetLen out of range, a VNI over 24 bits, a port or MTU out of range.
 */
export function resolveFlannelNetwork(conf: FlannelNetConf): FlannelNetwork {
  const base: SourceLocation = { file: conf.source.file, line: conf.source.line, object: 'FlannelNetConf' };
  const fail = (field: string, message: string, text?: string): never => {
    throw new KpemuError('FLANNEL_CONFIG', message, { location: { ...base, field, ...(text !== undefined ? { text } : {}) } });
  };

  if (!conf.enableIPv4) fail('EnableIPv4', 'EnableIPv4 is false: kpemu emulates the IPv4 flannel network only');
  const net = parseCidrText(conf.network) ?? fail('Network', `Network ${JSON.stringify(conf.network)} is not an IPv4 CIDR such as 10.244.0.0/16`, conf.network);

  let subnetLen = conf.subnetLen;
  if (!Number.isInteger(subnetLen) || subnetLen < 0) fail('SubnetLen', `SubnetLen ${subnetLen} is not a prefix length`);
  if (subnetLen === 0) {
    subnetLen = defaultSubnetLen(net.length, base);
  } else {
    if (subnetLen > 30) fail('SubnetLen', `SubnetLen must be less than /31, got /${subnetLen}`);
    if (subnetLen < net.length + 2) {
      fail('SubnetLen', `network must be able to accommodate at least four subnets: SubnetLen /${subnetLen} in Network ${formatPrefix(net)} needs to be at least /${net.length + 2}`);
    }
  }

  const b = conf.backend;
  if (!Number.isInteger(b.vni) || b.vni < 0 || b.vni > VNI_MAX) fail('Backend.VNI', `VNI ${b.vni} does not fit the 24-bit VXLAN network identifier`);
  if (!Number.isInteger(b.port) || b.port < 0 || b.port > 0xffff) fail('Backend.Port', `Port ${b.port} is not a UDP port`);
  // MTU − 50 must leave the kernel's minimum Ethernet MTU (68) for flannel.1.
  if (!Number.isInteger(b.mtu) || b.mtu < 0 || (b.mtu > 0 && b.mtu - FLANNEL_ENCAP_OVERHEAD < 68)) {
    fail('Backend.MTU', `MTU ${b.mtu} leaves flannel.${b.vni} less than the minimum MTU 68 after the ${FLANNEL_ENCAP_OVERHEAD}-byte VXLAN overhead`);
  }

  return {
    kind: 'FlannelNetwork',
    network: net,
    subnetLen,
    vni: b.vni,
    // flannel sends Port to the kernel only when > 0, so 0 means the kernel's 8472.
    port: b.port === 0 ? FLANNEL_DEFAULT_PORT : b.port,
    deviceName: `flannel.${b.vni}`,
    directRouting: b.directRouting,
    outerMtu: b.mtu,
    gbp: b.gbp,
    learning: b.learning,
    location: base,
  };
}

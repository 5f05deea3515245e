import type { NetNamespace } from './netns.js';

/** Kinds of network devices kpemu models. */
export type DeviceKind = 'loopback' | 'ethernet' | 'bridge' | 'veth' | 'vxlan' | 'dummy';

/** An IPv4 address on a device. */
export interface DeviceAddress {
  readonly addr: number;
  readonly length: number;
  /** Scope as `ip addr` shows it: host for 127/8, global otherwise. */
  readonly scope: 'host' | 'link' | 'global';
}

export interface VxlanConfig {
  readonly vni: number;
  readonly port: number;
  /** Underlay address the VTEP sends from. */
  readonly local: number;
  /** Underlay device. */
  readonly underlay: string;
  readonly learning: boolean;
  readonly gbp: boolean;
}

/** A network device in a namespace. */
export interface Device {
  readonly name: string;
  readonly kind: DeviceKind;
  mac: string;
  mtu: number;
  up: boolean;
  readonly addresses: DeviceAddress[];
  /** Bridge this device is a port of. */
  master: string;
  /** Bridge port hairpin mode (frames may go back out of the port they came in on). */
  hairpin: boolean;
  /** For a veth: the peer's namespace id and device name. */
  peer: { readonly netns: string; readonly dev: string } | null;
  vxlan: VxlanConfig | null;
  /**
   * The far end of this veth as a forwarder last resolved `peer` (namespace and device by name:
   * map lookups it would otherwise repeat for every packet), or null. Valid only while its `of`
   * is the current `peer` object: assigning a new peer makes it stale.
   */
  resolvedPeer: ResolvedPeer | null;
}

/** A veth peer resolved to objects (see {@link Device.resolvedPeer}). */
export interface ResolvedPeer {
  /** The `peer` value this was resolved from. */
  readonly of: NonNullable<Device['peer']>;
  readonly netns: NetNamespace;
  /** undefined when the peer namespace has no device of that name. */
  readonly dev: Device | undefined;
}

export function newDevice(name: string, kind: DeviceKind, mac: string, mtu: number): Device {
  return { name, kind, mac, mtu, up: true, addresses: [], master: '', hairpin: false, peer: null, vxlan: null, resolvedPeer: null };
}

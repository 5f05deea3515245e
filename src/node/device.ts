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
}

export function newDevice(name: string, kind: DeviceKind, mac: string, mtu: number): Device {
  return { name, kind, mac, mtu, up: true, addresses: [], master: '', hairpin: false, peer: null, vxlan: null };
}

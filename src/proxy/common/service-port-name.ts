import type { Protocol } from '../../kube/index.js';

/**
 * The identity of one port of one Service, as kube-proxy keys its maps. The protocol is part of
 * the identity (endpoint ports are matched on name and protocol) but not of the printed form.
 */
export interface ServicePortName {
  readonly namespace: string;
  readonly name: string;
  /** The port's name; '' for the single unnamed port a Service may have. */
  readonly port: string;
  readonly protocol: Protocol;
}

/** `namespace/name`, the key kube-proxy uses for a Service and everything derived from it. */
export function namespacedName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * `namespace/name:port`, or `namespace/name` for an unnamed port. This string goes into rule
 * comments and, followed by the protocol, into the chain-name hash, so it must match upstream
 * byte for byte.
 */
export function servicePortNameString(spn: Pick<ServicePortName, 'namespace' | 'name' | 'port'>): string {
  return spn.port === '' ? `${spn.namespace}/${spn.name}` : `${spn.namespace}/${spn.name}:${spn.port}`;
}

/** Lower-case protocol as iptables spells it (`-p tcp`, `-m sctp`). */
export function protocolLower(protocol: Protocol): 'tcp' | 'udp' | 'sctp' {
  switch (protocol) {
    case 'TCP':
      return 'tcp';
    case 'UDP':
      return 'udp';
    case 'SCTP':
      return 'sctp';
  }
}

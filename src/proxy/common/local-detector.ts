import { formatPrefix, type Prefix } from '../../core/index.js';
import { parseCidrSloppy } from './cidr.js';
import type { KubeProxyConfiguration } from '../../kube/index.js';
import type { WarningSink } from './warnings.js';

/**
 * How rules tell pod traffic ("local" to the cluster network) from everything else, per
 * KubeProxyConfiguration.detectLocalMode. Rules splice in `ifLocal` / `ifNotLocal` as iptables
 * words; `kind: 'none'` means no rule that needs the distinction is written at all.
 */
export type LocalTrafficDetector =
  | { readonly kind: 'none'; readonly reason: string }
  | {
      readonly kind: 'source-cidr';
      readonly cidr: Prefix;
      readonly ifLocal: readonly string[];
      readonly ifNotLocal: readonly string[];
    }
  | {
      readonly kind: 'input-interface';
      /** As iptables takes it: a name, or a prefix ending in `+`. */
      readonly interfaceName: string;
      readonly ifLocal: readonly string[];
      readonly ifNotLocal: readonly string[];
    };

export interface DetectorInputs {
  readonly config: KubeProxyConfiguration;
  /** The node's podCIDR(s), for NodeCIDR mode ('' or [] when unknown). */
  readonly nodePodCIDRs: readonly string[];
}

/** Builds the detector for the configured mode; an impossible configuration yields 'none' and a warning. */
export function newLocalTrafficDetector({ config, nodePodCIDRs }: DetectorInputs, warn: WarningSink): LocalTrafficDetector {
  const none = (reason: string, field: string): LocalTrafficDetector => {
    warn({ code: 'LOCAL_DETECTOR_UNAVAILABLE', message: `${reason}; rules that need to tell pod traffic apart are left out`, location: { object: 'KubeProxyConfiguration', field } });
    return { kind: 'none', reason };
  };
  const mode = config.detectLocalMode;
  switch (mode) {
    case 'ClusterCIDR': {
      // clusterCIDR may hold a dual-stack pair "v4,v6"; the IPv4 proxier takes the IPv4 one.
      if (config.clusterCIDR.trim() === '') return { kind: 'none', reason: 'clusterCIDR is not set' };
      const cidr = firstIpv4Cidr(config.clusterCIDR.split(','));
      return cidr === null ? none(`clusterCIDR "${config.clusterCIDR}" has no IPv4 CIDR`, 'clusterCIDR') : bySource(cidr);
    }
    case 'NodeCIDR': {
      const cidr = firstIpv4Cidr(nodePodCIDRs);
      return cidr === null ? none('detectLocalMode NodeCIDR but the node has no IPv4 podCIDR', 'detectLocalMode') : bySource(cidr);
    }
    case 'BridgeInterface': {
      const name = config.detectLocal.bridgeInterface;
      return name === '' ? none('detectLocalMode BridgeInterface without detectLocal.bridgeInterface', 'detectLocal.bridgeInterface') : byInterface(name);
    }
    case 'InterfaceNamePrefix': {
      const prefix = config.detectLocal.interfaceNamePrefix;
      return prefix === '' ? none('detectLocalMode InterfaceNamePrefix without detectLocal.interfaceNamePrefix', 'detectLocal.interfaceNamePrefix') : byInterface(`${prefix}+`);
    }
  }
}

function bySource(cidr: Prefix): LocalTrafficDetector {
  const text = formatPrefix(cidr);
  return { kind: 'source-cidr', cidr, ifLocal: ['-s', text], ifNotLocal: ['!', '-s', text] };
}

function byInterface(interfaceName: string): LocalTrafficDetector {
  return { kind: 'input-interface', interfaceName, ifLocal: ['-i', interfaceName], ifNotLocal: ['!', '-i', interfaceName] };
}

function firstIpv4Cidr(candidates: readonly string[]): Prefix | null {
  for (const raw of candidates) {
    const text = raw.trim();
    if (text === '' || text.includes(':')) continue;
    try {
      return parseCidrSloppy(text);
    } catch {
      continue;
    }
  }
  return null;
}

import type { KubeProxyConfiguration } from '../../kube/index.js';

/** One sysctl kube-proxy wants, as `path=value` with the path in /proc/sys form (`net/ipv4/vs/conntrack=1`). */
export type SysctlSetting = `${string}=${number}`;

/**
 * The sysctls IPVS mode sets at start-up (P `NewProxier`), in kube-proxy's order:
 * - `vs/conntrack=1` lets netfilter conntrack see IPVS traffic, which the MASQUERADE rules need;
 * - `vs/conn_reuse_mode=0` only on kernels from 4.1 up to (not including) 5.9, where reusing a
 *   port of an old connection stalled new ones; 5.9 fixed it, so newer kernels are left alone;
 * - `vs/expire_nodest_conn=1` drops entries whose real server is gone on their next packet;
 * - `vs/expire_quiescent_template=1` expires persistence templates pointing at weight-0 servers;
 * - `ip_forward=1`;
 * - with strictARP, `arp_ignore=1` and `arp_announce=2`, so the node does not answer ARP for VIPs
 *   bound to kube-ipvs0 (needed by L2 load balancers such as MetalLB).
 *
 * @param kernelVersion `major.minor[.patch]`; null means a current kernel (≥ 5.9)
 */
export function desiredSysctls(config: KubeProxyConfiguration, kernelVersion: string | null): SysctlSetting[] {
  const out: SysctlSetting[] = ['net/ipv4/vs/conntrack=1'];
  if (kernelVersion !== null) {
    const v = parseKernelVersion(kernelVersion);
    if (compareVersion(v, [4, 1]) >= 0 && compareVersion(v, [5, 9]) < 0) out.push('net/ipv4/vs/conn_reuse_mode=0');
  }
  out.push('net/ipv4/vs/expire_nodest_conn=1', 'net/ipv4/vs/expire_quiescent_template=1', 'net/ipv4/ip_forward=1');
  if (config.ipvs.strictARP) out.push('net/ipv4/conf/all/arp_ignore=1', 'net/ipv4/conf/all/arp_announce=2');
  return out;
}

/** `5.15.0-91-generic` → [5, 15, 0]. Throws RangeError for text without a leading `major.minor`. */
export function parseKernelVersion(text: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (m === null) throw new RangeError(`kernel version "${text}" is not major.minor[.patch]`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function compareVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

import { type Cluster, KpemuError, type NetNamespace, type ProxyMode } from '../index.js';

/**
 * Where IPVS mode plugs into the command line. The ipset and IPVS kernel models and kube-proxy's
 * IPVS proxier are not wired into clusters and nodes in this build, so every IPVS view fails here
 * with one clear error (exit 1). To switch IPVS on: set {@link IPVS_MODE_AVAILABLE}, and make
 * these functions render from the cluster's node (`ipset save`, `ipvsadm -Sn`, `ipvsadm -Ln`)
 * and load a real node's dumps into a namespace.
 */

/** Whether Cluster.build can run kube-proxy in IPVS mode in this build. */
export const IPVS_MODE_AVAILABLE = false;

export function ipvsUnavailable(what: string): KpemuError {
  return new KpemuError('CLUSTER_INVALID', `${what}: IPVS mode is not available in this build of kpemu yet`);
}

/**
 * Fails when a mode cannot run in this build: before loading a cluster for `--mode`, after
 * loading it for the KubeProxyConfiguration's mode (`fromConfig`).
 */
export function checkModeAvailable(mode: ProxyMode | undefined, fromConfig = false): void {
  if (mode === 'ipvs' && !IPVS_MODE_AVAILABLE) throw ipvsUnavailable(fromConfig ? 'the KubeProxyConfiguration says mode: ipvs' : '--mode ipvs');
}

/** `ipset save` of a node's sets (IPVS mode). */
export function ipsetSaveOf(_cluster: Cluster, _node: string): string {
  throw ipvsUnavailable('--format ipset');
}

/** `ipvsadm -Sn` of a node's virtual servers (IPVS mode). */
export function ipvsadmSaveOf(_cluster: Cluster, _node: string): string {
  throw ipvsUnavailable('--format ipvsadm');
}

/** `ipvsadm -Ln` of a node's virtual servers (IPVS mode). */
export function ipvsadmListOf(_cluster: Cluster, _node: string): string {
  throw ipvsUnavailable('--format ipvsadm-list');
}

/** Loads a real node's `ipset save` output into a namespace (replay). */
export function loadIpsetDump(_ns: NetNamespace, _text: string, _file: string): void {
  throw ipvsUnavailable('--ipset-save');
}

/** Loads a real node's `ipvsadm -Sn` output into a namespace (replay). */
export function loadIpvsadmDump(_ns: NetNamespace, _text: string, _file: string): void {
  throw ipvsUnavailable('--ipvsadm');
}

import { type Cluster, isKpemuError, ipset, ipvs, KpemuError, type NetNamespace, type ProxyMode } from '../index.js';

/**
 * IPVS mode at the command line: a node's ipsets and virtual servers as `ipset save` and
 * `ipvsadm -Sn` / `-Ln` print them, and a real node's dumps of both loaded for a replay. Kept in
 * one place so that a build without IPVS only has to turn {@link IPVS_MODE_AVAILABLE} off.
 */

/** Whether Cluster.build can run kube-proxy in IPVS mode in this build. */
export const IPVS_MODE_AVAILABLE = true;

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

/** The node's namespace after kube-proxy's first sync (a node syncs on first use). */
function syncedHost(cluster: Cluster, node: string): NetNamespace {
  const host = cluster.topology.nodes.get(node)?.host;
  if (host === undefined) throw new KpemuError('CLI_NOT_FOUND', `no node ${node} in the built cluster`);
  cluster.syncNode(node);
  return host;
}

/** `ipset save` of a node's sets (IPVS mode), in the kernel's order as the real tool prints it. */
export function ipsetSaveOf(cluster: Cluster, node: string): string {
  return syncedHost(cluster, node).ipsets?.save() ?? '';
}

function ipvsOf(cluster: Cluster, node: string): ipvs.Ipvs {
  const hooks = syncedHost(cluster, node).ipvsHooks;
  if (hooks === null) throw new KpemuError('CLI_USAGE', `node ${node} runs no IPVS (kube-proxy is in iptables mode there): add --mode ipvs`);
  return hooks.ipvs;
}

/** `ipvsadm -Sn` of a node's virtual servers (IPVS mode). */
export function ipvsadmSaveOf(cluster: Cluster, node: string): string {
  return ipvs.renderIpvsadmSave(ipvsOf(cluster, node));
}

/** `ipvsadm -Ln` of a node's virtual servers (IPVS mode). */
export function ipvsadmListOf(cluster: Cluster, node: string): string {
  return ipvs.renderIpvsadmList(ipvsOf(cluster, node));
}

/**
 * Loads a real node's `ipset save` output into a namespace (replay). All or nothing, unlike the
 * real `ipset restore`: a replay of half a dump would answer a different question.
 */
export function loadIpsetDump(ns: NetNamespace, text: string, file: string): void {
  try {
    ipset.ipsetRestore(ns.enableIpsets(), text, { file, atomic: true });
  } catch (e) {
    throw isKpemuError(e) ? e.withLocation({ file }) : e;
  }
}

/**
 * Loads a real node's `ipvsadm -Sn` output into a namespace (replay). Returns the virtual
 * addresses, which kube-proxy binds to kube-ipvs0 on the node.
 */
export function loadIpvsadmDump(ns: NetNamespace, text: string, file: string): number[] {
  const commands = ipvs.parseIpvsadmSave(text, file);
  ipvs.applyIpvsadmCommands(ns.enableIpvs().ipvs, commands, file);
  const vips = new Set<number>();
  for (const c of commands) if (c.kind === 'service') vips.add(c.spec.addr);
  return [...vips];
}

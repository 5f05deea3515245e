import { Cluster, type ClusterObjects, closeMatches, KpemuError, loadClusterFiles, type ProxyMode } from '../index.js';
import { checkModeAvailable } from './ipvs.js';
import type { Timings } from './timings.js';

/** Loads cluster files (YAML or JSON, several files make one cluster). Throws IO or the first invalid object. */
export function loadObjects(files: readonly string[], timings: Timings): ClusterObjects {
  return timings.phase('load', () => loadClusterFiles(files));
}

/** Builds the emulated cluster in the mode asked for (default: the KubeProxyConfiguration's). */
export function buildCluster(objects: ClusterObjects, options: { readonly mode: ProxyMode | undefined; readonly seed: number }, timings: Timings): Cluster {
  if (options.mode !== undefined) checkModeAvailable(options.mode);
  else checkModeAvailable(objects.proxyConfig.mode, true);
  return timings.phase('build', () => Cluster.build(objects, options.mode === undefined ? { seed: options.seed } : { seed: options.seed, mode: options.mode }));
}

/**
 * The node a per-node command is about: the one named, or the only one. Throws CLI_USAGE when a
 * multi-node cluster needs `--node`, CLI_NOT_FOUND (with close matches) for an unknown name.
 */
export function pickNode(objects: ClusterObjects, name: string | undefined): string {
  const names = objects.nodes.map((n) => n.metadata.name);
  if (name === undefined) {
    const only = names[0];
    if (names.length === 1 && only !== undefined) return only;
    throw new KpemuError('CLI_USAGE', `--node is required: the cluster has ${names.length} nodes (${names.join(', ')})`);
  }
  if (!names.includes(name)) {
    const close = closeMatches(name, names, 'node/');
    throw new KpemuError('CLI_NOT_FOUND', `no node ${name}${close !== '' ? close : ` (nodes: ${names.join(', ')})`}`);
  }
  return name;
}

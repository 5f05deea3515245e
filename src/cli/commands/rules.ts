import { type Command, Option } from 'commander';
import { KpemuError, type ProxyMode } from '../../index.js';
import { buildCluster, loadObjects, pickNode } from '../cluster-input.js';
import { EXIT_HELP } from '../help-text.js';
import { out } from '../io.js';
import { ipsetSaveOf, ipvsadmListOf, ipvsadmSaveOf } from '../ipvs.js';
import { seedValue } from '../values.js';
import { Timings } from '../timings.js';

const FORMATS = ['iptables-save', 'restore', 'ipset', 'ipvsadm', 'ipvsadm-list'] as const;
type RulesFormat = (typeof FORMATS)[number];

const EXAMPLES = `
FORMATS
  iptables-save   everything in the node's tables (kube-proxy's and flannel's rules), as iptables-save prints it
  restore         the iptables-restore input of kube-proxy's last sync on the node
  ipset           the node's ipsets as "ipset save" prints them (IPVS mode)
  ipvsadm         the node's IPVS virtual servers as "ipvsadm -Sn" prints them (IPVS mode)
  ipvsadm-list    the same as "ipvsadm -Ln" lists them (IPVS mode)

EXAMPLES
  kpemu rules fixtures/clusters/demo.yaml --node node-1
  kpemu rules fixtures/clusters/demo.yaml --node node-1 --format restore > node-1.rules
  kpemu rules fixtures/clusters/kube-proxy-overall.yaml --format restore   # a single-node cluster needs no --node
`;

interface RawRulesOptions {
  node?: string;
  mode?: ProxyMode;
  format: RulesFormat;
  seed: number;
  timings?: true;
}

/** The IPVS-only formats show state kube-proxy's iptables mode never creates. */
function needsIpvs(format: RulesFormat): boolean {
  switch (format) {
    case 'iptables-save':
    case 'restore':
      return false;
    case 'ipset':
    case 'ipvsadm':
    case 'ipvsadm-list':
      return true;
    default: {
      const never: never = format;
      return never;
    }
  }
}

/** `kpemu rules CLUSTER... --node NAME`: what kube-proxy (and flannel) programmed on a node. */
export function registerRules(program: Command): void {
  program
    .command('rules')
    .summary("print a node's rules: iptables-save, kube-proxy's restore payload, ipsets, IPVS")
    .description("Print what a node of the emulated cluster has: its whole iptables-save view, the iptables-restore payload of kube-proxy's last sync, or (IPVS mode) its ipsets and virtual servers.")
    .argument('<cluster...>', 'cluster files: YAML or JSON Kubernetes objects')
    .option('--node <name>', 'the node (default: the only node of a single-node cluster)')
    .addOption(new Option('--mode <mode>', "kube-proxy mode (default: the KubeProxyConfiguration's)").choices(['iptables', 'ipvs']))
    .addOption(new Option('--format <format>', 'what to print (see FORMATS)').choices(FORMATS).default('iptables-save'))
    .option('--seed <n>', 'seed of the random choices made while building (MACs, ports)', seedValue, 1)
    .option('--timings', 'print how long loading and building took, on stderr')
    .addHelpText('after', `${EXAMPLES}${EXIT_HELP}`)
    .action((files: string[], o: RawRulesOptions) => {
      const timings = new Timings(o.timings === true);
      const objects = loadObjects(files, timings);
      const node = pickNode(objects, o.node);
      const mode = o.mode ?? objects.proxyConfig.mode;
      if (needsIpvs(o.format) && mode === 'iptables') {
        throw new KpemuError('CLI_USAGE', `--format ${o.format} shows IPVS mode's state, and kube-proxy runs in iptables mode here (no ipsets, no virtual servers): add --mode ipvs`);
      }
      const cluster = buildCluster(objects, { mode: o.mode, seed: o.seed }, timings);
      switch (o.format) {
        case 'iptables-save': {
          const host = cluster.topology.nodes.get(node)?.host;
          if (host === undefined) throw new KpemuError('CLI_NOT_FOUND', `no node ${node} in the built cluster`);
          // kube-proxy syncs a node on first use: make sure it has, as on a running node.
          timings.phase('sync', () => cluster.syncNode(node));
          out(host.iptables.save());
          break;
        }
        case 'restore': {
          const report = timings.phase('sync', () => cluster.syncNode(node));
          if (report === undefined) throw new KpemuError('CLI_NOT_FOUND', `kube-proxy has not synced on node ${node}`);
          out(report.payload);
          break;
        }
        case 'ipset':
          out(ipsetSaveOf(cluster, node));
          break;
        case 'ipvsadm':
          out(ipvsadmSaveOf(cluster, node));
          break;
        case 'ipvsadm-list':
          out(ipvsadmListOf(cluster, node));
          break;
        default: {
          const never: never = o.format;
          return never;
        }
      }
      timings.report();
    });
}

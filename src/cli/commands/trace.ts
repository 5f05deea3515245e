import { type Command, Option } from 'commander';
import { parseDest, parseSource, planTrace, type ProxyMode, type TraceRequest } from '../../index.js';
import { buildCluster, loadObjects } from '../cluster-input.js';
import { checkModeAvailable } from '../ipvs.js';
import { DESTINATIONS_HELP, EXIT_HELP, SOURCES_HELP } from '../help-text.js';
import { Timings } from '../timings.js';
import { clusterWorld } from '../trace/cluster-world.js';
import { emitTrace } from '../trace/emit.js';
import { addTraceOptions, readTraceOptions } from '../trace/options.js';

const EXAMPLES = `
EXAMPLES
  # A pod calls a Service: every hop, rule and NAT on the way, and the answer back
  kpemu trace fixtures/clusters/demo.yaml --from pod/default/client --to svc/default/web --reply

  # Every endpoint the Service can pick, with its exact probability
  kpemu trace fixtures/clusters/demo.yaml --from pod/default/client --to svc/default/web --all-paths

  # 300 new connections: the distribution they reach
  kpemu trace fixtures/clusters/demo.yaml --from pod/default/client --to svc/default/web --count 300

  # An external client on a NodePort, as JSON, with a capture for Wireshark
  kpemu trace fixtures/clusters/demo.yaml --from 192.168.56.1 --to 192.168.56.12:30080 \\
      --format json --pcap nodeport.pcapng

  # DNS over UDP from a node's own stack, showing every rule evaluated
  kpemu trace fixtures/clusters/demo.yaml --from node/node-3 --to svc/kube-system/kube-dns:dns -v
`;

interface RawClusterTraceOptions {
  mode?: ProxyMode;
  node?: string;
}

/** `kpemu trace CLUSTER... --from SRC --to DST`: a packet's journey through an emulated cluster. */
export function registerTrace(program: Command): void {
  const cmd = program
    .command('trace')
    .summary('follow a packet through an emulated cluster, hop by hop')
    .description(
      'Follow a packet through the emulated cluster built from Kubernetes objects: by node and network namespace, ' +
        'hop by hop, the devices, netfilter hooks and the rules that matched (table/chain/rule number and text), NAT and ' +
        'conntrack changes, routing, neighbour and bridge decisions, VXLAN encapsulation, and where it ends.',
    )
    .argument('<cluster...>', 'cluster files: YAML or JSON Kubernetes objects (Services, EndpointSlices, Nodes, Pods, KubeProxyConfiguration, kube-flannel-cfg)');
  addTraceOptions(cmd)
    .addOption(new Option('--mode <mode>', "kube-proxy mode (default: the KubeProxyConfiguration's)").choices(['iptables', 'ipvs']))
    .option('--node <name>', "the node an external client's packet enters (default: the node owning the destination address, else the first)")
    .addHelpText('after', `${SOURCES_HELP}\n${DESTINATIONS_HELP}\n${EXAMPLES}${EXIT_HELP}`)
    .action((files: string[], raw: Parameters<typeof readTraceOptions>[0] & RawClusterTraceOptions) => {
      const o = readTraceOptions(raw);
      checkModeAvailable(raw.mode);
      // Parse the addresses first: a typo should not cost a cluster load.
      const from = parseSource(o.from);
      const to = parseDest(o.to);
      const timings = new Timings(o.timings);
      const cluster = buildCluster(loadObjects(files, timings), { mode: raw.mode, seed: o.seed }, timings);
      const req: TraceRequest = { from, to, ...(o.proto === undefined ? {} : { proto: o.proto }), ...(o.sport === undefined ? {} : { sport: o.sport }), ...(raw.node === undefined ? {} : { node: raw.node }) };
      const plan = timings.phase('plan', () => planTrace(cluster, req));
      emitTrace(clusterWorld(cluster), plan, o, { node: raw.node ?? null, notes: [], timings });
      // kube-proxy syncs a node when a packet first enters it: that time is inside the trace phase.
      const synced = [...cluster.proxiers.keys()].filter((n) => cluster.lastSync.has(n));
      const syncMs = synced.reduce((sum, n) => sum + (cluster.lastSync.get(n)?.durationMs ?? 0), 0);
      if (synced.length > 0) timings.within(`kube-proxy's first sync on ${synced.length} node${synced.length === 1 ? '' : 's'}`, syncMs);
      timings.report();
    });
}

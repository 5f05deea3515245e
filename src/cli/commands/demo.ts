import type { Command } from 'commander';
import { parseDest, parseSource, planTrace, type ProxyMode } from '../../index.js';
import { buildCluster, loadObjects } from '../cluster-input.js';
import { out, useColor } from '../io.js';
import { IPVS_MODE_AVAILABLE } from '../ipvs.js';
import { packageFile } from '../paths.js';
import { paint } from '../style.js';
import { Timings } from '../timings.js';
import { clusterWorld } from '../trace/cluster-world.js';
import { emitTrace } from '../trace/emit.js';
import { DEFAULT_SPORT } from '../trace/options.js';
import { seedValue } from '../values.js';

/** The bundled cluster and the question the demo asks of it. */
export const DEMO_CLUSTER = 'fixtures/clusters/demo.yaml';
const DEMO_FROM = 'pod/default/client';
const DEMO_TO = 'svc/default/web';
/** Both kube-proxy modes, in the order shown. */
const DEMO_MODES: readonly ProxyMode[] = ['iptables', 'ipvs'];
/** With this seed the client's connection goes to an endpoint on another node, through VXLAN. */
const DEMO_SEED = 3;

const NEXT = `Next:
  kpemu trace ${DEMO_CLUSTER} --from ${DEMO_FROM} --to ${DEMO_TO} --all-paths
  kpemu trace ${DEMO_CLUSTER} --from 192.168.56.1 --to 192.168.56.12:30080 --reply
  kpemu rules ${DEMO_CLUSTER} --node node-2 --format restore
  kpemu --help`;

interface RawDemoOptions {
  seed: number;
}

/** `kpemu demo` (and `npm start`): a pod → Service trace with its reply, on the bundled cluster, in each mode. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .summary('trace a pod → Service call and its reply on the bundled demo cluster, in both modes')
    .description(
      `Build the bundled cluster (${DEMO_CLUSTER}: three nodes, flannel VXLAN, pods, one Service of each type and policy) and ` +
        `trace ${DEMO_FROM} → ${DEMO_TO} and the reply, in each kube-proxy mode.`,
    )
    .option('--seed <n>', 'seed of every random choice (which endpoint the Service picks)', seedValue, DEMO_SEED)
    .action((o: RawDemoOptions) => {
      const color = useColor();
      const file = packageFile(DEMO_CLUSTER);
      const timings = new Timings(false);
      const objects = loadObjects([file], timings);
      out(paint(color, 'bold', `kpemu demo: ${DEMO_CLUSTER}, ${objects.nodes.length} nodes, ${objects.services.length} Services, ${objects.pods.length} Pods`));
      out('');
      for (const mode of DEMO_MODES) {
        out(paint(color, 'bold', `━━ ${mode} mode: ${DEMO_FROM} → ${DEMO_TO}, and the reply ━━`));
        out('');
        if (mode === 'ipvs' && !IPVS_MODE_AVAILABLE) {
          out('IPVS mode is not available in this build of kpemu yet.');
          continue;
        }
        const cluster = buildCluster(objects, { mode, seed: o.seed }, timings);
        const plan = planTrace(cluster, { from: parseSource(DEMO_FROM), to: parseDest(DEMO_TO), sport: DEFAULT_SPORT });
        emitTrace(
          clusterWorld(cluster),
          plan,
          { from: DEMO_FROM, to: DEMO_TO, proto: undefined, sport: undefined, seed: o.seed, reply: true, view: 'journey', count: 0, format: 'text', pcap: undefined, verbose: false, timings: false },
          { node: null, notes: [], timings },
        );
        out('');
      }
      out(NEXT);
    });
}

import { type Command, Option } from 'commander';
import { Cluster, type ClusterObjects, isKpemuError, type ProxyMode, validateClusterFiles } from '../../index.js';
import { EXIT_HELP } from '../help-text.js';
import { checkModeAvailable } from '../ipvs.js';
import { out, useColor } from '../io.js';
import { paint } from '../style.js';

const EXAMPLES = `
EXAMPLES
  kpemu validate fixtures/clusters/demo.yaml
  kubectl get svc,endpointslices,nodes,pods -A -o yaml > cluster.yaml && kpemu validate cluster.yaml
`;

interface RawValidateOptions {
  mode?: ProxyMode;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function inventory(o: ClusterObjects): string {
  const parts = [
    plural(o.services.length, 'Service'),
    plural(o.endpointSlices.length, 'EndpointSlice'),
    plural(o.nodes.length, 'Node'),
    plural(o.pods.length, 'Pod'),
    `kube-proxy mode ${o.proxyConfig.mode}${o.proxyConfig.source === null ? ' (default configuration)' : ''}`,
    o.flannel === null ? 'no flannel net-conf (defaults)' : `flannel ${o.flannel.backend.type} on ${o.flannel.network}`,
  ];
  const skipped = Object.entries(o.skipped).map(([kind, n]) => `${n} ${kind}`);
  return `${parts.join(', ')}${skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''}`;
}

/** `kpemu validate CLUSTER...`: every error and warning of the cluster files, and of building the cluster from them. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .summary('check cluster files: every error and warning, then build the cluster')
    .description(
      'Read the cluster files and report every error and warning (file:line, object and field), then build the emulated ' +
        "cluster from the valid objects and report what kube-proxy and flannel would complain about. Exits 1 when there are errors.",
    )
    .argument('<cluster...>', 'cluster files: YAML or JSON Kubernetes objects')
    .addOption(new Option('--mode <mode>', "kube-proxy mode to build with (default: the KubeProxyConfiguration's)").choices(['iptables', 'ipvs']))
    .addHelpText('after', `${EXAMPLES}${EXIT_HELP}`)
    .action((files: string[], o: RawValidateOptions) => {
      const color = useColor();
      const v = validateClusterFiles(files);
      const errors = v.errors.map((e) => e.describe());
      const warnings = v.warnings.map((w) => w.describe());
      if (errors.length === 0) {
        try {
          if (o.mode !== undefined) checkModeAvailable(o.mode);
          else checkModeAvailable(v.objects.proxyConfig.mode, true);
          // Every node syncs now, so that what kube-proxy would complain about on any of them is reported.
          const cluster = Cluster.build(v.objects, o.mode === undefined ? { eager: true } : { mode: o.mode, eager: true });
          warnings.push(...cluster.warnings);
        } catch (e) {
          if (!isKpemuError(e)) throw e;
          errors.push(e.describe());
        }
      }
      const lines = [`${files.join(', ')}: ${inventory(v.objects)}`];
      for (const w of warnings) lines.push(paint(color, 'yellow', `warning: ${w}`));
      for (const e of errors) lines.push(paint(color, 'red', `error: ${e}`));
      lines.push(paint(color, 'bold', `${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}`));
      out(lines.join('\n'));
      if (errors.length > 0) process.exitCode = 1;
    });
}

import type { Command } from 'commander';
import { formatIpv4, KpemuError, parseIpv4 } from '../../index.js';
import { EXIT_HELP } from '../help-text.js';
import { buildReplayNode } from '../replay/node.js';
import { parseReplayDest, planReplay } from '../replay/plan.js';
import { servicesFromRules } from '../replay/services.js';
import { replayWorld } from '../replay/world.js';
import { Timings } from '../timings.js';
import { emitTrace } from '../trace/emit.js';
import { addTraceOptions, DEFAULT_SPORT, readTraceOptions } from '../trace/options.js';

const HELP = `
SOURCES (--from)
  node, node/NAME   the node's own stack (OUTPUT)
  IP                the node itself if it is one of its addresses or in 127.0.0.0/8; otherwise the
                    packet arrives on the device the node's route back to IP uses (a pod behind
                    cni0, another node's pod via flannel.1, a client via eth0), or on --in-dev

DESTINATIONS (--to)
  svc/NS/NAME[:PORT]  a ClusterIP, found by kube-proxy's rule comments ("NS/NAME:PORT cluster IP")
  IP:PORT             any address

GETTING THE FILES FROM THE NODE
  iptables-save > iptables-save.txt
  ip -j -d addr > ip-addr.json
  ip -j route > ip-route.json
  ipset save > ipset-save.txt          # IPVS mode
  ipvsadm -Sn > ipvsadm.txt            # IPVS mode

Without ip-addr/ip-route files kpemu derives the node's links and routes from the rules (flannel's
and kube-proxy's name the pod network and the node's subnet) and says what it assumed.

EXAMPLES
  kpemu replay --iptables-save fixtures/replay/node-1/iptables-save.txt \\
      --ip-addr fixtures/replay/node-1/ip-addr.json --ip-route fixtures/replay/node-1/ip-route.json \\
      --from 10.244.1.5 --to svc/default/web --reply

  # Only the rules: is NodePort 30080 answered on this node?
  kpemu replay --iptables-save iptables-save.txt --from 203.0.113.7 --to 192.168.56.11:30080
`;

interface RawReplayOptions {
  iptablesSave: string;
  ipsetSave?: string;
  ipvsadm?: string;
  ipAddr?: string;
  ipRoute?: string;
  nodeName: string;
  nodeIp?: string;
  inDev?: string;
}

/** `kpemu replay`: trace a packet through a real node's state, given as the node's dumps. */
export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .summary("trace a packet through a real node's state, from its iptables-save (and ip/ipset/ipvsadm) dumps")
    .description(
      "Rebuild one real node from files taken on it (iptables-save output, and optionally `ip -j addr`, `ip -j route`, " +
        '`ipset save` and `ipvsadm -Sn` output) and trace a packet through it, as `kpemu trace` does for a cluster: ' +
        '"why does my Service not answer on this node", asked without a lab.',
    )
    .requiredOption('--iptables-save <file>', "the node's iptables-save output")
    .option('--ipset-save <file>', "the node's `ipset save` output (IPVS mode)")
    .option('--ipvsadm <file>', "the node's `ipvsadm -Sn` output (IPVS mode)")
    .option('--ip-addr <file>', "the node's `ip -j addr` (better: `ip -j -d addr`) output")
    .option('--ip-route <file>', "the node's `ip -j route` output")
    .option('--node-name <name>', 'the node name shown in the trace', 'node')
    .option('--node-ip <ip>', "the node's address, when there is no --ip-addr file")
    .option('--in-dev <dev>', 'the device an outside packet arrives on (default: where the route back to the source points)');
  addTraceOptions(cmd)
    .addHelpText('after', `${HELP}${EXIT_HELP}`)
    .action((raw: Parameters<typeof readTraceOptions>[0] & RawReplayOptions) => {
      const o = readTraceOptions(raw);
      if (raw.nodeIp !== undefined && raw.ipAddr !== undefined) throw new KpemuError('CLI_USAGE', '--node-ip is for replays without --ip-addr: the addresses come from the file');
      const nodeIp = raw.nodeIp === undefined ? undefined : parseIpv4(raw.nodeIp);
      const timings = new Timings(o.timings);
      const node = timings.phase('build', () =>
        buildReplayNode(
          { iptablesSave: raw.iptablesSave, ipsetSave: raw.ipsetSave, ipvsadm: raw.ipvsadm, ipAddr: raw.ipAddr, ipRoute: raw.ipRoute },
          {
            name: raw.nodeName,
            seed: o.seed,
            nodeIp,
            // "Is NodePort N answered on 192.168.56.11?": that address is the node's own.
            guessNodeIp: (hints) => {
              const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(o.to);
              if (m === null || !hints.nodePorts.has(Number(m[2]))) return undefined;
              const addr = parseIpv4(m[1] as string);
              return { addr, why: `the destination ${formatIpv4(addr)}:${m[2]} is a NodePort, so taken as this node's address` };
            },
          },
        ),
      );
      const services = servicesFromRules(node.saveText);
      const dest = parseReplayDest(o.to, services, o.proto);
      const plan = planReplay(node.ns, { from: o.from, dest, proto: o.proto, sport: o.sport ?? DEFAULT_SPORT, inDev: raw.inDev });
      emitTrace(replayWorld(node.ns), plan, o, { node: raw.nodeName, notes: node.notes, timings });
      timings.report();
    });
}

import { closeMatches, KpemuError, parseIpv4, type TraceProto } from '../../index.js';

/** A Service port as kube-proxy's rule comments name it. */
export interface RuleServicePort {
  /** `NS/NAME`. */
  readonly service: string;
  /** The port's name ('' for an unnamed port). */
  readonly portName: string;
  readonly proto: TraceProto;
  readonly clusterIP: number;
  readonly port: number;
}

// kube-proxy (iptables mode) comments every ClusterIP rule "NS/NAME:PORT cluster IP", and the
// REJECT of a service without endpoints "NS/NAME:PORT has no endpoints".
const CLUSTER_IP_RULE = /^-A KUBE-SERVICES -d (\d+\.\d+\.\d+\.\d+)\/32 -p (tcp|udp|sctp) -m comment --comment "?([^"\s]+) (?:cluster IP|has no endpoints)"? -m \S+ --dport (\d+)\b/;

/** The Services a node's iptables-save names, from kube-proxy's comments. */
export function servicesFromRules(saveText: string): RuleServicePort[] {
  const out: RuleServicePort[] = [];
  const seen = new Set<string>();
  for (const line of saveText.split('\n')) {
    const m = CLUSTER_IP_RULE.exec(line);
    if (m === null) continue;
    const [, ip, proto, name, port] = m as unknown as [string, string, TraceProto, string, string];
    const colon = name.indexOf(':');
    const service = colon < 0 ? name : name.slice(0, colon);
    const portName = colon < 0 ? '' : name.slice(colon + 1);
    const key = `${service}|${portName}|${proto}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ service, portName, proto, clusterIP: parseIpv4(ip), port: Number(port) });
  }
  return out;
}

/**
 * The ClusterIP port `svc/NS/NAME[:PORT]` means on this node. Throws CLI_NOT_FOUND with close
 * matches when the rules name no such Service or port.
 */
export function resolveRuleService(ports: readonly RuleServicePort[], service: string, port: string | undefined, proto: TraceProto | undefined): RuleServicePort {
  const mine = ports.filter((p) => p.service === service);
  if (mine.length === 0) {
    const names = [...new Set(ports.map((p) => p.service))];
    const hint = ports.length === 0 ? ': these rules have no kube-proxy ClusterIP rules (IPVS mode keeps Services in ipsets); give IP:PORT' : closeMatches(service, names, 'svc/');
    throw new KpemuError('CLI_NOT_FOUND', `no service ${service} in the node's rules${hint}`);
  }
  const found = mine.find((p) => (port === undefined || p.portName === port || String(p.port) === port) && (proto === undefined || p.proto === proto));
  if (found === undefined) {
    const list = mine.map((p) => `${p.portName !== '' ? `${p.portName}=` : ''}${p.port}/${p.proto.toUpperCase()}`).join(', ');
    throw new KpemuError('CLI_NOT_FOUND', `service ${service} has no port ${port ?? ''}${proto !== undefined ? ` for ${proto}` : ''} (ports: ${list})`);
  }
  return found;
}

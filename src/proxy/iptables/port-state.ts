import {
  protocolLower,
  servicePortHash,
  servicePortEndpointChainName,
  type EndpointInfo,
  type PortSnapshot,
  type ServicePortInfo,
} from '../common/index.js';
import { planPort, type PortPlan } from './port-plan.js';

/**
 * A service port as the iptables proxier keeps it between syncs: the snapshot, its plan, and
 * the hashed chain names. Rebuilt only when the Service or its slices change; hashes are carried
 * over from the previous state where the inputs are the same, as kube-proxy keeps them on its
 * service/endpoint info objects.
 */
export interface IptablesPortState {
  readonly info: ServicePortInfo;
  readonly snapshot: PortSnapshot;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly plan: PortPlan;
  /** The 16 hash characters the four service-port chains share. */
  readonly hash: string;
  readonly svcChain: string;
  readonly svlChain: string;
  readonly extChain: string;
  readonly fwChain: string;
  /** KUBE-SEP name per reachable endpoint (`ip:port` → chain). */
  readonly sepChains: ReadonlyMap<string, string>;
  /** Every nat chain this port owns in the current ruleset (for stale-chain detection). */
  readonly activeChains: readonly string[];
  /**
   * The port's own chains as last rendered. Their text depends only on this state and on
   * node-wide settings that stay fixed for the proxier's life, except large-cluster mode (which
   * drops comments), so it is reused until that flips: a full sync copies the text instead of
   * building 20-odd lines again, and a partial sync that skips the port takes its rule count for
   * the metrics from here.
   */
  rendered: RenderedChains | null;
  /**
   * The port's rules in the shared top-level chains as last rendered. Every sync writes them
   * (those chains are rewritten whole), and their text depends only on this state and on whether
   * the localhost NodePort rule is written, so a sync joins cached text instead of building
   * thousands of lines again.
   */
  topLevel: RenderedTopLevel | null;
}

/** One port's rules in the top-level chains, rendered. */
export interface RenderedTopLevel {
  readonly localhostNodePortRule: boolean;
  /** Filter rule lines joined by newlines ('' when there are none). */
  readonly filterText: string;
  readonly filterCount: number;
  /** Nat rule lines joined by newlines ('' when there are none). */
  readonly natText: string;
  readonly natCount: number;
}

/** One port's KUBE-EXT/FW/SVC/SVL/SEP chains, rendered. */
export interface RenderedChains {
  readonly largeClusterMode: boolean;
  /** Chain names in declaration order. */
  readonly chainNames: readonly string[];
  /** `:NAME - [0:0]` lines joined by newlines ('' when there are none). */
  readonly chainText: string;
  /** Rule lines joined by newlines ('' when there are none). */
  readonly rulesText: string;
  readonly ruleCount: number;
}

/** Builds the state for `snapshot`, reusing chain-name hashes from `previous` when possible. */
export function buildPortState(snapshot: PortSnapshot, previous: IptablesPortState | undefined): IptablesPortState {
  const info = snapshot.info;
  const protocol = protocolLower(info.protocol);
  const reuse = previous !== undefined && previous.info.nameString === info.nameString && previous.protocol === protocol ? previous : undefined;
  const hash = reuse === undefined ? servicePortHash(info.nameString, protocol) : reuse.hash;
  const plan = planPort(info, snapshot.categorized);
  const sepChains = new Map<string, string>();
  for (const ep of snapshot.categorized.allReachable) {
    sepChains.set(ep.endpoint, reuse?.sepChains.get(ep.endpoint) ?? servicePortEndpointChainName(info.nameString, protocol, ep.endpoint));
  }
  const st: IptablesPortState = {
    info,
    snapshot,
    protocol,
    plan,
    hash,
    svcChain: `KUBE-SVC-${hash}`,
    svlChain: `KUBE-SVL-${hash}`,
    extChain: `KUBE-EXT-${hash}`,
    fwChain: `KUBE-FW-${hash}`,
    sepChains,
    activeChains: [],
    rendered: null,
    topLevel: null,
  };
  return { ...st, activeChains: activeChainsOf(st) };
}

/** The chain name of an endpoint that is known to be reachable. */
export function sepChainOf(st: IptablesPortState, ep: EndpointInfo): string {
  const name = st.sepChains.get(ep.endpoint);
  if (name === undefined) throw new Error(`internal: no KUBE-SEP chain for ${ep.endpoint} of ${st.info.nameString}`);
  return name;
}

function activeChainsOf(st: IptablesPortState): string[] {
  const out: string[] = [];
  const p = st.plan;
  if (p.usesExternalTrafficChain) out.push(st.extChain);
  if (p.usesFirewallChain) out.push(st.fwChain);
  if (p.usesClusterPolicyChain) out.push(st.svcChain);
  if (p.usesLocalPolicyChain) out.push(st.svlChain);
  for (const name of st.sepChains.values()) out.push(name);
  return out;
}

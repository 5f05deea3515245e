import { formatPrefix, prefixContains } from '../../core/index.js';
import { computeProbability, type EndpointInfo, type LocalTrafficDetector } from '../common/index.js';
import { CHAIN, NFACCT } from './constants.js';
import { flattened } from './flat-string.js';
import { sepChainOf, type IptablesPortState, type RenderedChains, type RenderedTopLevel } from './port-state.js';

/** The detector's rule words as RuleContext carries them. */
export function detectorWords(d: LocalTrafficDetector): { readonly ifLocal: string | null; readonly ifNotLocal: string | null } {
  return d.kind === 'none' ? { ifLocal: null, ifNotLocal: null } : { ifLocal: d.ifLocal.join(' '), ifNotLocal: d.ifNotLocal.join(' ') };
}

/** Node-wide settings the per-port rules depend on; fixed for one sync. */
export interface RuleContext {
  readonly masqueradeAll: boolean;
  /** The detector's words for "from a pod" / "not from a pod", joined; null without a detector. */
  readonly ifLocal: string | null;
  readonly ifNotLocal: string | null;
  /** `-m nfacct` localhost NodePort rule is written (IPv4, localhostNodePorts, counter exists). */
  readonly localhostNodePortRule: boolean;
  /** Comments on SVC→SEP and SEP rules are left out. */
  readonly largeClusterMode: boolean;
  /** Primary node IP (uint32): a source range containing it also admits the LB VIPs as sources. */
  readonly nodeIP: number;
}

/** Where the top-level rules of a port go: one rule line per entry. */
export interface TopLevelBuffers {
  readonly filterRules: string[];
  readonly natRules: string[];
}

/** Where a port's own chains go: chain names and rule lines. */
export interface ChainBuffers {
  readonly natChains: string[];
  readonly natRules: string[];
}

/**
 * The rules of one service port that live in the shared top-level chains (KUBE-SERVICES,
 * KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-PROXY-FIREWALL). They are written on every sync,
 * partial or full, because those chains are always rewritten whole.
 */
export function writeTopLevelRules(st: IptablesPortState, ctx: RuleContext, out: TopLevelBuffers): void {
  const { info, plan, protocol: p } = st;
  const spn = info.nameString;
  const match = `-m ${p} -p ${p}`;
  const port = info.port;
  const { filterRules, natRules } = out;

  // Filter verdicts for destinations without endpoints: REJECT when nothing serves the port at
  // all, DROP when endpoints exist but the traffic policy excludes every one of them here. Both
  // ClusterIP and external destinations use the same pair, so it is worked out once.
  const verdict = plan.hasEndpoints ? 'DROP' : 'REJECT';
  const verdictComment = plan.hasInternalEndpoints && plan.hasExternalEndpoints ? '' : plan.hasEndpoints ? `"${spn} has no local endpoints"` : `"${spn} has no endpoints"`;

  const internalChain = plan.internalPolicy === 'local' ? st.svlChain : st.svcChain;
  if (plan.hasInternalEndpoints) {
    natRules.push(`-A ${CHAIN.services} -m comment --comment "${spn} cluster IP" ${match} -d ${info.clusterIP} --dport ${port} -j ${internalChain}`);
  } else {
    filterRules.push(`-A ${CHAIN.services} -m comment --comment ${verdictComment} ${match} -d ${info.clusterIP} --dport ${port} -j ${verdict}`);
  }

  for (const ip of info.externalIPs) {
    if (plan.hasEndpoints) {
      natRules.push(`-A ${CHAIN.services} -m comment --comment "${spn} external IP" ${match} -d ${ip} --dport ${port} -j ${st.extChain}`);
    }
    if (!plan.hasExternalEndpoints) {
      filterRules.push(`-A ${CHAIN.externalServices} -m comment --comment ${verdictComment} ${match} -d ${ip} --dport ${port} -j ${verdict}`);
    }
  }

  const lbTarget = plan.usesFirewallChain ? st.fwChain : st.extChain;
  for (const ip of info.loadBalancerVIPs) {
    if (plan.hasEndpoints) {
      natRules.push(`-A ${CHAIN.services} -m comment --comment "${spn} loadbalancer IP" ${match} -d ${ip} --dport ${port} -j ${lbTarget}`);
    }
    if (plan.usesFirewallChain) {
      filterRules.push(`-A ${CHAIN.proxyFirewall} -m comment --comment "${spn} traffic not accepted by ${st.fwChain}" ${match} -d ${ip} --dport ${port} -j DROP`);
    }
  }
  if (!plan.hasExternalEndpoints) {
    for (const ip of info.loadBalancerVIPs) {
      filterRules.push(`-A ${CHAIN.externalServices} -m comment --comment ${verdictComment} ${match} -d ${ip} --dport ${port} -j ${verdict}`);
    }
  }

  // NodePorts bypass loadBalancerSourceRanges: they always go straight to KUBE-EXT.
  if (info.nodePort !== 0) {
    if (plan.hasEndpoints) {
      if (ctx.localhostNodePortRule) {
        natRules.push(
          `-A ${CHAIN.nodePorts} -m comment --comment ${spn} ${match} -d 127.0.0.0/8 --dport ${info.nodePort} -m nfacct --nfacct-name ${NFACCT.localhostNodePortAccepted} -j ${st.extChain}`,
        );
      }
      natRules.push(`-A ${CHAIN.nodePorts} -m comment --comment ${spn} ${match} --dport ${info.nodePort} -j ${st.extChain}`);
    }
    if (!plan.hasExternalEndpoints) {
      filterRules.push(`-A ${CHAIN.externalServices} -m comment --comment ${verdictComment} -m addrtype --dst-type LOCAL ${match} --dport ${info.nodePort} -j ${verdict}`);
    }
  }

  // The health-check port must answer even (especially) when this node has no local endpoint:
  // the load balancer learns from the 503 that it should not send traffic here.
  if (info.healthCheckNodePort !== 0) {
    filterRules.push(`-A ${CHAIN.nodePorts} -m comment --comment "${spn} health check node port" -m tcp -p tcp --dport ${info.healthCheckNodePort} -j ACCEPT`);
  }
}

/**
 * The port's own chains (KUBE-EXT/FW/SVC/SVL/SEP) and the masquerade rule in its policy chain.
 * A partial sync writes these only for Services that changed; their content depends on nothing
 * but the port's snapshot and the fixed context, so skipping them is safe.
 */
export function writeServiceChains(st: IptablesPortState, ctx: RuleContext, out: ChainBuffers): void {
  const { info, plan, protocol: p } = st;
  const spn = info.nameString;
  const { natChains, natRules } = out;
  const cat = st.snapshot.categorized;
  const internalChain = plan.internalPolicy === 'local' ? st.svlChain : st.svcChain;
  const externalPolicyChain = plan.externalPolicy === 'local' ? st.svlChain : st.svcChain;

  if (plan.hasInternalEndpoints) {
    // Traffic to the ClusterIP from outside the pod network may come back through another node,
    // so it is masqueraded; pod traffic keeps its source.
    const head = `-A ${internalChain} -m comment --comment "${spn} cluster IP" -m ${p} -p ${p} -d ${info.clusterIP} --dport ${info.port}`;
    if (ctx.masqueradeAll) natRules.push(`${head} -j ${CHAIN.markMasq}`);
    else if (ctx.ifNotLocal !== null) natRules.push(`${head} ${ctx.ifNotLocal} -j ${CHAIN.markMasq}`);
  }

  if (plan.usesExternalTrafficChain) {
    const ext = st.extChain;
    natChains.push(ext);
    if (plan.externalPolicy === 'cluster') {
      natRules.push(`-A ${ext} -m comment --comment "masquerade traffic for ${spn} external destinations" -j ${CHAIN.markMasq}`);
    } else {
      // eTP Local keeps client source IPs, except for traffic that starts on this node: pods and
      // the host itself reach the Service as if through the load balancer, via all endpoints.
      if (ctx.ifLocal !== null) {
        natRules.push(`-A ${ext} -m comment --comment "pod traffic for ${spn} external destinations" ${ctx.ifLocal} -j ${st.svcChain}`);
      }
      natRules.push(`-A ${ext} -m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${CHAIN.markMasq}`);
      natRules.push(`-A ${ext} -m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${st.svcChain}`);
    }
    if (plan.hasExternalEndpoints) natRules.push(`-A ${ext} -j ${externalPolicyChain}`);
  }

  if (plan.usesFirewallChain) {
    const fw = st.fwChain;
    natChains.push(fw);
    const head = `-A ${fw} -m comment --comment "${spn} loadbalancer IP"`;
    let allowFromNode = false;
    for (const range of info.loadBalancerSourceRanges) {
      natRules.push(`${head} -s ${formatPrefix(range)} -j ${st.extChain}`);
      if (prefixContains(range, ctx.nodeIP)) allowFromNode = true;
    }
    // A node that owns the VIP talks to it with the VIP as source address.
    if (allowFromNode) {
      for (const ip of info.loadBalancerVIPs) natRules.push(`${head} -s ${ip} -j ${st.extChain}`);
    }
    natRules.push(`-A ${fw} -m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
  }

  if (plan.usesClusterPolicyChain) {
    natChains.push(st.svcChain);
    writeEndpointJumps(st, ctx, st.svcChain, cat.clusterEndpoints, natRules);
  }
  if (plan.usesLocalPolicyChain) {
    natChains.push(st.svlChain);
    writeEndpointJumps(st, ctx, st.svlChain, cat.localEndpoints, natRules);
  }

  const affinity = info.sessionAffinity.kind === 'ClientIP';
  const comment = ctx.largeClusterMode ? '' : ` -m comment --comment ${spn}`;
  const dnat = ` -m ${p} -p ${p} -j DNAT --to-destination `;
  for (const ep of cat.allReachable) {
    const sep = sepChainOf(st, ep);
    natChains.push(sep);
    // Hairpin: a pod reaching itself through the Service must be masqueraded or the reply
    // would bypass conntrack's reverse NAT.
    natRules.push(`-A ${sep}${comment} -s ${ep.ip} -j ${CHAIN.markMasq}`);
    if (affinity) natRules.push(`-A ${sep}${comment} -m recent --name ${sep} --set${dnat}${ep.endpoint}`);
    else natRules.push(`-A ${sep}${comment}${dnat}${ep.endpoint}`);
  }
}

/** Affinity checks first, then the probability cascade that makes the choice uniform. */
function writeEndpointJumps(st: IptablesPortState, ctx: RuleContext, chain: string, endpoints: readonly EndpointInfo[], natRules: string[]): void {
  const spn = st.info.nameString;
  const affinity = st.info.sessionAffinity;
  const quiet = ctx.largeClusterMode;
  if (affinity.kind === 'ClientIP') {
    for (const ep of endpoints) {
      const sep = sepChainOf(st, ep);
      const comment = quiet ? '' : ` -m comment --comment "${spn} -> ${ep.endpoint}"`;
      natRules.push(`-A ${chain}${comment} -m recent --name ${sep} --rcheck --seconds ${affinity.timeoutSeconds} --reap -j ${sep}`);
    }
  }
  const n = endpoints.length;
  for (let i = 0; i < n; i++) {
    const ep = endpoints[i] as EndpointInfo;
    const sep = sepChainOf(st, ep);
    const comment = quiet ? '' : ` -m comment --comment "${spn} -> ${ep.endpoint}"`;
    if (i < n - 1) natRules.push(`-A ${chain}${comment} -m statistic --mode random --probability ${computeProbability(n - i)} -j ${sep}`);
    else natRules.push(`-A ${chain}${comment} -j ${sep}`);
  }
}

/** Renders the port's own chains, or returns the cached rendering when it is still valid. */
export function renderServiceChains(st: IptablesPortState, ctx: RuleContext): RenderedChains {
  const cached = st.rendered;
  if (cached !== null && cached.largeClusterMode === ctx.largeClusterMode) return cached;
  const out: ChainBuffers = { natChains: [], natRules: [] };
  writeServiceChains(st, ctx, out);
  const rendered: RenderedChains = {
    largeClusterMode: ctx.largeClusterMode,
    chainNames: out.natChains,
    // One join builds every `:NAME - [0:0]` line without an intermediate string per chain.
    chainText: out.natChains.length === 0 ? '' : flattened(`:${out.natChains.join(' - [0:0]\n:')} - [0:0]`),
    rulesText: flattened(out.natRules.join('\n')),
    ruleCount: out.natRules.length,
  };
  st.rendered = rendered;
  return rendered;
}

/** Renders the port's top-level rules, or returns the cached rendering when it is still valid. */
export function renderTopLevelRules(st: IptablesPortState, ctx: RuleContext): RenderedTopLevel {
  const cached = st.topLevel;
  if (cached !== null && cached.localhostNodePortRule === ctx.localhostNodePortRule) return cached;
  const out: TopLevelBuffers = { filterRules: [], natRules: [] };
  writeTopLevelRules(st, ctx, out);
  const rendered: RenderedTopLevel = {
    localhostNodePortRule: ctx.localhostNodePortRule,
    filterText: flattened(out.filterRules.join('\n')),
    filterCount: out.filterRules.length,
    natText: flattened(out.natRules.join('\n')),
    natCount: out.natRules.length,
  };
  st.topLevel = rendered;
  return rendered;
}

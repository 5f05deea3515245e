import { MANIP } from '../conntrack/index.js';
import type { Packet } from '../packet/index.js';
import type { NetNamespace } from './netns.js';
import type { PathResult } from './path-result.js';
import { conntrackIn, filterHook, HOOK, hookEvent, natHook, postrouting } from './walk.js';

/**
 * br_netfilter's path for a frame bridged between two ports of `bridge` (pod to pod on one node):
 * iptables sees it with in and out device = the bridge, through PREROUTING, FORWARD and
 * POSTROUTING, without a routing decision. (A DNAT that moves the destination off the bridge
 * would make br_netfilter re-route; kpemu does not model that case.)
 */
export function receiveBridged(ns: NetNamespace, pkt: Packet, bridge: string, res: PathResult): PathResult {
  res.reset();
  pkt.inDev = bridge;
  pkt.outDev = '';
  hookEvent(ns, 'PREROUTING (bridged)');
  if (!filterHook(ns, 'raw', 'PREROUTING', HOOK.rawPrerouting, pkt, res)) return res;
  if (!conntrackIn(ns, pkt, res)) return res;
  if (!filterHook(ns, 'mangle', 'PREROUTING', HOOK.manglePrerouting, pkt, res)) return res;
  if (!natHook(ns, 'PREROUTING', HOOK.natPrerouting, MANIP.DST, pkt, res)) return res;
  pkt.outDev = bridge;
  ns.currentNextHop = pkt.dst;
  hookEvent(ns, 'FORWARD (bridged)');
  if (!filterHook(ns, 'mangle', 'FORWARD', HOOK.mangleForward, pkt, res)) return res;
  if (!filterHook(ns, 'filter', 'FORWARD', HOOK.filterForward, pkt, res)) return res;
  // br_netfilter runs the IPv4 FORWARD hooks, IPVS's reply hook (priority 100) among them.
  ns.ipvsHooks?.reply(pkt);
  return postrouting(ns, pkt, res, bridge, pkt.dst);
}

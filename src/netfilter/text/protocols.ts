import { parseCUint } from './c-number.js';
import { badValue } from './errors.js';

/**
 * Protocol names for `-p`, as iptables 1.8.9 resolves them: a C number 0..255, `all`, the names of
 * /etc/protocols (netbase, embedded here so output does not depend on the host), and libxtables'
 * own list (icmpv6, mh, ipv6-mh). iptables-save prints the /etc/protocols name of a number.
 */

/** Primary /etc/protocols name of each protocol number (netbase 6.x). */
const NAME_OF: ReadonlyMap<number, string> = new Map([
  [1, 'icmp'],
  [2, 'igmp'],
  [3, 'ggp'],
  [4, 'ipencap'],
  [5, 'st'],
  [6, 'tcp'],
  [8, 'egp'],
  [9, 'igp'],
  [12, 'pup'],
  [17, 'udp'],
  [20, 'hmp'],
  [22, 'xns-idp'],
  [27, 'rdp'],
  [29, 'iso-tp4'],
  [33, 'dccp'],
  [36, 'xtp'],
  [37, 'ddp'],
  [38, 'idpr-cmtp'],
  [41, 'ipv6'],
  [43, 'ipv6-route'],
  [44, 'ipv6-frag'],
  [45, 'idrp'],
  [46, 'rsvp'],
  [47, 'gre'],
  [50, 'esp'],
  [51, 'ah'],
  [57, 'skip'],
  [58, 'ipv6-icmp'],
  [59, 'ipv6-nonxt'],
  [60, 'ipv6-opts'],
  [73, 'rspf'],
  [81, 'vmtp'],
  [88, 'eigrp'],
  [89, 'ospf'],
  [93, 'ax.25'],
  [94, 'ipip'],
  [97, 'etherip'],
  [98, 'encap'],
  [103, 'pim'],
  [108, 'ipcomp'],
  [112, 'vrrp'],
  [115, 'l2tp'],
  [124, 'isis'],
  [132, 'sctp'],
  [133, 'fc'],
  [135, 'mobility-header'],
  [136, 'udplite'],
  [137, 'mpls-in-ip'],
  [138, 'manet'],
  [139, 'hip'],
  [140, 'shim6'],
  [141, 'wesp'],
  [142, 'rohc'],
  [143, 'ethernet'],
  [262, 'mptcp'],
]);

const NUMBER_OF: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>([
    ['all', 0],
    ['ip', 0],
    ['hopopt', 0],
    ['icmpv6', 58],
    ['ipv6-mh', 135],
    ['mh', 135],
  ]);
  for (const [num, name] of NAME_OF) m.set(name, num);
  return m;
})();

/**
 * Parses a `-p` word (iptables lower-cases it first). Returns the protocol number; 0 means any.
 * Throws IPTABLES_BAD_VALUE like iptables' `unknown protocol "x" specified`.
 */
export function parseProtocol(word: string): number {
  const n = parseCUint(word, 0, 255);
  if (n >= 0) return n;
  const lower = word.toLowerCase();
  const byName = NUMBER_OF.get(lower);
  if (byName !== undefined) return byName;
  throw badValue(`unknown protocol "${lower}" specified`);
}

/** The name iptables-save prints for a protocol number, or the number itself. */
export function protocolSaveName(num: number): string {
  return NAME_OF.get(num) ?? String(num);
}

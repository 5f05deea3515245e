import { describe, expect, it } from 'vitest';
import { formatRule, parseIptablesCommand, tokenizeLine, type Rule } from '../../../src/netfilter/index.js';

/**
 * Rule words → what iptables-legacy-save 1.8.9 prints for them (each pair observed on the real
 * tool; the kernel tests re-check them when a kernel is available).
 */
function rule(words: string): Rule {
  const c = parseIptablesCommand(['-A', 'X', ...tokenizeLine(words)]).command;
  if (c.kind !== 'append') throw new Error('not an append');
  return c.rule;
}

const CASES: readonly (readonly [string, string])[] = [
  // common part: order, /32, 0/0, interfaces, protocol names
  ['-j ACCEPT -s 1.1.1.1', '-s 1.1.1.1/32 -j ACCEPT'],
  ['-s 10.1.2.3/24', '-s 10.1.2.0/24'],
  ['-s 10.1.2.3/255.255.0.0', '-s 10.1.0.0/16'],
  ['-s 0.0.0.0/0', ''],
  ['! -s 0.0.0.0/0', '! -s 0.0.0.0/0'],
  ['-s 010.1.2.3', '-s 8.1.2.3/32'],
  ['-s 10.1.2', '-s 10.1.2.0/32'],
  ['-i lo -p tcp -s 1.1.1.1 -o lo -d 2.2.2.2', '-s 1.1.1.1/32 -d 2.2.2.2/32 -i lo -o lo -p tcp'],
  ['-i + -o eth0+', '-o eth0+'],
  ['-p 50', '-p esp'],
  ['-p 47', '-p gre'],
  ['-p 200', '-p 200'],
  ['-p icmpv6', '-p ipv6-icmp'],
  ['-p mh', '-p mobility-header'],
  ['-p all', ''],
  ['! -p tcp', '! -p tcp'],
  // implicit protocol match at the first protocol option
  ['-p tcp --dport 80 -j ACCEPT', '-p tcp -m tcp --dport 80 -j ACCEPT'],
  ['-m tcp -p tcp --dport 80', '-p tcp -m tcp --dport 80'],
  ['-p tcp -m comment --comment x --dport 80', '-p tcp -m comment --comment x -m tcp --dport 80'],
  ['-p tcp -m comment --comment x --sport 80 -m mark --mark 1 --dport 90', '-p tcp -m comment --comment x -m tcp --sport 80 --dport 90 -m mark --mark 0x1'],
  ['-p tcp --dport 1 -m tcp --dport 2', '-p tcp -m tcp --dport 1 -m tcp --dport 2'],
  ['-p tcp --sport 1 -m multiport --dports 2 --dport 3', '-p tcp -m tcp --sport 1 --dport 3 -m multiport --dports 2'],
  ['-m comment --comment "x" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT', '-d 172.30.0.46/32 -p tcp -m comment --comment x -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable'],
  // tcp, udp, sctp
  ['-p tcp --sport :100 --dport 100:', '-p tcp -m tcp --sport 0:100 --dport 100:65535'],
  ['-p tcp --sport 5:5', '-p tcp -m tcp --sport 5'],
  ['-p tcp --sport 0:65535', '-p tcp -m tcp'],
  ['-p tcp ! --sport 0:65535', '-p tcp -m tcp'],
  ['-p tcp --syn', '-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN'],
  ['-p tcp ! --syn', '-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN'],
  ['-p tcp --tcp-flags ALL NONE', '-p tcp -m tcp --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE'],
  ['-p tcp --tcp-flags NONE ALL', '-p tcp -m tcp'],
  ['-p tcp --dport 0x50', '-p tcp -m tcp --dport 80'],
  ['-p udp --sport 5:1', '-p udp -m udp --sport 5:1'],
  ['-p udp --sport 010 --dport 65536', '-p udp -m udp --sport 10 --dport 0'],
  ['-p sctp --sport 0:65535', '-p sctp -m sctp --sport 0:65535'],
  ['-p sctp --sport 0x10', '-p sctp -m sctp --sport 16'],
  // icmp
  ['-p icmp --icmp-type echo-request', '-p icmp -m icmp --icmp-type 8'],
  ['-p icmp --icmp-type 8/0', '-p icmp -m icmp --icmp-type 8/0'],
  ['-p icmp --icmp-type port-unreachable', '-p icmp -m icmp --icmp-type 3/3'],
  ['-p icmp ! --icmp-type 255', '-p icmp -m icmp ! --icmp-type any'],
  ['-p icmp --icmp-type 255/3', '-p icmp -m icmp --icmp-type any'],
  // multiport
  ['-p tcp -m multiport ! --dports 1,2,3', '-p tcp -m multiport ! --dports 1,2,3'],
  ['-p tcp -m multiport --dports 80,0x50', '-p tcp -m multiport --dports 80,80'],
  // comment quoting
  ['-m comment --comment hello', '-m comment --comment hello'],
  ['-m comment --comment ns1/svc1:p80', '-m comment --comment "ns1/svc1:p80"'],
  ['-m comment --comment ""', '-m comment --comment ""'],
  ['-m comment --comment "a\'b"', '-m comment --comment "a\\\'b"'],
  ['-m comment --comment "a\\\\b"', '-m comment --comment "a\\\\b"'],
  [`-m comment --comment ${'1234567890'.repeat(26)}`, `-m comment --comment ${'1234567890'.repeat(26).slice(0, 255)}`],
  // marks
  ['-m mark --mark 1', '-m mark --mark 0x1'],
  ['-m mark --mark 0x11/0x1', '-m mark --mark 0x11/0x1'],
  ['-m mark --mark 4294967295', '-m mark --mark 0xffffffff'],
  ['-m connmark ! --mark 0x10/0xff', '-m connmark ! --mark 0x10/0xff'],
  // conntrack and state
  ['-m conntrack --ctstate ESTABLISHED,RELATED', '-m conntrack --ctstate RELATED,ESTABLISHED'],
  ['-m conntrack --ctstate N,E,R,I,U,S,D', '-m conntrack --ctstate INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT'],
  ['-m conntrack --ctstatus NONE,EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED', '-m conntrack --ctstatus EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED'],
  ['-m conntrack --ctstatus none', '-m conntrack --ctstatus NONE'],
  ['-m conntrack --ctdir REPLY --ctstatus ASSURED --ctstate NEW', '-m conntrack --ctstate NEW --ctstatus ASSURED --ctdir REPLY'],
  ['-m state --state NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED', '-m state --state INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED'],
  // addrtype
  ['-m addrtype --src-type local,unicast', '-m addrtype --src-type UNICAST,LOCAL'],
  ['-m addrtype --dst-type LOCAL --limit-iface-out', '-m addrtype --dst-type LOCAL --limit-iface-out'],
  // statistic
  ['-m statistic --mode random --probability 0.5000000000', '-m statistic --mode random --probability 0.50000000000'],
  ['-m statistic --mode random --probability 0.3333333333', '-m statistic --mode random --probability 0.33333333349'],
  ['-m statistic --mode random --probability 0.1', '-m statistic --mode random --probability 0.10000000009'],
  ['-m statistic --mode random --probability 0.000244140625', '-m statistic --mode random --probability 0.00024414062'],
  ['-m statistic --mode random --probability 0x0.8', '-m statistic --mode random --probability 0.50000000000'],
  ['-m statistic --mode nth --every 3 --packet 0', '-m statistic --mode nth --every 3 --packet 0'],
  // recent
  ['-m recent --set', '-m recent --set --name DEFAULT --mask 255.255.255.255 --rsource'],
  ['-m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap', '-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource'],
  ['-m recent --update --reap --seconds 5 --hitcount 2', '-m recent --update --seconds 5 --reap --hitcount 2 --name DEFAULT --mask 255.255.255.255 --rsource'],
  ['-m recent --rcheck --mask 24 --rsource --rdest', '-m recent --rcheck --name DEFAULT --mask 0.0.0.24 --rdest'],
  ['-m recent --rcheck --seconds 4294967295', '-m recent --rcheck --seconds -1 --name DEFAULT --mask 255.255.255.255 --rsource'],
  // nfacct (two spaces) and set
  ['-m nfacct --nfacct-name acct1', '-m nfacct --nfacct-name  acct1'],
  ['-m nfacct --nfacct-name a.b', '-m nfacct --nfacct-name  "a.b"'],
  ['-m set --set s1 src', '-m set --match-set s1 src'],
  // targets
  ['-j REJECT --reject-with port', '-j REJECT --reject-with icmp-port-unreachable'],
  ['-j REJECT --reject-with ""', '-j REJECT --reject-with icmp-net-unreachable'],
  ['-j REJECT --reject-with tcp-rst', '-j REJECT --reject-with tcp-reset'],
  ['-j LOG --log-level warning', '-j LOG'],
  ['-j LOG --log-level debug --log-prefix "x: "', '-j LOG --log-prefix "x: " --log-level 7'],
  ['-j LOG --log-prefix 123456789012345678901234567890', '-j LOG --log-prefix 12345678901234567890123456789'],
  ['-j MARK --set-mark 1', '-j MARK --set-xmark 0x1/0xffffffff'],
  ['-j MARK --set-mark 0x10/0x1', '-j MARK --set-xmark 0x10/0x11'],
  ['-j MARK --and-mark 0xff', '-j MARK --set-xmark 0x0/0xffffff00'],
  ['-j MARK --or-mark 0x4000', '-j MARK --set-xmark 0x4000/0x4000'],
  ['-j MARK --xor-mark 0x4000', '-j MARK --set-xmark 0x4000/0x0'],
  ['-j CONNMARK --set-mark 0x100 --mask 0xff', '-j CONNMARK --set-xmark 0x100/0xff'],
  ['-j CONNMARK --mask 0xff --set-mark 0x100', '-j CONNMARK --set-xmark 0x100/0xffffffff'],
  ['-j CONNMARK --save-mark', '-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff'],
  ['-j CONNMARK --ctmask 1 --save-mark', '-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0x1'],
  ['-j CONNMARK --restore-mark --mask 0xff', '-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff'],
  ['-p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.9:80-90 --persistent --random', '-p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.9:80-90 --random --persistent'],
  ['-j DNAT --to 1.2.3.4-1.2.3.4', '-j DNAT --to-destination 1.2.3.4'],
  ['-p udp -j DNAT --to-destination 1.2.3.4:80-80', '-p udp -j DNAT --to-destination 1.2.3.4:80'],
  ['-p tcp -j DNAT --to-destination :80', '-p tcp -j DNAT --to-destination :80'],
  ['-j SNAT --to-source 1.2.3.4 --persistent --random-fully --random', '-j SNAT --to-source 1.2.3.4 --random --random-fully --persistent'],
  ['-p tcp -j MASQUERADE --to-ports 0x10', '-p tcp -j MASQUERADE --to-ports 16'],
  ['-j MASQUERADE --random-fully --random', '-j MASQUERADE --random --random-fully'],
  ['-j NOTRACK', '-j NOTRACK'],
  ['-j CT --notrack', '-j CT --notrack'],
  ['-g KUBE-SVC-X', '-g KUBE-SVC-X'],
  ['', ''],
];

describe('iptables-save forms', () => {
  it.each(CASES)('%j', (input, saved) => {
    expect(formatRule(rule(input))).toBe(saved);
  });
});

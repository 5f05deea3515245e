/**
 * A synthetic kube-proxy iptables-restore payload shaped like the proxier's output for a large
 * cluster (services × endpoints), for parse-speed measurements and parser tests. Deterministic.
 */
export function kubeProxyPayload(services: number, endpointsPerService: number): string {
  const out: string[] = ['*filter', ':KUBE-NODEPORTS - [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-EXTERNAL-SERVICES - [0:0]', ':KUBE-FIREWALL - [0:0]', ':KUBE-FORWARD - [0:0]'];
  out.push('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP');
  out.push('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT');
  out.push('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  out.push('COMMIT', '*nat', ':KUBE-NODEPORTS - [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]', ':KUBE-POSTROUTING - [0:0]');
  const hash = (s: string): string => {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
    return h.toString(36).toUpperCase().padStart(16, 'X').slice(0, 16);
  };
  const rules: string[] = [];
  for (let s = 0; s < services; s++) {
    const svc = `ns${s % 50}/svc${s}:p80`;
    const svcChain = `KUBE-SVC-${hash(`svc${s}`)}`;
    const ip = `172.${16 + ((s >> 16) & 15)}.${(s >> 8) & 255}.${s & 255}`;
    out.push(`:${svcChain} - [0:0]`);
    rules.push(`-A KUBE-SERVICES -m comment --comment "${svc} cluster IP" -m tcp -p tcp -d ${ip} --dport 80 -j ${svcChain}`);
    rules.push(`-A ${svcChain} -m comment --comment "${svc} cluster IP" -m tcp -p tcp -d ${ip} --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`);
    for (let e = 0; e < endpointsPerService; e++) {
      const epIp = `10.${(s >> 8) & 255}.${s & 255}.${e + 1}`;
      const sep = `KUBE-SEP-${hash(`sep${s}-${e}`)}`;
      out.push(`:${sep} - [0:0]`);
      const n = endpointsPerService - e;
      const prob = n > 1 ? ` -m statistic --mode random --probability ${(1 / n).toFixed(10)}` : '';
      rules.push(`-A ${svcChain} -m comment --comment "${svc} -> ${epIp}:80"${prob} -j ${sep}`);
      rules.push(`-A ${sep} -m comment --comment ${svc} -s ${epIp} -j KUBE-MARK-MASQ`);
      rules.push(`-A ${sep} -m comment --comment ${svc} -m tcp -p tcp -j DNAT --to-destination ${epIp}:80`);
    }
  }
  for (const r of rules) out.push(r);
  out.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  out.push('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000');
  out.push('-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN');
  out.push('-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000');
  out.push('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  out.push('COMMIT');
  return `${out.join('\n')}\n`;
}

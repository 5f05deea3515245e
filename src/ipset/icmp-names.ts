/**
 * ICMP type/code names as the ipset tool knows them (lib/icmp.c): used to print `icmp:NAME` and
 * to parse names, which the tool matches case-insensitively by prefix, first hit wins (so
 * `icmp:echo` is echo-reply).
 */
const ICMP_TYPECODES: readonly (readonly [name: string, type: number, code: number])[] = [
  ['echo-reply', 0, 0],
  ['pong', 0, 0],
  ['network-unreachable', 3, 0],
  ['host-unreachable', 3, 1],
  ['protocol-unreachable', 3, 2],
  ['port-unreachable', 3, 3],
  ['fragmentation-needed', 3, 4],
  ['source-route-failed', 3, 5],
  ['network-unknown', 3, 6],
  ['host-unknown', 3, 7],
  ['network-prohibited', 3, 9],
  ['host-prohibited', 3, 10],
  ['TOS-network-unreachable', 3, 11],
  ['TOS-host-unreachable', 3, 12],
  ['communication-prohibited', 3, 13],
  ['host-precedence-violation', 3, 14],
  ['precedence-cutoff', 3, 15],
  ['source-quench', 4, 0],
  ['network-redirect', 5, 0],
  ['host-redirect', 5, 1],
  ['TOS-network-redirect', 5, 2],
  ['TOS-host-redirect', 5, 3],
  ['echo-request', 8, 0],
  ['ping', 8, 0],
  ['router-advertisement', 9, 0],
  ['router-solicitation', 10, 0],
  ['ttl-zero-during-transit', 11, 0],
  ['ttl-zero-during-reassembly', 11, 1],
  ['ip-header-bad', 12, 0],
  ['required-option-missing', 12, 1],
  ['timestamp-request', 13, 0],
  ['timestamp-reply', 14, 0],
  ['address-mask-request', 17, 0],
  ['address-mask-reply', 18, 0],
];

/** `type<<8 | code` for an ICMP name (prefix, case-insensitive, first match), or -1. */
export function icmpNameToTypeCode(text: string): number {
  const t = text.toLowerCase();
  for (const [name, type, code] of ICMP_TYPECODES) if (name.toLowerCase().startsWith(t)) return (type << 8) | code;
  return -1;
}

/** The name ipset prints for `type<<8 | code`, or `type/code` when it has none. */
export function icmpTypeCodeToText(typeCode: number): string {
  const type = (typeCode >>> 8) & 0xff;
  const code = typeCode & 0xff;
  for (const [name, t, c] of ICMP_TYPECODES) if (t === type && c === code) return name;
  return `${type}/${code}`;
}

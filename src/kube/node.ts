import type { Node } from './types.js';
import { readCidr, readIp } from './addresses.js';
import { finish, type Parsed } from './fields.js';
import { readMeta } from './meta.js';
import { child, expectMap, fail, list, str, stringList, warnUnknownFields, type Field } from './reader.js';

/**
 * v1 Node: the addresses kube-proxy and flannel use (InternalIP, ExternalIP) and the pod CIDR
 * flannel takes as the node's lease. IPv6 entries of dual-stack nodes are skipped: kpemu
 * emulates IPv4.
 */

const TOP_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const ADDRESS_FIELDS: ReadonlySet<string> = new Set(['type', 'address']);

export function readNode(root: Field): Parsed<Node> | null {
  const scope = root.scope;
  const before = scope.errorCount;
  warnUnknownFields(root, TOP_FIELDS);
  const metadata = readMeta(root, { kind: 'Node', namespaced: false, nameRule: 'dns1123-subdomain' });
  const spec = child(root, 'spec');
  expectMap(spec);
  const status = child(root, 'status');
  expectMap(status);

  const internalIPs: string[] = [];
  const externalIPs: string[] = [];
  for (const item of list(child(status, 'addresses'))) {
    if (!expectMap(item)) continue;
    warnUnknownFields(item, ADDRESS_FIELDS);
    const type = str(child(item, 'type')) ?? '';
    if (type !== 'InternalIP' && type !== 'ExternalIP') continue; // Hostname, InternalDNS, ExternalDNS
    const addrField = child(item, 'address');
    const text = str(addrField) ?? '';
    const ip = readIp(text);
    switch (ip.kind) {
      case 'ipv4':
        (type === 'InternalIP' ? internalIPs : externalIPs).push(ip.text);
        break;
      case 'ipv6':
        break;
      case 'invalid':
        fail(addrField, `expected an IP address for ${type}, got ${JSON.stringify(text)}`, { text });
        break;
      default:
        ip satisfies never;
    }
  }

  const { podCIDR, podCIDRs } = readPodCIDRs(spec);
  return finish<Node>(scope, before, root.line, {
    kind: 'Node',
    metadata,
    source: { file: scope.file, line: root.line },
    internalIPs,
    externalIPs,
    podCIDR,
    podCIDRs,
  });
}

/** `podCIDR` and `podCIDRs` (at most one per family; `podCIDRs[0]` must equal `podCIDR`). */
function readPodCIDRs(spec: Field): { podCIDR: string; podCIDRs: string[] } {
  const singleField = child(spec, 'podCIDR');
  const single = str(singleField) ?? '';
  const many = stringList(child(spec, 'podCIDRs'));
  const podCIDRs: string[] = [];
  let ipv6 = 0;
  for (const { value, field } of many) {
    const c = readCidr(value);
    switch (c.kind) {
      case 'ipv4':
        if (podCIDRs.length > 0) fail(field, `expected at most one IPv4 CIDR in podCIDRs, got a second one ${JSON.stringify(value)}`, { text: value });
        else podCIDRs.push(c.text);
        break;
      case 'ipv6':
        if (++ipv6 > 1) fail(field, `expected at most one IPv6 CIDR in podCIDRs, got a second one ${JSON.stringify(value)}`, { text: value });
        break;
      case 'invalid':
        fail(field, `expected a CIDR such as 10.244.1.0/24, got ${JSON.stringify(value)} (${c.reason})`, { text: value });
        break;
      default:
        c satisfies never;
    }
  }
  let podCIDR = '';
  if (single !== '') {
    const c = readCidr(single);
    switch (c.kind) {
      case 'ipv4':
        podCIDR = c.text;
        break;
      case 'ipv6':
        break;
      case 'invalid':
        fail(singleField, `expected a CIDR such as 10.244.1.0/24, got ${JSON.stringify(single)} (${c.reason})`, { text: single });
        break;
      default:
        c satisfies never;
    }
    const first = many[0];
    if (first !== undefined && first.value !== single) {
      const a = readCidr(first.value);
      const same = a.kind === 'ipv4' && c.kind === 'ipv4' && a.text === c.text;
      if (!same && a.kind !== 'invalid' && c.kind !== 'invalid') {
        fail(
          first.field,
          `expected spec.podCIDRs[0] to equal spec.podCIDR (${JSON.stringify(single)}), got ${JSON.stringify(first.value)}`,
          { text: first.value },
        );
      }
    }
  }
  if (podCIDR === '') podCIDR = podCIDRs[0] ?? '';
  if (podCIDR !== '' && podCIDRs.length === 0) podCIDRs.push(podCIDR);
  return { podCIDR, podCIDRs };
}

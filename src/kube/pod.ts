import type { ContainerPort, Pod } from './types.js';
import { readIp } from './addresses.js';
import { finish, readPort, readProtocol, type Parsed } from './fields.js';
import { readMeta } from './meta.js';
import { IANA_SVC_NAME_EXPECTATION, isIanaSvcName } from './names.js';
import { bool, child, expectMap, fail, list, str, type Field } from './reader.js';

/**
 * v1 Pod: where it runs, its IP and its named container ports (what a Service's named
 * `targetPort` resolves against). Only the fields the dataplane needs are read; a Pod spec has
 * far more, so unknown fields are not reported here.
 */

export function readPod(root: Field): Parsed<Pod> | null {
  const scope = root.scope;
  const before = scope.errorCount;
  const metadata = readMeta(root, { kind: 'Pod', namespaced: true, nameRule: 'dns1123-subdomain' });
  const spec = child(root, 'spec');
  expectMap(spec);
  const nodeName = str(child(spec, 'nodeName')) ?? '';
  const hostNetwork = bool(child(spec, 'hostNetwork')) ?? false;

  const containerPorts: ContainerPort[] = [];
  const names = new Map<string, string>();
  for (const container of list(child(spec, 'containers'))) {
    if (!expectMap(container)) continue;
    for (const item of list(child(container, 'ports'))) {
      if (!expectMap(item)) continue;
      const nameField = child(item, 'name');
      const name = str(nameField) ?? '';
      if (name !== '') {
        if (!isIanaSvcName(name)) fail(nameField, `expected ${IANA_SVC_NAME_EXPECTATION}, got ${JSON.stringify(name)}`, { text: name });
        const other = names.get(name);
        // Port names are unique across all containers of a pod: a named targetPort must resolve to one port.
        if (other !== undefined) fail(nameField, `duplicate container port name ${JSON.stringify(name)} (${other} has it too)`, { text: name });
        else names.set(name, item.path);
      }
      const containerPort = readPort(child(item, 'containerPort'), true);
      const protocol = readProtocol(child(item, 'protocol'));
      if (containerPort !== undefined && protocol !== undefined) containerPorts.push({ name, containerPort, protocol });
    }
  }

  const podIP = readPodIP(child(root, 'status'));
  return finish<Pod>(scope, before, root.line, {
    kind: 'Pod',
    metadata,
    source: { file: scope.file, line: root.line },
    nodeName,
    hostNetwork,
    podIP,
    containerPorts,
  });
}

/** `status.podIP`, or the IPv4 entry of `status.podIPs`; they must agree. */
function readPodIP(status: Field): string {
  expectMap(status);
  const ipField = child(status, 'podIP');
  const text = str(ipField) ?? '';
  let podIP = '';
  if (text !== '') {
    const ip = readIp(text);
    if (ip.kind === 'ipv4') podIP = ip.text;
    else if (ip.kind === 'invalid') fail(ipField, `expected an IPv4 address, got ${JSON.stringify(text)}`, { text });
  }
  for (const item of list(child(status, 'podIPs'))) {
    if (!expectMap(item)) continue;
    const f = child(item, 'ip');
    const value = str(f) ?? '';
    const ip = readIp(value);
    if (ip.kind === 'invalid') {
      fail(f, `expected an IP address, got ${JSON.stringify(value)}`, { text: value });
      continue;
    }
    if (ip.kind !== 'ipv4') continue;
    if (podIP === '' && text === '') podIP = ip.text;
    else if (podIP !== '' && ip.text !== podIP) {
      fail(f, `expected the IPv4 entry of status.podIPs to equal status.podIP (${podIP}), got ${JSON.stringify(value)}`, { text: value });
    }
  }
  return podIP;
}

import { formatIpv4 } from '../../core/index.js';
import { parseIpv4Sloppy } from '../../addr/index.js';
import type { EndpointSlice, Protocol } from '../../kube/index.js';
import { compareEndpoints, joinHostPort, type EndpointInfo } from './endpoint-info.js';
import type { WarningSink } from './warnings.js';

/** Key of one endpoint port within a Service: its name and protocol, as kube-proxy matches them. */
export function endpointPortKey(portName: string, protocol: Protocol): string {
  return `${portName}/${protocol}`;
}

export interface EndpointsContext {
  /** This proxier's node; endpoints whose nodeName equals it are local. */
  readonly nodeName: string;
}

/** The endpoints of one Service, per endpoint port key, each list sorted by `ip:port`. */
export type ServiceEndpoints = ReadonlyMap<string, readonly EndpointInfo[]>;

/**
 * Merges the IPv4 EndpointSlices of one Service into endpoint lists per port (name + protocol).
 *
 * Following kube-proxy: only an endpoint's first address is used; an address seen twice for the
 * same port (e.g. while an endpoint moves between slices) keeps one entry, and a non-terminating
 * entry replaces a terminating one. Slices are read in name order, so among several
 * non-terminating duplicates the last one in that order wins (upstream leaves it to map order).
 * Anything unusable is skipped with a warning.
 *
 * @param slices the Service's slices, sorted by slice name
 */
export function collectServiceEndpoints(slices: readonly EndpointSlice[], ctx: EndpointsContext, warn: WarningSink): ServiceEndpoints {
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    const object = `EndpointSlice ${slice.metadata.namespace}/${slice.metadata.name}`;
    const where = { object, file: slice.source.file, line: slice.source.line };
    if (slice.addressType !== 'IPv4') {
      warn({ code: 'SLICE_ADDRESS_TYPE', message: `addressType ${slice.addressType} is ignored by the IPv4 proxier`, location: { ...where, field: 'addressType' } });
      continue;
    }
    // Parse each endpoint once, then attach it to every port of the slice.
    const parsed: EndpointInfo[] = [];
    const ports = slice.ports.filter((p, i) => {
      if (p.port >= 1 && p.port <= 65535) return true;
      warn({ code: 'SLICE_PORT_INVALID', message: `port "${p.name}" has no usable port number (${p.port}); ignored`, location: { ...where, field: `ports[${i}].port` } });
      return false;
    });
    slice.endpoints.forEach((ep, i) => {
      const first = ep.addresses[0];
      if (first === undefined) {
        warn({ code: 'ENDPOINT_BAD_ADDRESS', message: 'endpoint has no addresses; ignored', location: { ...where, field: `endpoints[${i}].addresses` } });
        return;
      }
      let ip: string;
      try {
        ip = formatIpv4(parseIpv4Sloppy(first));
      } catch {
        warn({ code: 'ENDPOINT_BAD_ADDRESS', message: `"${first}" is not an IPv4 address; endpoint ignored`, location: { ...where, field: `endpoints[${i}].addresses[0]`, text: first } });
        return;
      }
      const base = {
        ip,
        port: 0,
        endpoint: '',
        ready: ep.conditions.ready,
        serving: ep.conditions.serving,
        terminating: ep.conditions.terminating,
        isLocal: ep.nodeName !== '' && ep.nodeName === ctx.nodeName,
        nodeName: ep.nodeName,
        zone: ep.zone,
        zoneHints: ep.hintsForZones,
      };
      parsed.push(base);
    });
    for (const port of ports) {
      const key = endpointPortKey(port.name, port.protocol);
      let set = byPort.get(key);
      if (set === undefined) byPort.set(key, (set = new Map()));
      for (const base of parsed) {
        const endpoint = joinHostPort(base.ip, port.port);
        const existing = set.get(endpoint);
        if (existing === undefined || !base.terminating) set.set(endpoint, { ...base, port: port.port, endpoint });
      }
    }
  }
  const out = new Map<string, readonly EndpointInfo[]>();
  for (const [key, set] of byPort) out.set(key, [...set.values()].sort(compareEndpoints));
  return out;
}

import { categorizeEndpoints, type CategorizedEndpoints } from './categorize.js';
import type { EndpointInfo } from './endpoint-info.js';
import { collectServiceEndpoints, endpointPortKey, type EndpointsContext } from './endpoints-map.js';
import type { KubeObjectStore } from './object-store.js';
import { servicePortInfos, type ServicePortInfo } from './service-port-info.js';
import type { ProxyWarning } from './warnings.js';

/** One service port with its endpoints, as of the last checkout. */
export interface PortSnapshot {
  readonly info: ServicePortInfo;
  /** All endpoints of the port (any condition), sorted by `ip:port`. */
  readonly endpoints: readonly EndpointInfo[];
  readonly categorized: CategorizedEndpoints;
}

/** What a proxier derives from one Service and its slices. */
export interface ServiceSnapshot {
  /** `namespace/name`. */
  readonly key: string;
  /** In spec order; empty for a Service that is not proxied (or only has slices). */
  readonly ports: readonly PortSnapshot[];
  /** Contradictions found while deriving; repeated on every report until fixed. */
  readonly warnings: readonly ProxyWarning[];
  /** Sum of endpoint counts over the ports (kube-proxy's large-cluster measure). */
  readonly endpointCount: number;
  /** Canonical text of ports + endpoints; equal fingerprints mean identical generated rules. */
  readonly fingerprint: string;
}

export interface Checkout {
  /** Keys of Services whose snapshot changed (added, removed or different) since the last checkout. */
  readonly changed: ReadonlySet<string>;
}

/**
 * Turns raw object updates into what a partial sync needs: per-Service snapshots, and which
 * Services really changed since the previous checkout. A proxier calls `checkout()` once per
 * sync; like kube-proxy's trackers it forgets the changes as it hands them out, so a sync that
 * then fails must fall back to a full sync.
 */
export class ServiceChangeTracker {
  private readonly snapshots = new Map<string, ServiceSnapshot>();
  /** All snapshot keys in order; rebuilt only when a key appears or disappears. */
  private sortedKeys: string[] | null = null;
  private endpointTotal = 0;
  /** Keys of snapshots that carry warnings, so reports need not scan every Service. */
  private readonly withWarnings = new Set<string>();

  constructor(
    private readonly store: KubeObjectStore,
    private readonly ctx: EndpointsContext,
  ) {}

  checkout(): Checkout {
    const changed = new Set<string>();
    for (const key of this.store.takeDirty()) {
      const before = this.snapshots.get(key);
      const after = this.derive(key);
      if (after !== undefined && after.warnings.length > 0) this.withWarnings.add(key);
      else this.withWarnings.delete(key);
      if (before?.fingerprint === after?.fingerprint) {
        // Same rules either way; keep the old object so caches keyed on it stay valid, but
        // take the new warnings (a slice may have been renamed, a source line moved).
        if (before !== undefined && after !== undefined) this.snapshots.set(key, { ...before, warnings: after.warnings });
        continue;
      }
      changed.add(key);
      this.endpointTotal += (after?.endpointCount ?? 0) - (before?.endpointCount ?? 0);
      if ((before === undefined) !== (after === undefined)) this.sortedKeys = null;
      if (after === undefined) this.snapshots.delete(key);
      else this.snapshots.set(key, after);
    }
    return { changed };
  }

  get(key: string): ServiceSnapshot | undefined {
    return this.snapshots.get(key);
  }

  /** Snapshots of Services that have ports, sorted by `namespace/name` (the proxiers' output order). */
  sorted(): ServiceSnapshot[] {
    const keys = (this.sortedKeys ??= [...this.snapshots.keys()].sort());
    const out: ServiceSnapshot[] = [];
    for (const k of keys) {
      const snap = this.snapshots.get(k);
      if (snap !== undefined && snap.ports.length > 0) out.push(snap);
    }
    return out;
  }

  /** Endpoints summed over all proxied service ports. */
  totalEndpoints(): number {
    return this.endpointTotal;
  }

  /** Every current warning, Services in key order. */
  warnings(): ProxyWarning[] {
    const out: ProxyWarning[] = [];
    for (const k of [...this.withWarnings].sort()) out.push(...(this.snapshots.get(k)?.warnings ?? []));
    return out;
  }

  private derive(key: string): ServiceSnapshot | undefined {
    const service = this.store.service(key);
    const slices = this.store.slicesOf(key);
    if (service === undefined && slices.length === 0) return undefined;
    const warnings: ProxyWarning[] = [];
    const warn = (w: ProxyWarning): void => void warnings.push(w);
    const infos = service === undefined ? [] : servicePortInfos(service, warn);
    const byPort = collectServiceEndpoints(slices, this.ctx, warn);

    if (service === undefined) {
      // Slices of headless or ExternalName Services are normal and stay silent; slices whose
      // Service does not exist at all point at a mistake (or a Service not loaded yet).
      for (const s of slices) {
        if (s.addressType !== 'IPv4') continue;
        warn({
          code: 'SLICE_SERVICE_MISSING',
          message: `no Service ${key} for this EndpointSlice`,
          location: { object: `EndpointSlice ${s.metadata.namespace}/${s.metadata.name}`, file: s.source.file, line: s.source.line },
        });
      }
    } else if (infos.length > 0) {
      const servicePortKeys = new Set(infos.map((i) => endpointPortKey(i.name.port, i.protocol)));
      const hasUsableSlice = slices.some((s) => s.addressType === 'IPv4');
      for (const s of slices) {
        if (s.addressType !== 'IPv4') continue;
        s.ports.forEach((p, i) => {
          if (servicePortKeys.has(endpointPortKey(p.name, p.protocol))) return;
          warn({
            code: 'SLICE_PORT_UNMATCHED',
            message: `port "${p.name}"/${p.protocol} matches no port of Service ${key}`,
            location: { object: `EndpointSlice ${s.metadata.namespace}/${s.metadata.name}`, file: s.source.file, line: s.source.line, field: `ports[${i}]` },
          });
        });
      }
      if (hasUsableSlice) {
        infos.forEach((info, i) => {
          if (byPort.has(endpointPortKey(info.name.port, info.protocol))) return;
          warn({
            code: 'SERVICE_PORT_NO_ENDPOINTS',
            message: `port "${info.name.port}"/${info.protocol} appears in none of the Service's EndpointSlices`,
            location: { object: `Service ${key}`, file: service.source.file, line: service.source.line, field: `spec.ports[${i}]` },
          });
        });
      }
    }

    let endpointCount = 0;
    const ports = infos.map((info): PortSnapshot => {
      const endpoints = byPort.get(endpointPortKey(info.name.port, info.protocol)) ?? [];
      endpointCount += endpoints.length;
      return { info, endpoints, categorized: categorizeEndpoints(endpoints, info) };
    });
    const fingerprint = ports.map(portFingerprint).join('\n');
    return { key, ports, warnings, endpointCount, fingerprint };
  }
}

/** Canonical text of a port and its endpoints; cheaper than JSON for the endpoint lists. */
function portFingerprint(p: PortSnapshot): string {
  let text = JSON.stringify(p.info);
  for (const e of p.endpoints) {
    text += `|${e.endpoint},${e.ready ? 1 : 0}${e.serving ? 1 : 0}${e.terminating ? 1 : 0}${e.isLocal ? 1 : 0},${e.nodeName},${e.zone},${e.zoneHints.join(' ')}`;
  }
  return text;
}

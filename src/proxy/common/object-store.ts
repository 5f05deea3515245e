import type { EndpointSlice, Service } from '../../kube/index.js';
import { namespacedName } from './service-port-name.js';
import type { ProxyWarning } from './warnings.js';

/**
 * The Services and EndpointSlices a proxier currently knows, indexed the way a sync reads them,
 * plus the set of Services (by `namespace/name`) touched since the last `takeDirty()`.
 *
 * "Touched" is deliberately coarse: any update to a Service or to one of its slices marks it,
 * even a no-op one. The change tracker then compares derived state, so a Service only counts as
 * changed when what the proxier would generate from it changed, as in kube-proxy.
 */
export class KubeObjectStore {
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, EndpointSlice>();
  /** Service key → slice key → slice. */
  private readonly slicesByService = new Map<string, Map<string, EndpointSlice>>();
  private dirty = new Set<string>();
  private warnings: ProxyWarning[] = [];

  upsertService(service: Service): void {
    const key = namespacedName(service.metadata.namespace, service.metadata.name);
    if (this.services.get(key) === service) return;
    this.services.set(key, service);
    this.dirty.add(key);
  }

  deleteService(namespace: string, name: string): void {
    const key = namespacedName(namespace, name);
    if (this.services.delete(key)) this.dirty.add(key);
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const key = namespacedName(slice.metadata.namespace, slice.metadata.name);
    const previous = this.slices.get(key);
    if (previous === slice) return;
    if (previous !== undefined) this.detach(key, previous);
    this.slices.set(key, slice);
    if (slice.serviceName === '') {
      this.warnings.push({
        code: 'SLICE_NO_SERVICE',
        message: 'EndpointSlice has no kubernetes.io/service-name label; ignored',
        location: { object: `EndpointSlice ${key}`, file: slice.source.file, line: slice.source.line, field: 'metadata.labels' },
      });
      return;
    }
    const svcKey = namespacedName(slice.metadata.namespace, slice.serviceName);
    let group = this.slicesByService.get(svcKey);
    if (group === undefined) this.slicesByService.set(svcKey, (group = new Map()));
    group.set(key, slice);
    this.dirty.add(svcKey);
  }

  deleteEndpointSlice(namespace: string, name: string): void {
    const key = namespacedName(namespace, name);
    const previous = this.slices.get(key);
    if (previous === undefined) return;
    this.slices.delete(key);
    this.detach(key, previous);
  }

  /**
   * Replaces everything with the given objects: missing ones are deleted, the rest upserted.
   * A name given twice keeps the later object and leaves a DUPLICATE_OBJECT warning.
   */
  replaceAll(services: readonly Service[], slices: readonly EndpointSlice[]): void {
    const wantServices = new Map<string, Service>();
    for (const s of services) {
      const key = namespacedName(s.metadata.namespace, s.metadata.name);
      if (wantServices.has(key)) this.duplicate(`Service ${key}`, s.source);
      wantServices.set(key, s);
    }
    const wantSlices = new Map<string, EndpointSlice>();
    for (const s of slices) {
      const key = namespacedName(s.metadata.namespace, s.metadata.name);
      if (wantSlices.has(key)) this.duplicate(`EndpointSlice ${key}`, s.source);
      wantSlices.set(key, s);
    }
    for (const [key, s] of this.services) if (!wantServices.has(key)) this.deleteService(s.metadata.namespace, s.metadata.name);
    for (const [key, s] of this.slices) if (!wantSlices.has(key)) this.deleteEndpointSlice(s.metadata.namespace, s.metadata.name);
    for (const s of wantServices.values()) this.upsertService(s);
    for (const s of wantSlices.values()) this.upsertEndpointSlice(s);
  }

  /** Service keys touched since the previous call. */
  takeDirty(): Set<string> {
    const out = this.dirty;
    this.dirty = new Set();
    return out;
  }

  /** Warnings raised while storing objects since the previous call. */
  takeWarnings(): ProxyWarning[] {
    const out = this.warnings;
    this.warnings = [];
    return out;
  }

  service(key: string): Service | undefined {
    return this.services.get(key);
  }

  /** The slices labelled for Service `key`, sorted by slice name. */
  slicesOf(key: string): EndpointSlice[] {
    const group = this.slicesByService.get(key);
    if (group === undefined) return [];
    return [...group.values()].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  }

  private detach(sliceKey: string, slice: EndpointSlice): void {
    if (slice.serviceName === '') return;
    const svcKey = namespacedName(slice.metadata.namespace, slice.serviceName);
    const group = this.slicesByService.get(svcKey);
    if (group === undefined) return;
    group.delete(sliceKey);
    if (group.size === 0) this.slicesByService.delete(svcKey);
    this.dirty.add(svcKey);
  }

  private duplicate(object: string, source: { readonly file: string; readonly line: number }): void {
    this.warnings.push({ code: 'DUPLICATE_OBJECT', message: `${object} is given more than once; the later one is used`, location: { object, file: source.file, line: source.line } });
  }
}

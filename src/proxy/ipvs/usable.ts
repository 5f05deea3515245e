import { KpemuError, isKpemuError } from '../../core/index.js';
import type { IpsetApi } from '../../ipset/index.js';
import type { IpvsApi, VirtualServer } from '../../ipvs/index.js';
import { DEFAULT_SCHEDULER } from './constants.js';

/** The oldest ipset userspace kube-proxy accepts (S `MinIPSetCheckVersion`). */
export const MIN_IPSET_VERSION = '6.0';

/** The throw-away virtual server of the scheduler probe: TEST-NET-2, so it should clash with nothing. */
const PROBE_VS: Omit<VirtualServer, 'scheduler'> = { address: 0xc6336400, port: 20000, protocol: 'TCP', flags: 0, timeout: 0 };

/**
 * P `CanUseIPVSProxier`, run before the proxier is built: the ipset tool must be at least 6.0,
 * and the kernel must take the configured scheduler. When a virtual server already uses that
 * scheduler (a restart) nothing is probed; otherwise a dummy 198.51.100.0:20000/TCP is added with
 * it and deleted again. Throws IPVS_PROXIER_UNUSABLE with the kernel's error as cause.
 *
 * @param scheduler as configured; '' means rr
 */
export function assertIpvsUsable(ipvs: IpvsApi, ipset: IpsetApi, scheduler: string): void {
  const wrap = (what: string, cause: unknown): KpemuError => {
    if (!isKpemuError(cause)) throw cause;
    return new KpemuError('IPVS_PROXIER_UNUSABLE', `${what}: ${cause.message}`, { cause, location: { field: 'ipvs.scheduler', text: scheduler } });
  };
  let version: string;
  try {
    version = ipset.getVersion();
  } catch (e) {
    throw wrap('cannot read the ipset version', e);
  }
  if (!versionAtLeast(version, MIN_IPSET_VERSION)) {
    throw new KpemuError('IPVS_PROXIER_UNUSABLE', `ipset version ${version} is older than ${MIN_IPSET_VERSION}`, { location: { text: version } });
  }
  const name = scheduler === '' ? DEFAULT_SCHEDULER : scheduler;
  let existing: VirtualServer[];
  try {
    existing = ipvs.getVirtualServers();
  } catch (e) {
    throw wrap('cannot list virtual servers', e);
  }
  if (existing.some((vs) => vs.scheduler === name)) return;
  const probe: VirtualServer = { ...PROBE_VS, scheduler: name };
  try {
    ipvs.addVirtualServer(probe);
  } catch (e) {
    throw wrap(`the kernel refused a virtual server with scheduler ${name}`, e);
  }
  try {
    ipvs.deleteVirtualServer(probe);
  } catch (e) {
    throw wrap('cannot delete the probe virtual server', e);
  }
}

/** `v7.17` ≥ `6.0`, comparing numeric fields; a leading `v` is ignored. */
function versionAtLeast(version: string, min: string): boolean {
  const parse = (t: string): number[] => t.replace(/^v/, '').split('.').map((p) => Number.parseInt(p, 10) || 0);
  const a = parse(version);
  const b = parse(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

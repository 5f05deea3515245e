import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { KernelIpvsApi, SVC_FLAGS, type VirtualServer } from '../../src/ipvs/index.js';
import { ip, newIpvs, pkt, SYN } from './support.js';

describe('IpvsApi (kube-proxy utilipvs.Interface shape)', () => {
  const vs: VirtualServer = { address: ip('10.20.30.41'), protocol: 'TCP', port: 80, scheduler: 'mh', flags: SVC_FLAGS.SCHED2, timeout: 0 };

  it('adds, reads back (without the kernel HASHED flag), updates and deletes services', () => {
    const api = new KernelIpvsApi(newIpvs().ipvs);
    api.addVirtualServer(vs);
    expect(api.getVirtualServer(vs)).toEqual(vs);
    api.updateVirtualServer({ ...vs, scheduler: 'rr', flags: SVC_FLAGS.PERSISTENT, timeout: 10800 });
    expect(api.getVirtualServer(vs)).toEqual({ ...vs, scheduler: 'rr', flags: SVC_FLAGS.PERSISTENT, timeout: 10800 });
    expect(api.getVirtualServers().length).toBe(1);
    api.deleteVirtualServer(vs);
    expect(api.getVirtualServers()).toEqual([]);
    expect(() => api.getVirtualServer(vs)).toThrow(KpemuError);
    expect(api.counts.getVirtualServer).toBe(3);
    expect(api.totalCalls).toBe(8);
  });

  it('manages real servers and reports their counters', () => {
    const { ipvs } = newIpvs();
    const api = new KernelIpvsApi(ipvs);
    api.addVirtualServer({ ...vs, scheduler: 'rr', flags: 0 });
    api.addRealServer(vs, { address: ip('10.180.0.1'), port: 8080, weight: 1 });
    api.addRealServer(vs, { address: ip('10.180.0.2'), port: 8080, weight: 1 });
    ipvs.schedule(pkt('10.0.0.1', 40000, '10.20.30.41', 80, 6, SYN));
    const rs = api.getRealServers(vs);
    // Kernel list order: newest first.
    expect(rs.map((r) => [r.address, r.weight, r.activeConn, r.inactiveConn, r.fwd])).toEqual([
      [ip('10.180.0.2'), 1, 0, 1, 'masq'],
      [ip('10.180.0.1'), 1, 0, 0, 'masq'],
    ]);
    // Graceful termination as kube-proxy does it: weight 0, delete later.
    api.updateRealServer(vs, { address: ip('10.180.0.2'), port: 8080, weight: 0 });
    expect(api.getRealServers(vs)[0]?.weight).toBe(0);
    api.deleteRealServer(vs, { address: ip('10.180.0.2'), port: 8080, weight: 0 });
    expect(api.getRealServers(vs).length).toBe(1);
    const code = (fn: () => void): string => {
      try {
        fn();
      } catch (e) {
        return (e as KpemuError).code;
      }
      return 'none';
    };
    expect(code(() => api.addRealServer(vs, { address: ip('10.180.0.1'), port: 8080, weight: 1 }))).toBe('IPVS_DEST_EXISTS');
    expect(code(() => api.deleteRealServer(vs, { address: ip('10.180.0.9'), port: 8080, weight: 1 }))).toBe('IPVS_NO_DEST');
    expect(code(() => api.addRealServer({ ...vs, port: 81 }, { address: ip('10.180.0.1'), port: 8080, weight: 1 }))).toBe('IPVS_NO_SERVICE');
    expect(code(() => api.addVirtualServer({ ...vs, port: 82, scheduler: 'nope' }))).toBe('IPVS_BAD_SCHEDULER');
    api.configureTimeouts(900, 120, 300);
    api.flush();
    expect(api.getVirtualServers()).toEqual([]);
    expect(api.counts.addRealServer).toBe(4);
  });

  it('takes an empty scheduler as rr, as kube-proxy does', () => {
    const api = new KernelIpvsApi(newIpvs().ipvs);
    api.addVirtualServer({ ...vs, scheduler: '' });
    expect(api.getVirtualServer(vs).scheduler).toBe('rr');
  });
});

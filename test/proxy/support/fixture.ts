import { IptablesProxier, type IptablesProxierOptions } from '../../../src/proxy/index.js';
import type { EndpointSlice, KubeProxyConfiguration, Service } from '../../../src/kube/index.js';
import { FakeIptables, FakeNfacct } from '../fake-iptables.js';
import { makeConfig } from './objects.js';

/**
 * Upstream's NewFakeProxier fixture: node `test-node`, node IP 192.168.0.2 plus the alternate
 * node IP 192.168.1.2 and the externalIP that is also a local address, 192.168.99.11; pod CIDR
 * 10.0.0.0/8; mark 0x4000; localhost NodePorts on; both nfacct counters available.
 */
export const NODE_NAME = 'test-node';
export const NODE_IP = '192.168.0.2';
export const NODE_IPS = [NODE_IP, '192.168.1.2', '192.168.99.11'] as const;
/** What the tracer treats as LOCAL, as upstream's tracer does (IPv6 ones included for fidelity). */
export const LOCAL_IPS = [...NODE_IPS, '2001:db8::1', '2001:db8:1::2'] as const;

export interface Fixture {
  readonly proxier: IptablesProxier;
  readonly iptables: FakeIptables;
  readonly nfacct: FakeNfacct;
}

export function makeFixture(
  config: Partial<KubeProxyConfiguration> = {},
  options: Partial<Omit<IptablesProxierOptions, 'config' | 'iptables' | 'nfacct'>> & { brokenNfacct?: boolean } = {},
): Fixture {
  const iptables = new FakeIptables();
  const nfacct = new FakeNfacct(options.brokenNfacct ?? false);
  const { brokenNfacct: _ignored, ...rest } = options;
  const proxier = new IptablesProxier({
    nodeName: NODE_NAME,
    nodeIPs: NODE_IPS,
    hasRandomFully: false,
    masqueradeMark: '0x4000',
    ...rest,
    config: makeConfig(config),
    iptables,
    nfacct,
  });
  return { proxier, iptables, nfacct };
}

/** Loads objects and runs one sync, failing loudly if it did not apply. */
export function syncWith(f: Fixture, services: readonly Service[], slices: readonly EndpointSlice[]) {
  f.proxier.setObjects(services, slices);
  const report = f.proxier.sync();
  if (!report.ok) throw new Error(`sync failed: ${report.error?.message}`);
  return report;
}

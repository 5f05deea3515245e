import { describe, expect, it } from 'vitest';
import { defaultKubeProxyConfiguration, loadClusterText } from '../../src/kube/index.js';
import { expectClean, expectOnlyError, expectWarning, FILE, lineOf, validate, yaml } from './helpers.js';

const HEAD = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n';
const OBJ = 'KubeProxyConfiguration';

describe('KubeProxyConfiguration defaults', () => {
  it('without a configuration object: kube-proxy defaults, source null', () => {
    const o = loadClusterText('', FILE);
    expect(o.proxyConfig).toEqual(defaultKubeProxyConfiguration());
    expect(o.proxyConfig).toEqual({
      kind: 'KubeProxyConfiguration',
      source: null,
      mode: 'iptables',
      clusterCIDR: '',
      detectLocalMode: 'ClusterCIDR',
      detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
      masqueradeAll: false,
      masqueradeBit: 14,
      localhostNodePorts: true,
      nodePortAddresses: [],
      minSyncPeriodSeconds: 1,
      syncPeriodSeconds: 30,
      ipvs: { scheduler: '', strictARP: false, excludeCIDRs: [], tcpTimeoutSeconds: 0, tcpFinTimeoutSeconds: 0, udpTimeoutSeconds: 0 },
      conntrackTcpBeLiberal: false,
    });
  });

  it("an empty object gets the same values, with its source (mode '' is iptables)", () => {
    const r = validate(`${HEAD}mode: ""\nclusterCIDR: 10.0.0.0/8\n`);
    expectClean(r);
    expect(r.objects.proxyConfig).toEqual({ ...defaultKubeProxyConfiguration(), source: { file: FILE, line: 1 }, clusterCIDR: '10.0.0.0/8' });
  });

  it('treats explicit zero sync periods like absent ones (iptables mode)', () => {
    const o = loadClusterText(`${HEAD}iptables:\n  syncPeriod: 0s\n  minSyncPeriod: "0"\n`, FILE).proxyConfig;
    expect([o.syncPeriodSeconds, o.minSyncPeriodSeconds]).toEqual([30, 1]);
  });

  it('reads Go durations', () => {
    const o = loadClusterText(`${HEAD}iptables:\n  syncPeriod: 1m0s\n  minSyncPeriod: 500ms\n`, FILE).proxyConfig;
    expect([o.syncPeriodSeconds, o.minSyncPeriodSeconds]).toEqual([60, 0.5]);
  });

  it('takes the sync periods of the selected mode; ipvs.minSyncPeriod has no default', () => {
    const text = yaml`
      ${HEAD.trimEnd().replace('\n', '\n      ')}
      mode: ipvs
      iptables: {syncPeriod: 10s, minSyncPeriod: 5s}
      ipvs:
        syncPeriod: 45s
        scheduler: wlc
        strictARP: true
        excludeCIDRs: [10.0.0.0/8]
        tcpTimeout: 15m
        tcpFinTimeout: 2m
        udpTimeout: 300s
    `;
    const o = loadClusterText(text, FILE).proxyConfig;
    expect(o).toMatchObject({
      mode: 'ipvs',
      syncPeriodSeconds: 45,
      minSyncPeriodSeconds: 0,
      ipvs: { scheduler: 'wlc', strictARP: true, excludeCIDRs: ['10.0.0.0/8'], tcpTimeoutSeconds: 900, tcpFinTimeoutSeconds: 120, udpTimeoutSeconds: 300 },
    });
  });

  it('reads the remaining fields', () => {
    const text = yaml`
      ${HEAD.trimEnd().replace('\n', '\n      ')}
      clusterCIDR: "10.244.0.0/16,fd00:10::/64"
      detectLocalMode: InterfaceNamePrefix
      detectLocal: {interfaceNamePrefix: veth}
      nodePortAddresses: [primary, localhost, 192.168.0.0/24, "fd00::/64"]
      iptables: {masqueradeBit: 0, masqueradeAll: true, localhostNodePorts: false}
      conntrack: {tcpBeLiberal: true, maxPerCore: 0}
    `;
    const r = validate(text);
    expectClean(r);
    expect(r.objects.proxyConfig).toMatchObject({
      clusterCIDR: '10.244.0.0/16',
      detectLocalMode: 'InterfaceNamePrefix',
      detectLocal: { bridgeInterface: '', interfaceNamePrefix: 'veth' },
      nodePortAddresses: ['primary', '127.0.0.0/8', '192.168.0.0/24'],
      masqueradeBit: 0,
      masqueradeAll: true,
      localhostNodePorts: false,
      conntrackTcpBeLiberal: true,
    });
  });

  it('warns when ClusterCIDR detection has no clusterCIDR', () => {
    expectWarning(validate(`${HEAD}mode: iptables\n`), { code: 'KUBE_INVALID', line: 1, object: OBJ, field: 'clusterCIDR', message: 'clusterCIDR is not set' });
  });

  it('warns about unknown fields, e.g. masqueradeBit at the top level', () => {
    const text = `${HEAD}clusterCIDR: 10.0.0.0/8\nmasqueradeBit: 12\n`;
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'KUBE_INVALID', line: 4, object: OBJ, field: 'masqueradeBit', message: 'unknown field "masqueradeBit"' });
    expect(r.objects.proxyConfig.masqueradeBit).toBe(14);
  });
});

describe('KubeProxyConfiguration validation', () => {
  const cases: { name: string; body: string; marker: string; field: string; message: string }[] = [
    { name: 'masqueradeBit out of range', body: 'iptables:\n  masqueradeBit: 32\n', marker: 'masqueradeBit', field: 'iptables.masqueradeBit', message: 'expected a bit number 0-31, got 32' },
    { name: 'unsupported mode', body: 'mode: nftables\n', marker: 'mode', field: 'mode', message: 'expected iptables or ipvs, got "nftables" (a real kube-proxy mode that kpemu does not emulate)' },
    { name: 'unknown mode', body: 'mode: userspace\n', marker: 'mode', field: 'mode', message: 'expected iptables or ipvs, got "userspace"' },
    { name: 'bad duration', body: 'iptables:\n  minSyncPeriod: 1x\n', marker: 'minSyncPeriod', field: 'iptables.minSyncPeriod', message: 'unknown unit "x"' },
    { name: 'duration as a number', body: 'iptables:\n  syncPeriod: 30\n', marker: 'syncPeriod', field: 'iptables.syncPeriod', message: 'expected a duration such as 1s, 500ms or 1m0s, got 30' },
    { name: 'negative sync period', body: 'iptables:\n  syncPeriod: -5s\n', marker: 'syncPeriod', field: 'iptables.syncPeriod', message: 'expected a duration greater than 0, got -5s' },
    { name: 'minSyncPeriod above syncPeriod', body: 'iptables:\n  syncPeriod: 10s\n  minSyncPeriod: 1m\n', marker: 'minSyncPeriod', field: 'iptables.minSyncPeriod', message: 'expected minSyncPeriod to be at most syncPeriod (10s), got 1m0s' },
    { name: 'unknown IPVS scheduler', body: 'mode: ipvs\nipvs:\n  scheduler: fastest\n', marker: 'scheduler', field: 'ipvs.scheduler', message: 'expected an IPVS scheduler' },
    { name: 'bad clusterCIDR', body: 'clusterCIDR: 10.0.0.0/33\n', marker: 'clusterCIDR', field: 'clusterCIDR', message: 'expected a CIDR or a comma-separated IPv4,IPv6 pair' },
    { name: 'two IPv4 clusterCIDRs', body: 'clusterCIDR: 10.0.0.0/8,10.1.0.0/16\n', marker: 'clusterCIDR', field: 'clusterCIDR', message: 'expected one CIDR or one IPv4 and one IPv6 CIDR' },
    { name: 'unknown detectLocalMode', body: 'detectLocalMode: PodCIDR\n', marker: 'detectLocalMode', field: 'detectLocalMode', message: 'expected ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix, got "PodCIDR"' },
    { name: 'BridgeInterface without a bridge', body: 'clusterCIDR: 10.0.0.0/8\ndetectLocalMode: BridgeInterface\n', marker: 'detectLocalMode', field: 'detectLocal.bridgeInterface', message: 'expected an interface name in detectLocal.bridgeInterface' },
    { name: 'bad nodePortAddresses entry', body: 'nodePortAddresses:\n  - 127.0.0.1\n', marker: '127.0.0.1', field: 'nodePortAddresses[0]', message: 'expected a CIDR or one of primary, localhost, all' },
    { name: 'negative IPVS timeout', body: 'ipvs:\n  tcpTimeout: -1s\n', marker: 'tcpTimeout', field: 'ipvs.tcpTimeout', message: 'expected a duration of 0 or more' },
    { name: 'tcpBeLiberal not a boolean', body: 'conntrack:\n  tcpBeLiberal: "true"\n', marker: 'tcpBeLiberal', field: 'conntrack.tcpBeLiberal', message: 'expected true or false, got "true"' },
  ];

  it.each(cases)('$name', ({ body, marker, field, message }) => {
    const text = `${HEAD}clusterCIDR: 10.0.0.0/8\n---\n${HEAD}${body}`;
    // The first document is valid; the second is a duplicate, so validate it alone.
    const single = text.split('---\n')[1]!;
    const r = validate(single);
    expectOnlyError(r, { code: 'KUBE_INVALID', line: lineOf(single, marker), object: OBJ, field, message });
    expect(r.objects.proxyConfig.source).toBeNull();
  });

  it('refuses a second configuration (KUBE_CONFLICT)', () => {
    const text = `${HEAD}clusterCIDR: 10.0.0.0/8\n---\n${HEAD}clusterCIDR: 10.1.0.0/16\n`;
    const r = validate(text);
    expectOnlyError(r, { code: 'KUBE_CONFLICT', line: 5, object: OBJ, message: 'duplicate KubeProxyConfiguration: one is already defined at cluster.yaml:1' });
    expect(r.objects.proxyConfig.clusterCIDR).toBe('10.0.0.0/8');
  });
});

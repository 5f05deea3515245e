import type { DetectLocalMode, KubeProxyConfiguration, ObjectSource, ProxyMode } from './types.js';
import { readCidr } from './addresses.js';
import { finish, readCidrField, type Parsed } from './fields.js';
import { formatGoDuration, parseGoDuration } from './go-duration.js';
import { bool, child, expectMap, fail, int, isSet, str, stringList, warn, warnUnknownFields, type Field } from './reader.js';

/**
 * kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration, defaulted like kube-proxy's
 * `SetDefaults_KubeProxyConfiguration` and converted like its v1alpha1 → internal conversion:
 * the sync periods come from the section of the selected mode (`iptables.*` or `ipvs.*`).
 */

export const DEFAULT_MASQUERADE_BIT = 14;
export const DEFAULT_SYNC_PERIOD_SECONDS = 30;
/** Defaulted for iptables mode only; kube-proxy gives `ipvs.minSyncPeriod` no default (0). */
export const DEFAULT_IPTABLES_MIN_SYNC_PERIOD_SECONDS = 1;

/**
 * The IPVS schedulers whose kernel modules exist (net/netfilter/ipvs/ip_vs_*.c). kube-proxy
 * probes the kernel with the configured one, so any other name fails at start-up.
 */
export const IPVS_SCHEDULERS: readonly string[] = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];

const DETECT_LOCAL_MODES: readonly DetectLocalMode[] = ['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'];

const TOP_FIELDS: ReadonlySet<string> = new Set([
  'apiVersion',
  'kind',
  'featureGates',
  'clientConnection',
  'logging',
  'hostnameOverride',
  'bindAddress',
  'healthzBindAddress',
  'metricsBindAddress',
  'bindAddressHardFail',
  'enableProfiling',
  'showHiddenMetricsForVersion',
  'mode',
  'iptables',
  'ipvs',
  'nftables',
  'winkernel',
  'detectLocalMode',
  'detectLocal',
  'clusterCIDR',
  'nodePortAddresses',
  'oomScoreAdj',
  'conntrack',
  'configSyncPeriod',
  'portRange',
  'windowsRunAsService',
]);
const IPTABLES_FIELDS: ReadonlySet<string> = new Set([
  'masqueradeBit',
  'masqueradeAll',
  'localhostNodePorts',
  'snatNodeInternalIP',
  'syncPeriod',
  'minSyncPeriod',
]);
const IPVS_FIELDS: ReadonlySet<string> = new Set([
  'syncPeriod',
  'minSyncPeriod',
  'scheduler',
  'excludeCIDRs',
  'strictARP',
  'tcpTimeout',
  'tcpFinTimeout',
  'udpTimeout',
]);
const CONNTRACK_FIELDS: ReadonlySet<string> = new Set([
  'maxPerCore',
  'min',
  'tcpEstablishedTimeout',
  'tcpCloseWaitTimeout',
  'tcpBeLiberal',
  'udpTimeout',
  'udpStreamTimeout',
]);
const DETECT_LOCAL_FIELDS: ReadonlySet<string> = new Set(['bridgeInterface', 'interfaceNamePrefix']);

/** What kube-proxy runs with when given no configuration file. `source` is null. */
export function defaultKubeProxyConfiguration(): KubeProxyConfiguration {
  return {
    kind: 'KubeProxyConfiguration',
    source: null,
    mode: 'iptables',
    clusterCIDR: '',
    detectLocalMode: 'ClusterCIDR',
    detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
    masqueradeAll: false,
    masqueradeBit: DEFAULT_MASQUERADE_BIT,
    localhostNodePorts: true,
    nodePortAddresses: [],
    minSyncPeriodSeconds: DEFAULT_IPTABLES_MIN_SYNC_PERIOD_SECONDS,
    syncPeriodSeconds: DEFAULT_SYNC_PERIOD_SECONDS,
    ipvs: { scheduler: '', strictARP: false, excludeCIDRs: [], tcpTimeoutSeconds: 0, tcpFinTimeoutSeconds: 0, udpTimeoutSeconds: 0 },
    conntrackTcpBeLiberal: false,
  };
}

export function readKubeProxyConfiguration(root: Field): Parsed<KubeProxyConfiguration> | null {
  const scope = root.scope;
  const before = scope.errorCount;
  scope.object = 'KubeProxyConfiguration';
  warnUnknownFields(root, TOP_FIELDS);
  const source: ObjectSource = { file: scope.file, line: root.line };

  const mode = readMode(child(root, 'mode'));
  const iptables = child(root, 'iptables');
  expectMap(iptables);
  warnUnknownFields(iptables, IPTABLES_FIELDS);
  const ipvs = child(root, 'ipvs');
  expectMap(ipvs);
  warnUnknownFields(ipvs, IPVS_FIELDS);

  // Every duration is decoded (a bad one fails decoding whatever the mode); the mode picks which apply.
  const iptSync = readDuration(child(iptables, 'syncPeriod'));
  const iptMin = readDuration(child(iptables, 'minSyncPeriod'));
  const ipvsSyncField = child(ipvs, 'syncPeriod');
  const ipvsSync = readDuration(ipvsSyncField);
  const ipvsMinField = child(ipvs, 'minSyncPeriod');
  const ipvsMin = readDuration(ipvsMinField);
  const useIpvs = mode === 'ipvs';
  const syncField = useIpvs ? ipvsSyncField : child(iptables, 'syncPeriod');
  const minField = useIpvs ? ipvsMinField : child(iptables, 'minSyncPeriod');
  const syncPeriodSeconds = nonZeroOr(useIpvs ? ipvsSync : iptSync, DEFAULT_SYNC_PERIOD_SECONDS);
  const minSyncPeriodSeconds = useIpvs ? (ipvsMin ?? 0) : nonZeroOr(iptMin, DEFAULT_IPTABLES_MIN_SYNC_PERIOD_SECONDS);
  if (syncPeriodSeconds <= 0) fail(syncField, `expected a duration greater than 0, got ${formatGoDuration(syncPeriodSeconds)}`);
  if (minSyncPeriodSeconds < 0) fail(minField, `expected a duration of 0 or more, got ${formatGoDuration(minSyncPeriodSeconds)}`);
  else if (syncPeriodSeconds > 0 && minSyncPeriodSeconds > syncPeriodSeconds) {
    fail(minField, `expected minSyncPeriod to be at most syncPeriod (${formatGoDuration(syncPeriodSeconds)}), got ${formatGoDuration(minSyncPeriodSeconds)}`);
  }

  const masqueradeBit = int(child(iptables, 'masqueradeBit'), 'a bit number 0-31', 0, 31) ?? DEFAULT_MASQUERADE_BIT;
  const masqueradeAll = bool(child(iptables, 'masqueradeAll')) ?? false;
  const localhostNodePorts = bool(child(iptables, 'localhostNodePorts')) ?? true;

  const clusterCIDR = readClusterCIDR(child(root, 'clusterCIDR'));
  const detectLocal = child(root, 'detectLocal');
  expectMap(detectLocal);
  warnUnknownFields(detectLocal, DETECT_LOCAL_FIELDS);
  const bridgeInterface = str(child(detectLocal, 'bridgeInterface')) ?? '';
  const interfaceNamePrefix = str(child(detectLocal, 'interfaceNamePrefix')) ?? '';
  const detectLocalField = child(root, 'detectLocalMode');
  const detectLocalMode = readDetectLocalMode(detectLocalField);
  // When the detectLocal section is missing, the mode's line is the useful place to point at.
  const detectLocalAt = (field: Field): Field => (isSet(detectLocal) ? field : { ...field, line: detectLocalField.line });
  switch (detectLocalMode) {
    case 'ClusterCIDR':
      if (clusterCIDR === '') {
        warn(child(root, 'clusterCIDR'), 'detectLocalMode is ClusterCIDR but clusterCIDR is not set: kube-proxy will not tell pod traffic from other traffic');
      }
      break;
    case 'NodeCIDR':
      break;
    case 'BridgeInterface':
      if (bridgeInterface === '') {
        fail(detectLocalAt(child(detectLocal, 'bridgeInterface')), 'expected an interface name in detectLocal.bridgeInterface (detectLocalMode is BridgeInterface)');
      }
      break;
    case 'InterfaceNamePrefix':
      if (interfaceNamePrefix === '') {
        fail(
          detectLocalAt(child(detectLocal, 'interfaceNamePrefix')),
          'expected an interface name prefix in detectLocal.interfaceNamePrefix (detectLocalMode is InterfaceNamePrefix)',
        );
      }
      break;
    case undefined:
      break;
    default:
      detectLocalMode satisfies never;
  }

  const nodePortAddresses = readNodePortAddresses(child(root, 'nodePortAddresses'));

  const schedulerField = child(ipvs, 'scheduler');
  const scheduler = str(schedulerField) ?? '';
  if (scheduler !== '' && !IPVS_SCHEDULERS.includes(scheduler)) {
    fail(schedulerField, `expected an IPVS scheduler (${IPVS_SCHEDULERS.join(', ')}) or "" for rr, got ${JSON.stringify(scheduler)}`, { text: scheduler });
  }
  const excludeCIDRs: string[] = [];
  for (const item of stringList(child(ipvs, 'excludeCIDRs'))) {
    const c = readCidrField(item.field);
    if (c?.kind === 'ipv4') excludeCIDRs.push(c.text);
  }
  const tcpTimeoutSeconds = readTimeout(child(ipvs, 'tcpTimeout'));
  const tcpFinTimeoutSeconds = readTimeout(child(ipvs, 'tcpFinTimeout'));
  const udpTimeoutSeconds = readTimeout(child(ipvs, 'udpTimeout'));
  const strictARP = bool(child(ipvs, 'strictARP')) ?? false;

  const conntrack = child(root, 'conntrack');
  expectMap(conntrack);
  warnUnknownFields(conntrack, CONNTRACK_FIELDS);
  const conntrackTcpBeLiberal = bool(child(conntrack, 'tcpBeLiberal')) ?? false;

  if (mode === undefined || detectLocalMode === undefined) return null;
  return finish<KubeProxyConfiguration>(scope, before, root.line, {
    kind: 'KubeProxyConfiguration',
    source,
    mode,
    clusterCIDR,
    detectLocalMode,
    detectLocal: { bridgeInterface, interfaceNamePrefix },
    masqueradeAll,
    masqueradeBit,
    localhostNodePorts,
    nodePortAddresses,
    minSyncPeriodSeconds,
    syncPeriodSeconds,
    ipvs: { scheduler, strictARP, excludeCIDRs, tcpTimeoutSeconds, tcpFinTimeoutSeconds, udpTimeoutSeconds },
    conntrackTcpBeLiberal,
  });
}

function readMode(f: Field): ProxyMode | undefined {
  const text = str(f, 'iptables or ipvs');
  if (text === undefined) return isSet(f) ? undefined : 'iptables';
  switch (text) {
    case '':
    case 'iptables':
      return 'iptables';
    case 'ipvs':
      return 'ipvs';
    case 'nftables':
    case 'kernelspace':
      fail(f, `expected iptables or ipvs, got ${JSON.stringify(text)} (a real kube-proxy mode that kpemu does not emulate)`, { text });
      return undefined;
    default:
      fail(f, `expected iptables or ipvs, got ${JSON.stringify(text)}`, { text });
      return undefined;
  }
}

function readDetectLocalMode(f: Field): DetectLocalMode | undefined {
  const text = str(f, DETECT_LOCAL_MODES.join(', '));
  if (text === undefined) return isSet(f) ? undefined : 'ClusterCIDR';
  if (text === '') return 'ClusterCIDR';
  const found = DETECT_LOCAL_MODES.find((m) => m === text);
  if (found === undefined) fail(f, `expected ${DETECT_LOCAL_MODES.join(', ')}, got ${JSON.stringify(text)}`, { text });
  return found;
}

/** A `metav1.Duration` string in seconds; undefined when absent or bad. */
function readDuration(f: Field): number | undefined {
  const text = str(f, 'a duration such as 1s, 500ms or 1m0s');
  if (text === undefined) return undefined;
  const d = parseGoDuration(text);
  if (d.ok) return d.seconds;
  fail(f, `expected a duration such as 1s, 500ms or 1m0s, got ${JSON.stringify(text)} (${d.reason})`, { text });
  return undefined;
}

/** kube-proxy's defaulting treats an explicit zero like an absent value. */
function nonZeroOr(value: number | undefined, fallback: number): number {
  return value === undefined || value === 0 ? fallback : value;
}

function readTimeout(f: Field): number {
  const v = readDuration(f) ?? 0;
  if (v < 0) {
    fail(f, `expected a duration of 0 or more (0 keeps the kernel's value), got ${formatGoDuration(v)}`);
    return 0;
  }
  return v;
}

/** `clusterCIDR`: one CIDR, or a comma-separated dual-stack pair; the IPv4 one is kept. */
function readClusterCIDR(f: Field): string {
  const text = str(f) ?? '';
  if (text === '') return '';
  const parts = text.split(',');
  let v4 = '';
  let v4Count = 0;
  let v6Count = 0;
  for (const part of parts) {
    const c = readCidr(part);
    switch (c.kind) {
      case 'ipv4':
        v4Count++;
        v4 = c.text;
        break;
      case 'ipv6':
        v6Count++;
        break;
      case 'invalid':
        fail(f, `expected a CIDR or a comma-separated IPv4,IPv6 pair, got ${JSON.stringify(part)} in ${JSON.stringify(text)} (${c.reason})`, { text });
        return '';
      default:
        c satisfies never;
    }
  }
  if (parts.length > 2 || v4Count > 1 || v6Count > 1) {
    fail(f, `expected one CIDR or one IPv4 and one IPv6 CIDR, got ${JSON.stringify(text)}`, { text });
    return '';
  }
  return v4;
}

/**
 * `nodePortAddresses`: CIDRs and keywords. `primary` stays a keyword (it depends on the node);
 * `localhost` and `all` are the fixed CIDRs kube-proxy expands them to.
 */
function readNodePortAddresses(f: Field): string[] {
  const out: string[] = [];
  for (const { value, field } of stringList(f)) {
    switch (value) {
      case 'primary':
        out.push('primary');
        continue;
      case 'localhost':
        out.push('127.0.0.0/8');
        continue;
      case 'all':
        out.push('0.0.0.0/0');
        continue;
    }
    const c = readCidr(value);
    if (c.kind === 'ipv4') out.push(c.text);
    else if (c.kind === 'invalid') {
      fail(field, `expected a CIDR or one of primary, localhost, all, got ${JSON.stringify(value)} (${c.reason})`, { text: value });
    }
  }
  return out;
}

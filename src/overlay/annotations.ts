/**
 * The Node annotations of flannel's kube subnet manager (pkg/subnet/kube/annotations.go), with
 * the default prefix `flannel.alpha.coreos.com/` (flag `--kube-annotation-prefix`), and the
 * VXLAN backend data flanneld stores in one of them.
 */
import { KpemuError, type SourceLocation } from '../core/index.js';
import { formatMac, parseMac } from '../wire/index.js';

export const FLANNEL_ANNOTATION_PREFIX = 'flannel.alpha.coreos.com/';

/** Annotation keys. The first four are what flanneld writes; the last two are inputs it reads. */
export const FLANNEL_ANNOTATION = {
  /** `{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}`. */
  backendData: `${FLANNEL_ANNOTATION_PREFIX}backend-data`,
  /** `vxlan`. */
  backendType: `${FLANNEL_ANNOTATION_PREFIX}backend-type`,
  /** The address other nodes send VXLAN packets to. */
  publicIp: `${FLANNEL_ANNOTATION_PREFIX}public-ip`,
  /** `true`: other nodes' informers ignore a Node without it. */
  kubeSubnetManager: `${FLANNEL_ANNOTATION_PREFIX}kube-subnet-manager`,
  /** Input: replaces the public-ip written (the device keeps its interface address). */
  publicIpOverwrite: `${FLANNEL_ANNOTATION_PREFIX}public-ip-overwrite`,
  /** Input: flanneld's external address at start, like `--public-ip`. */
  nodePublicIp: `${FLANNEL_ANNOTATION_PREFIX}node-public-ip`,
} as const;

/** The VXLAN backend's lease attributes (flannel's `vxlanLeaseAttrs`). */
export interface VxlanBackendData {
  /** flannel writes the VNI as a Go uint16. */
  readonly vni: number;
  /** Lower-case `aa:bb:cc:dd:ee:ff`. */
  readonly vtepMac: string;
}

/**
 * The backend-data JSON exactly as Go's `json.Marshal(&vxlanLeaseAttrs{VNI, VtepMAC})` prints it:
 * keys in struct order, no spaces, the MAC in `net.HardwareAddr` form (lower-case hex, colons).
 * The VNI is truncated to 16 bits because flannel converts it with `uint16(cfg.VNI)`.
 */
export function encodeBackendData(vni: number, vtepMac: string): string {
  return `{"VNI":${vni & 0xffff},"VtepMAC":${JSON.stringify(normalizeMac(vtepMac))}}`;
}

/**
 * Reads a backend-data annotation. Go's decoder matches keys case-insensitively and ignores
 * unknown ones; `VtepMAC` is required here because it is the only thing kpemu reads back (the MAC
 * flanneld reuses on restart). Throws FLANNEL_CONFIG at `location`.
 */
export function decodeBackendData(text: string, location: SourceLocation): VxlanBackendData {
  const fail = (why: string): KpemuError => new KpemuError('FLANNEL_CONFIG', `invalid flannel backend-data ${JSON.stringify(text)}: ${why}`, { location: { ...location, text } });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw fail(e instanceof Error ? e.message : 'not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('expected a JSON object');
  let vni = 0;
  let mac: string | undefined;
  for (const [key, value] of Object.entries(parsed)) {
    switch (key.toLowerCase()) {
      case 'vni':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) throw fail('VNI must be an integer 0..65535');
        vni = value;
        break;
      case 'vtepmac':
        if (typeof value !== 'string') throw fail('VtepMAC must be a string');
        mac = value;
        break;
      default:
        break;
    }
  }
  if (mac === undefined) throw fail('VtepMAC is missing');
  try {
    return { vni, vtepMac: normalizeMac(mac) };
  } catch {
    throw fail(`VtepMAC ${JSON.stringify(mac)} is not a MAC address`);
  }
}

/**
 * `aa:bb:cc:dd:ee:ff` in lower case. Accepts `-` separators too, as Go's `net.ParseMAC` does for
 * 48-bit addresses. Throws ADDRESS_INVALID.
 */
export function normalizeMac(text: string): string {
  return formatMac(parseMac(text.replace(/-/g, ':')));
}

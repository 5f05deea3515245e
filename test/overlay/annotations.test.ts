import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { decodeBackendData, encodeBackendData, FLANNEL_ANNOTATION, normalizeMac } from '../../src/overlay/index.js';

describe('flannel node annotations (reference §2a)', () => {
  it('uses the flannel.alpha.coreos.com/ keys', () => {
    expect(FLANNEL_ANNOTATION).toEqual({
      backendData: 'flannel.alpha.coreos.com/backend-data',
      backendType: 'flannel.alpha.coreos.com/backend-type',
      publicIp: 'flannel.alpha.coreos.com/public-ip',
      kubeSubnetManager: 'flannel.alpha.coreos.com/kube-subnet-manager',
      publicIpOverwrite: 'flannel.alpha.coreos.com/public-ip-overwrite',
      nodePublicIp: 'flannel.alpha.coreos.com/node-public-ip',
    });
  });

  it('writes backend-data exactly as Go json.Marshal of vxlanLeaseAttrs', () => {
    expect(encodeBackendData(1, '12:C6:65:89:B4:E3')).toBe('{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}');
    // flannel stores the VNI as uint16(cfg.VNI).
    expect(encodeBackendData(0x10001, '12:c6:65:89:b4:e3')).toBe('{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}');
  });

  it('reads backend-data with Go decoding rules (case-insensitive keys, unknown keys ignored, - separators)', () => {
    const at = { object: 'Node n1' };
    expect(decodeBackendData('{"VNI":1,"VtepMAC":"12:c6:65:89:b4:e3"}', at)).toEqual({ vni: 1, vtepMac: '12:c6:65:89:b4:e3' });
    expect(decodeBackendData('{"vni":4,"vtepmac":"12-C6-65-89-B4-E3","Other":true}', at)).toEqual({ vni: 4, vtepMac: '12:c6:65:89:b4:e3' });
    expect(decodeBackendData('{"VtepMAC":"12:c6:65:89:b4:e3"}', at).vni).toBe(0);
    expect(normalizeMac('AA-BB-CC-DD-EE-FF')).toBe('aa:bb:cc:dd:ee:ff');
  });

  it('refuses malformed backend-data with FLANNEL_CONFIG at the given location', () => {
    for (const text of ['not json', '[]', '{"VNI":1}', '{"VtepMAC":"zz:zz"}', '{"VNI":"1","VtepMAC":"12:c6:65:89:b4:e3"}', '{"VtepMAC":5}']) {
      try {
        decodeBackendData(text, { object: 'Node n1', field: 'metadata.annotations' });
        expect.unreachable(text);
      } catch (e) {
        expect(isKpemuError(e) && e.code).toBe('FLANNEL_CONFIG');
        if (isKpemuError(e)) expect(e.location).toMatchObject({ object: 'Node n1', text });
      }
    }
  });
});

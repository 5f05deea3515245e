import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  base32Encode,
  hash16,
  isServiceChainName,
  servicePortChainName,
  servicePortEndpointChainName,
  servicePortNameString,
} from '../../src/proxy/index.js';

describe('servicePortChainName / servicePortEndpointChainName (reference §2 worked examples)', () => {
  const services: [string, string][] = [
    ['ns1/svc1:p80', 'XPGD46QRK7WJZT7O'],
    ['ns2/svc2:p80', 'GNZBNJ2PO5MGZ6GT'],
    ['ns3/svc3:p80', 'X27LE4BHSL4DOUIK'],
    ['ns4/svc4:p80', '4SW47YFZTEDKD3PK'],
    ['ns5/svc5:p80', 'NUKIZ6OKUXPJNT4C'],
    ['ns2/svc2:p8080', '2VJB64SDSIJUP5T6'],
    ['ns4/svc4:p8082', 'EBDQOQU5SJFXRIL3'],
  ];
  it.each(services)('%s tcp → %s for all four service-port prefixes', (spn, hash) => {
    expect(servicePortChainName('KUBE-SVC-', spn, 'tcp')).toBe(`KUBE-SVC-${hash}`);
    expect(servicePortChainName('KUBE-SVL-', spn, 'tcp')).toBe(`KUBE-SVL-${hash}`);
    expect(servicePortChainName('KUBE-EXT-', spn, 'tcp')).toBe(`KUBE-EXT-${hash}`);
    expect(servicePortChainName('KUBE-FW-', spn, 'tcp')).toBe(`KUBE-FW-${hash}`);
  });

  const endpoints: [string, string, string][] = [
    ['ns1/svc1:p80', '10.180.0.1:80', 'KUBE-SEP-SXIVWICOYRO3J4NJ'],
    ['ns2/svc2:p80', '10.180.0.2:80', 'KUBE-SEP-RS4RBKLTHTF2IUXJ'],
    ['ns3/svc3:p80', '10.180.0.3:80', 'KUBE-SEP-OYPFS5VJICHGATKP'],
    ['ns4/svc4:p80', '10.180.0.4:80', 'KUBE-SEP-UKSFD7AGPMPPLUHC'],
    ['ns4/svc4:p80', '10.180.0.5:80', 'KUBE-SEP-C6EBXVWJJZMIWKLZ'],
    ['ns5/svc5:p80', '10.180.0.3:80', 'KUBE-SEP-I77PXRDZVX7PMWMN'],
    ['ns1/svc1:p80', '10.0.1.1:80', 'KUBE-SEP-SNQ3ZNILQDEJNDQO'],
    ['ns2/svc2:p8080', '10.0.2.1:8080', 'KUBE-SEP-UHEGFW77JX3KXTOV'],
    ['ns3/svc3:p80', '10.0.3.1:80', 'KUBE-SEP-BSWRHOQ77KEXZLNL'],
    ['ns1/svc1:p80', '10.0.0.0:80', 'KUBE-SEP-DKGQUZGBKLTPAR56'],
    ['ns3/svc3:p8081', '203.0.113.4:8081', 'KUBE-SEP-RUVVH7YV3PHQBDOS'],
    ['ns4/svc4:p8082', '10.4.0.1:8082', 'KUBE-SEP-SU5STNODRYEWJAUF'],
    // From the §3.3 TestSyncProxyRulesRepeated sequence.
    ['ns4/svc4:p80', '10.0.4.1:80', 'KUBE-SEP-AYCN5HPXMIRJNJXU'],
    ['ns3/svc3:p80', '10.0.3.2:80', 'KUBE-SEP-DKCFIS26GWF2WLWC'],
    ['ns3/svc3:p80', '10.0.3.3:80', 'KUBE-SEP-JVVZVJ7BSEPPRNBS'],
  ];
  it.each(endpoints)('%s tcp %s → %s', (spn, ep, chain) => {
    expect(servicePortEndpointChainName(spn, 'tcp', ep)).toBe(chain);
  });

  it('hashes the unnamed-port form without a colon', () => {
    const spn = servicePortNameString({ namespace: 'ns1', name: 'svc1', port: '' });
    expect(spn).toBe('ns1/svc1');
    expect(servicePortChainName('KUBE-SVC-', spn, 'tcp')).toBe(`KUBE-SVC-${hash16('ns1/svc1tcp')}`);
  });

  it('recognises the five service chain prefixes only', () => {
    for (const c of ['KUBE-SVC-X', 'KUBE-SVL-X', 'KUBE-EXT-X', 'KUBE-FW-X', 'KUBE-SEP-X']) expect(isServiceChainName(c)).toBe(true);
    for (const c of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ', 'KUBE-FIREWALL', 'FOO']) expect(isServiceChainName(c)).toBe(false);
  });
});

describe('base32Encode', () => {
  it('matches the RFC 4648 test vectors (without padding)', () => {
    const enc = (s: string): string => base32Encode(new TextEncoder().encode(s));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('MY');
    expect(enc('fo')).toBe('MZXQ');
    expect(enc('foo')).toBe('MZXW6');
    expect(enc('foob')).toBe('MZXW6YQ');
    expect(enc('fooba')).toBe('MZXW6YTB');
    expect(enc('foobar')).toBe('MZXW6YTBOI');
  });

  it('takes the first 16 characters from the first 10 digest bytes', () => {
    const digest = createHash('sha256').update('ns1/svc1:p80tcp').digest();
    expect(base32Encode(digest).slice(0, 16)).toBe(base32Encode(digest, 10));
  });
});

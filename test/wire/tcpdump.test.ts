/**
 * Real-tool checks: files written by kpemu are read by tcpdump (4.99), which must decode every
 * frame as we meant it and find every checksum correct. No network is used, only `tcpdump -r`.
 */
import { expect, it } from 'vitest';
import {
  type CaptureRecord,
  encapsulateVxlan,
  encodeFrame,
  type FrameSpec,
  icmpQuote,
  parseMac,
  writePcap,
  writePcapng,
} from '../../src/wire/index.js';
import { describeWithTool, runTool, tcpdumpPackets, withTempFiles } from './tools.js';

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const V1 = parseMac('0e:00:00:00:01:01');
const V2 = parseMac('0e:00:00:00:02:01');
const POD_A = 0x0af40102; // 10.244.1.2
const POD_B = 0x0af40203; // 10.244.2.3

const ip = (src: number, dst: number, id: number, df = true, tos = 0) => ({ src, dst, ttl: 64, id, df, tos });

const syn: FrameSpec = { kind: 'ipv4', dstMac: B, srcMac: A, ip: ip(POD_A, POD_B, 1), l4: { kind: 'tcp', sport: 40000, dport: 8080, seq: 1000, ack: 0, flags: 0x02, window: 64240, payload: new Uint8Array(0) } };
const synAckData: FrameSpec = {
  kind: 'ipv4',
  dstMac: A,
  srcMac: B,
  ip: ip(POD_B, POD_A, 2),
  l4: { kind: 'tcp', sport: 8080, dport: 40000, seq: 5000, ack: 1001, flags: 0x18, window: 509, options: new Uint8Array([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]), payload: new TextEncoder().encode('HTTP/1.1 200 OK\r\n') },
};
const udp: FrameSpec = { kind: 'ipv4', dstMac: B, srcMac: A, ip: ip(POD_A, 0x0a60000a, 3, false), l4: { kind: 'udp', sport: 40001, dport: 9999, payload: new Uint8Array([1, 2, 3, 4, 5]) } };
const echo: FrameSpec = { kind: 'ipv4', dstMac: B, srcMac: A, ip: ip(POD_A, POD_B, 4), l4: { kind: 'icmp', message: { kind: 'echo-request', id: 77, seq: 1, data: new Uint8Array(56).fill(0x61) } } };
const bigSegment = encodeFrame({ ...syn, ip: ip(POD_A, POD_B, 5), l4: { kind: 'tcp', sport: 40000, dport: 8080, seq: 1, ack: 1, flags: 0x18, window: 502, payload: new Uint8Array(1460) } } as FrameSpec);
const fragNeeded: FrameSpec = {
  kind: 'ipv4',
  dstMac: A,
  srcMac: B,
  ip: ip(0x0af40101, POD_A, 6, false, 0xc0),
  l4: { kind: 'icmp', message: { kind: 'dest-unreachable', code: 4, nextHopMtu: 1450, original: icmpQuote(bigSegment.subarray(14)) } },
};
const timeExceeded: FrameSpec = {
  kind: 'ipv4',
  dstMac: A,
  srcMac: B,
  ip: ip(0xc0a80101, POD_A, 7, false),
  l4: { kind: 'icmp', message: { kind: 'time-exceeded', code: 0, original: icmpQuote(encodeFrame(udp).subarray(14)) } },
};
const sctpInit: FrameSpec = {
  kind: 'ipv4',
  dstMac: B,
  srcMac: A,
  ip: ip(POD_A, POD_B, 8),
  l4: { kind: 'sctp', sport: 5000, dport: 38412, vtag: 0, chunks: [{ kind: 'init', flags: 0, initiateTag: 0x12345678, aRwnd: 106496, outStreams: 10, inStreams: 65535, initialTsn: 0xabcdef01, params: new Uint8Array(0) }] },
};
const arpRequest: FrameSpec = { kind: 'arp', dstMac: parseMac('ff:ff:ff:ff:ff:ff'), srcMac: A, arp: { op: 1, senderMac: A, senderIp: POD_A, targetMac: new Uint8Array(6), targetIp: 0x0af40101 } };
const arpReply: FrameSpec = { kind: 'arp', dstMac: A, srcMac: B, arp: { op: 2, senderMac: B, senderIp: 0x0af40101, targetMac: A, targetIp: POD_A } };
const innerSyn: FrameSpec = { ...syn, dstMac: V2, srcMac: V1, ip: { ...syn.ip, ttl: 63 } } as FrameSpec;
const vxlanOuter = (dstPort: number): Uint8Array =>
  encapsulateVxlan({ inner: encodeFrame(innerSyn), outerSrcMac: parseMac('52:54:00:00:00:11'), outerDstMac: parseMac('52:54:00:00:00:12'), outerSrc: 0xc0a8010b, outerDst: 0xc0a8010c, srcPort: 45678, dstPort, vni: 1, ipId: 9 });

const frames: readonly (readonly [string, Uint8Array, string])[] = [
  ['tcp syn', encodeFrame(syn), 'cni0'],
  ['tcp data', encodeFrame(synAckData), 'cni0'],
  ['udp', encodeFrame(udp), 'cni0'],
  ['icmp echo', encodeFrame(echo), 'cni0'],
  ['icmp frag-needed', encodeFrame(fragNeeded), 'cni0'],
  ['icmp time-exceeded', encodeFrame(timeExceeded), 'eth0'],
  ['sctp init', encodeFrame(sctpInit), 'cni0'],
  ['vxlan 8472', vxlanOuter(8472), 'eth0'],
  ['vxlan 4789', vxlanOuter(4789), 'eth0'],
  ['arp request', encodeFrame(arpRequest), 'cni0'],
  ['arp reply', encodeFrame(arpReply), 'cni0'],
];
const T0 = 1_700_000_000_000_000;
const records: CaptureRecord[] = frames.map(([name, frame, device], i) => ({ timestampUs: T0 + i * 1000, frame, device, comment: name }));

function tcpdump(file: string, ...extra: string[]): string[] {
  const r = runTool(['tcpdump', '-nn', '-tt', '-vv', '-r', file, ...extra]);
  expect(r.stderr).toContain('link-type EN10MB (Ethernet)');
  expect(r.status).toBe(0);
  return tcpdumpPackets(r.stdout);
}

describeWithTool('tcpdump reads what kpemu writes', 'tcpdump', () => {
  const got = withTempFiles({ 'a.pcap': writePcap(records), 'a.pcapng': writePcapng(records) }, (p) => ({
    pcap: tcpdump(p['a.pcap'] as string),
    pcapng: tcpdump(p['a.pcapng'] as string),
    vxlan8472: tcpdump(p['a.pcap'] as string, '-T', 'vxlan', 'udp dst port 8472'),
    vxlan4789e: tcpdump(p['a.pcap'] as string, '-e', 'udp dst port 4789'),
  }));
  const pkt = (name: string): string => got.pcap[frames.findIndex(([n]) => n === name)] ?? '';

  it('sees every frame, with our timestamps, in the same order', () => {
    expect(got.pcap.length).toBe(frames.length);
    got.pcap.forEach((p, i) => expect(p.startsWith(`1700000000.${String(i * 1000).padStart(6, '0')} `)).toBe(true));
  });

  it('reports no bad checksum anywhere', () => {
    const all = got.pcap.join('\n');
    expect(all).not.toMatch(/bad cksum|incorrect|wrong icmp cksum|bad udp cksum/);
  });

  it('decodes the TCP SYN: addresses, ports, flags, seq, window, checksum correct', () => {
    expect(pkt('tcp syn')).toMatch(/IP \(tos 0x0, ttl 64, id 1, offset 0, flags \[DF\], proto TCP \(6\), length 40\)/);
    expect(pkt('tcp syn')).toMatch(/10\.244\.1\.2\.40000 > 10\.244\.2\.3\.8080: Flags \[S\], cksum 0x[0-9a-f]{4} \(correct\), seq 1000, win 64240, length 0/);
  });

  it('decodes TCP with options and data: PSH+ACK, timestamps option, checksum correct', () => {
    expect(pkt('tcp data')).toMatch(/10\.244\.2\.3\.8080 > 10\.244\.1\.2\.40000: Flags \[P\.\], cksum 0x[0-9a-f]{4} \(correct\), seq 5000:5017, ack 1001, win 509, options \[nop,nop,TS val 1 ecr 2\], length 17/);
  });

  it('decodes UDP with a correct checksum', () => {
    expect(pkt('udp')).toMatch(/proto UDP \(17\), length 33\)\n\s+10\.244\.1\.2\.40001 > 10\.96\.0\.10\.9999: \[udp sum ok\] UDP, length 5/);
  });

  it('decodes ICMP echo and fragmentation-needed with the next-hop MTU and the quoted TCP header', () => {
    expect(pkt('icmp echo')).toMatch(/10\.244\.1\.2 > 10\.244\.2\.3: ICMP echo request, id 77, seq 1, length 64/);
    expect(pkt('icmp frag-needed')).toMatch(/10\.244\.1\.1 > 10\.244\.1\.2: ICMP 10\.244\.2\.3 unreachable - need to frag \(mtu 1450\), length 36/);
    expect(pkt('icmp frag-needed')).toMatch(/IP \(tos 0x0, ttl 64, id 5, offset 0, flags \[DF\], proto TCP \(6\), length 1500\)\n\s+10\.244\.1\.2\.40000 > 10\.244\.2\.3\.8080: /);
    expect(pkt('icmp time-exceeded')).toMatch(/192\.168\.1\.1 > 10\.244\.1\.2: ICMP time exceeded in-transit, length 36/);
  });

  it('decodes the SCTP INIT chunk field by field', () => {
    expect(pkt('sctp init')).toMatch(/10\.244\.1\.2\.5000 > 10\.244\.2\.3\.38412: sctp\n\s+1\) \[INIT\] \[init tag: 305419896\] \[rwnd: 106496\] \[OS: 10\] \[MIS: 65535\] \[init TSN: 2882400001\]/);
  });

  it('decodes VXLAN on 4789 with the inner TCP SYN, both checksums correct', () => {
    const p = pkt('vxlan 4789');
    expect(p).toMatch(/IP \(tos 0x0, ttl 64, id 9, offset 0, flags \[none\], proto UDP \(17\), length 90\)/);
    expect(p).toMatch(/192\.168\.1\.11\.45678 > 192\.168\.1\.12\.4789: \[udp sum ok\] VXLAN, flags \[I\] \(0x08\), vni 1\n/);
    expect(p).toMatch(/IP \(tos 0x0, ttl 63, id 1, offset 0, flags \[DF\], proto TCP \(6\), length 40\)/);
    expect(p).toMatch(/10\.244\.1\.2\.40000 > 10\.244\.2\.3\.8080: Flags \[S\], cksum 0x[0-9a-f]{4} \(correct\)/);
  });

  it('shows the outer and inner Ethernet addresses with -e', () => {
    expect(got.vxlan4789e.length).toBe(1);
    expect(got.vxlan4789e[0]).toMatch(/^\S+ 52:54:00:00:00:11 > 52:54:00:00:00:12, ethertype IPv4 \(0x0800\), length 104: /);
    expect(got.vxlan4789e[0]).toMatch(/\n0e:00:00:00:01:01 > 0e:00:00:00:02:01, ethertype IPv4 \(0x0800\), length 54: /);
  });

  it('calls port 8472 OTV by default (the same 8-byte header), and VXLAN with -T vxlan', () => {
    expect(pkt('vxlan 8472')).toMatch(/192\.168\.1\.11\.45678 > 192\.168\.1\.12\.8472: \[udp sum ok\] OTV, flags \[I\] \(0x08\), overlay 0, instance 1\n/);
    expect(got.vxlan8472.length).toBe(1);
    // Forced to VXLAN, tcpdump skips the UDP checksum check; the default run above made it.
    expect(got.vxlan8472[0]).toMatch(/192\.168\.1\.12\.8472: VXLAN, flags \[I\] \(0x08\), vni 1\n/);
    expect(got.vxlan8472[0]).toMatch(/Flags \[S\], cksum 0x[0-9a-f]{4} \(correct\)/);
  });

  it('decodes ARP request and reply', () => {
    expect(pkt('arp request')).toMatch(/Ethernet \(len 6\), IPv4 \(len 4\), Request who-has 10\.244\.1\.1 tell 10\.244\.1\.2, length 28/);
    expect(pkt('arp reply')).toMatch(/Ethernet \(len 6\), IPv4 \(len 4\), Reply 10\.244\.1\.1 is-at 02:00:00:00:00:0b, length 28/);
  });

  it('reads the pcapng file (one interface per device) exactly like the pcap file', () => {
    expect(got.pcapng).toEqual(got.pcap);
  });

  it('does flag corrupted checksums (so the absence above means something)', () => {
    const bad = [encodeFrame(syn), encodeFrame(udp), encodeFrame(echo)];
    for (const b of bad) b[b.length - 1] = (b[b.length - 1] as number) ^ 0x55;
    const badIp = encodeFrame(syn);
    badIp[24] = (badIp[24] as number) ^ 0x55;
    const out = withTempFiles({ 'bad.pcap': writePcap([...bad, badIp].map((frame, i) => ({ timestampUs: i, frame }))) }, (p) => tcpdump(p['bad.pcap'] as string));
    expect(out[0]).toMatch(/cksum 0x[0-9a-f]{4} \(incorrect -> 0x[0-9a-f]{4}\)/);
    expect(out[1]).toMatch(/bad udp cksum/);
    expect(out[2]).toMatch(/wrong icmp cksum/);
    expect(out[3]).toMatch(/bad cksum [0-9a-f]+ \(->[0-9a-f]+\)!/);
  });
});

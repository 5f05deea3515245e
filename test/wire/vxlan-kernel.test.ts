/**
 * The Linux VXLAN driver against encapsulateVxlan. Two throw-away namespaces play node1 and
 * node2 of reference flannel.md §7, joined by a veth "underlay" (eth0, 192.168.1.11/12), each
 * with a `flannel.1` set up the way flanneld does it (§3, §4: VNI 1, port 8472, nolearning,
 * /32 address, permanent neighbour + FDB entry, onlink route).
 *
 * Transmit checksum offload is switched off on the underlay (ETHTOOL_STXCSUM through a tiny
 * python ioctl, as `ethtool -K eth0 tx off` would), otherwise a capture on the sender shows a
 * partial UDP checksum the NIC would complete. Receive checksum offload is switched off on
 * node2 so that veth does not mark packets "checksum verified" and the kernel really checks ours.
 *
 * Only namespaces created here are touched; they are always deleted (see test/support/netns.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  decodeFrame,
  type DecodedFrame,
  type DecodedUdp,
  encapsulateVxlan,
  encodeFrame,
  formatMac,
  parseMac,
  readPcap,
} from '../../src/wire/index.js';
import { describeKernel, linkVeth, type Netns, withNetns } from '../support/netns.js';

const ETH1 = '52:54:00:00:00:11';
const ETH2 = '52:54:00:00:00:12';
const V1 = '0e:00:00:00:01:01';
const V2 = '0e:00:00:00:02:01';
const NODE1 = 0xc0a8010b; // 192.168.1.11
const NODE2 = 0xc0a8010c; // 192.168.1.12
const FLANNEL1 = 0x0af40100; // 10.244.1.0, node1's flannel.1 address
const FLANNEL2 = 0x0af40200; // 10.244.2.0

/** ETHTOOL_STXCSUM / ETHTOOL_SRXCSUM through SIOCETHTOOL (no ethtool binary needed). */
const ETHTOOL_PY = `
import socket, fcntl, struct, ctypes, sys
ev = ctypes.create_string_buffer(struct.pack('II', int(sys.argv[2], 0), int(sys.argv[3])), 8)
ifr = struct.pack('16sP', sys.argv[1].encode(), ctypes.addressof(ev)) + bytes(16)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
fcntl.ioctl(s.fileno(), 0x8946, ifr)
`;
const ETHTOOL_STXCSUM = '0x17';
const ETHTOOL_SRXCSUM = '0x15';

/** Sends one raw Ethernet frame out of `dev` (AF_PACKET), the way a NIC would put it on the wire. */
const SEND_PY = `
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(bytes.fromhex(sys.argv[2]))
`;

function flannelNode(ns: Netns, own: { ip: string; mac: string; lease: string }, peer: { ip: string; mac: string; lease: string }): void {
  ns.execOk(['ip', 'link', 'add', 'flannel.1', 'type', 'vxlan', 'id', '1', 'local', own.ip, 'dev', 'eth0', 'nolearning', 'dstport', '8472']);
  ns.execOk(['ip', 'link', 'set', 'flannel.1', 'address', own.mac, 'mtu', '1450', 'up']);
  ns.execOk(['ip', 'addr', 'add', `${own.lease}/32`, 'dev', 'flannel.1']);
  ns.execOk(['ip', 'neigh', 'replace', peer.lease, 'lladdr', peer.mac, 'dev', 'flannel.1', 'nud', 'permanent']);
  ns.execOk(['bridge', 'fdb', 'replace', peer.mac, 'dev', 'flannel.1', 'dst', peer.ip, 'self', 'permanent']);
  ns.execOk(['ip', 'route', 'replace', `${peer.lease.replace(/\.0$/, '.0/24')}`, 'via', peer.lease, 'dev', 'flannel.1', 'onlink']);
}

/**
 * Starts tcpdump on `ns`'s eth0, runs `action` once it listens, and returns the frames captured
 * when `count` arrived or `seconds` passed, whichever is first.
 */
async function capture(ns: Netns, filter: string, count: number, action: () => void, seconds = 15): Promise<Uint8Array[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kpemu-vxlan-'));
  const file = join(dir, 'cap.pcap');
  try {
    // `timeout` bounds the capture even when fewer packets than `count` arrive; -Z root keeps
    // tcpdump from dropping to a user that could not write into our private directory.
    const child = spawn('ip', ['netns', 'exec', ns.name, 'timeout', String(seconds), 'tcpdump', '-i', 'eth0', '-nn', '-U', '-Z', 'root', '-c', String(count), '-w', file, filter], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    action();
    await exited;
    return readPcap(new Uint8Array(readFileSync(file))).records.map((r) => r.frame.slice());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function vxlanOf(d: DecodedFrame): { udp: DecodedUdp; inner: DecodedFrame } {
  if (d.kind !== 'ipv4' || d.l4.kind !== 'udp' || d.l4.payload instanceof Uint8Array) throw new Error('not a VXLAN frame');
  return { udp: d.l4, inner: d.l4.payload.inner };
}

function udpInCsumErrors(ns: Netns): number {
  const lines = ns.execOk(['cat', '/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.trim().split(/\s+/));
  const i = names?.indexOf('InCsumErrors') ?? -1;
  return Number(values?.[i] ?? Number.NaN);
}

describeKernel('Linux VXLAN (flannel.1) vs encapsulateVxlan', ['ip', 'bridge', 'ping', 'tcpdump', 'python3', 'timeout'], () => {
  it('builds byte for byte the frame the kernel sends, and the kernel accepts ours and checks its UDP checksum', async () => {
    await withNetns(['node1', 'node2'], async ([n1, n2]) => {
      if (n1 === undefined || n2 === undefined) throw new Error('namespaces missing');
      linkVeth(n1, 'eth0', '192.168.1.11/24', n2, 'eth0', '192.168.1.12/24');
      n1.execOk(['ip', 'link', 'set', 'eth0', 'address', ETH1]);
      n2.execOk(['ip', 'link', 'set', 'eth0', 'address', ETH2]);
      for (const ns of [n1, n2]) ns.execOk(['python3', '-c', ETHTOOL_PY, 'eth0', ETHTOOL_STXCSUM, '0']);
      n2.execOk(['python3', '-c', ETHTOOL_PY, 'eth0', ETHTOOL_SRXCSUM, '0']);
      const node1 = { ip: '192.168.1.11', mac: V1, lease: '10.244.1.0' };
      const node2 = { ip: '192.168.1.12', mac: V2, lease: '10.244.2.0' };
      flannelNode(n1, node1, node2);
      flannelNode(n2, node2, node1);

      // iproute2 sends no IFLA_VXLAN_UDP_CSUM unless asked, like flannel's netlink library: the
      // kernel then reports (and uses) a computed outer UDP checksum.
      const details = n1.execOk(['ip', '-d', 'link', 'show', 'flannel.1']);
      expect(details).toMatch(/vxlan id 1 local 192\.168\.1\.11 dev eth0 .*dstport 8472 nolearning/s);
      expect(details).toMatch(/ udpcsum /);

      // 1. The kernel's frame: one ping over flannel.1, request and reply captured on node1's eth0.
      let pingStatus = -1;
      const frames = await capture(n1, 'udp port 8472', 2, () => {
        pingStatus = n1.exec(['ping', '-c', '1', '-W', '3', '10.244.2.0']).status;
      });
      expect(pingStatus).toBe(0);
      expect(frames.length).toBe(2);
      const request = frames[0] as Uint8Array;
      const d = decodeFrame(request);
      if (d.kind !== 'ipv4') throw new Error('not IPv4');
      const { udp, inner } = vxlanOf(d);

      // Reference §5, as the kernel did it:
      expect([formatMac(d.srcMac), formatMac(d.dstMac)]).toEqual([ETH1, ETH2]);
      expect([d.ip.src, d.ip.dst, d.ip.ttl, d.ip.df, d.ip.tos, d.ip.proto]).toEqual([NODE1, NODE2, 64, false, 0, 17]);
      expect(udp.dport).toBe(8472);
      expect(udp.sport).toBeGreaterThanOrEqual(32768); // udp_flow_src_port over ip_local_port_range
      expect(udp.sport).toBeLessThan(60999);
      expect(udp.checksum).not.toBe(0); // computed by default on this kernel
      expect([d.ip.checksumOk, udp.checksumOk]).toEqual([true, true]);
      expect(udp.payload instanceof Uint8Array ? -1 : [udp.payload.flags, udp.payload.vni]).toEqual([0x08, 1]);
      if (inner.kind !== 'ipv4' || inner.l4.kind !== 'icmp') throw new Error('inner is not ICMP');
      expect([formatMac(inner.srcMac), formatMac(inner.dstMac)]).toEqual([V1, V2]);
      expect([inner.ip.src, inner.ip.dst, inner.l4.message.kind]).toEqual([FLANNEL1, FLANNEL2, 'echo-request']);

      // Our encapsulation of the same inner frame. The IP identification and the UDP source port
      // are the kernel's choices (a per-destination ID counter; a flow hash keyed by a per-boot
      // secret), so they are taken from the capture; everything else, including both checksums,
      // must then come out identical.
      const ours = encapsulateVxlan({
        inner: request.subarray(50),
        outerSrcMac: parseMac(ETH1),
        outerDstMac: parseMac(ETH2),
        outerSrc: NODE1,
        outerDst: NODE2,
        srcPort: udp.sport,
        ipId: d.ip.id,
        vni: 1,
      });
      expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(request).toString('hex'));

      // The reply node2 sent back is built the same way.
      const reply = frames[1] as Uint8Array;
      const r = decodeFrame(reply);
      if (r.kind !== 'ipv4') throw new Error('not IPv4');
      const rv = vxlanOf(r);
      const oursReply = encapsulateVxlan({ inner: reply.subarray(50), outerSrcMac: parseMac(ETH2), outerDstMac: parseMac(ETH1), outerSrc: NODE2, outerDst: NODE1, srcPort: rv.udp.sport, ipId: r.ip.id, vni: 1 });
      expect(Buffer.from(oursReply).toString('hex')).toBe(Buffer.from(reply).toString('hex'));

      // 2. The kernel accepts ours: an echo request we encapsulate, put on node1's wire raw,
      // is decapsulated by node2's flannel.1 and answered through VXLAN.
      const echo = encodeFrame({
        kind: 'ipv4',
        dstMac: parseMac(V2),
        srcMac: parseMac(V1),
        ip: { src: FLANNEL1, dst: FLANNEL2, ttl: 64, id: 0x4b50, df: true, tos: 0 },
        l4: { kind: 'icmp', message: { kind: 'echo-request', id: 0x4b50, seq: 7, data: new TextEncoder().encode('kpemu wire test!') } },
      });
      const injected = (udpChecksum: 'good' | 'bad'): string => {
        const f = encapsulateVxlan({ inner: echo, outerSrcMac: parseMac(ETH1), outerDstMac: parseMac(ETH2), outerSrc: NODE1, outerDst: NODE2, srcPort: 50000, ipId: 1, vni: 1 });
        if (udpChecksum === 'bad') f[41] = (f[41] as number) ^ 0x01;
        return Buffer.from(f).toString('hex');
      };
      const errorsBefore = udpInCsumErrors(n2);
      const replies = await capture(n1, 'udp dst port 8472 and src host 192.168.1.12', 1, () => {
        n1.execOk(['python3', '-c', SEND_PY, 'eth0', injected('good')]);
      });
      expect(replies.length).toBe(1);
      const back = vxlanOf(decodeFrame(replies[0] as Uint8Array)).inner;
      if (back.kind !== 'ipv4' || back.l4.kind !== 'icmp' || back.l4.message.kind !== 'echo-reply') throw new Error('no echo reply');
      expect([back.ip.src, back.ip.dst, back.l4.message.id, back.l4.message.seq]).toEqual([FLANNEL2, FLANNEL1, 0x4b50, 7]);
      expect(udpInCsumErrors(n2)).toBe(errorsBefore);

      // 3. One flipped bit in our outer UDP checksum: node2 counts a UDP checksum error and stays
      // silent, so the good checksum above was really checked.
      // The capture gives node2 three seconds to (not) answer.
      const silent = await capture(
        n1,
        'udp dst port 8472 and src host 192.168.1.12',
        1,
        () => {
          n1.execOk(['python3', '-c', SEND_PY, 'eth0', injected('bad')]);
        },
        3,
      );
      expect(silent.length).toBe(0);
      expect(udpInCsumErrors(n2)).toBe(errorsBefore + 1);
    });
  });
});

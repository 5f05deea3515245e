/**
 * Sends a batch of first packets from inside one kernel namespace with one short python3 run
 * (starting python costs far more than the packets), and reports which came back as ICMP
 * destination-unreachable. TCP is a non-blocking connect (one SYN), UDP one datagram, SCTP one
 * INIT chunk on a raw socket (this kernel may lack the SCTP socket module; conntrack and xt_sctp
 * only need the packet), with its CRC32c so conntrack's checksum check accepts it.
 */
import { existsSync } from 'node:fs';
import type { Netns } from '../../support/netns.js';

export interface KernelProbe {
  readonly id: number;
  readonly proto: 'tcp' | 'udp' | 'sctp';
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
}

export interface Unreachable {
  readonly code: number;
  readonly proto: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

export interface BatchResult {
  /** errno of a failed send (e.g. EPERM when OUTPUT dropped it), by probe id. */
  readonly sendErrors: ReadonlyMap<number, number>;
  /** SO_ERROR of each TCP socket after the wait (111 after a reset or port unreachable), by probe id. */
  readonly socketErrors: ReadonlyMap<number, number>;
  readonly unreachable: readonly Unreachable[];
}

const SCRIPT = String.raw`
import json, socket, struct, sys, time
probes = json.load(sys.stdin)
T = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.setblocking(False)
keep = []
tcp = []
errors = {}
for p in probes:
    try:
        if p['proto'] == 'tcp':
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((p['src'], p['sport']))
            s.setblocking(False)
            keep.append(s)
            tcp.append((p['id'], s))
            try:
                s.connect((p['dst'], p['dport']))
            except BlockingIOError:
                pass
        elif p['proto'] == 'udp':
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((p['src'], p['sport']))
            keep.append(s)
            s.sendto(b'kpemu', (p['dst'], p['dport']))
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
            s.bind((p['src'], 0))
            keep.append(s)
            init = struct.pack('!BBHIIHHI', 1, 0, 20, 0x1000 + p['id'], 65535, 1, 1, 7)
            pkt = struct.pack('!HHII', p['sport'], p['dport'], 0, 0) + init
            pkt = pkt[:8] + struct.pack('<I', crc32c(pkt)) + pkt[12:]
            s.sendto(pkt, (p['dst'], 0))
    except OSError as e:
        errors[p['id']] = e.errno
time.sleep(float(sys.argv[1]))
unreach = []
while True:
    try:
        d = icmp.recv(4096)
    except BlockingIOError:
        break
    h = (d[0] & 15) * 4
    if d[h] != 3:
        continue
    inner = d[h + 8:]
    ih = (inner[0] & 15) * 4
    sp, dp = struct.unpack('!HH', inner[ih:ih + 4])
    unreach.append({'code': d[h + 1], 'proto': inner[9], 'src': socket.inet_ntoa(inner[12:16]), 'dst': socket.inet_ntoa(inner[16:20]), 'sport': sp, 'dport': dp})
soerr = {i: s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) for i, s in tcp}
for s in keep:
    s.close()
print(json.dumps({'errors': errors, 'soerr': soerr, 'unreach': unreach}))
`;

/** The plain interpreter when there is one: a pyenv shim adds a noticeable start-up cost per call. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function sendBatch(ns: Netns, probes: readonly KernelProbe[], waitSeconds = 0.3): BatchResult {
  if (probes.length === 0) return { sendErrors: new Map(), socketErrors: new Map(), unreachable: [] };
  const out = ns.execOk([PYTHON, '-c', SCRIPT, String(waitSeconds)], JSON.stringify(probes), 20_000);
  const parsed = JSON.parse(out) as { errors: Record<string, number>; soerr: Record<string, number>; unreach: Unreachable[] };
  const byId = (r: Record<string, number>): Map<number, number> => new Map(Object.entries(r).map(([k, v]) => [Number(k), v]));
  return { sendErrors: byId(parsed.errors), socketErrors: byId(parsed.soerr), unreachable: parsed.unreach };
}

/**
 * ipset against a real kernel, inside throw-away namespaces only (see test/support/netns.ts):
 * - the restore text kpemu renders loads into the kernel and `ipset save` comes back identical,
 *   byte for byte and unsorted (the init values are part of the text);
 * - a seeded random history of creates, adds and deletes, run through both, leaves identical
 *   saves (bucket order, resizes, hash sizes, counters, comments);
 * - bad restore inputs fail on the same line in both and leave the same state behind;
 * - `-m set` decisions: real packets between two namespaces hit iptables rules with set matches,
 *   and the kernel's rule counters equal kpemu's predictions.
 */
import { describe, expect, it } from 'vitest';
import { KpemuError, SeededRng } from '../../src/core/index.js';
import { type IpsetRegistry, parseDirections } from '../../src/ipset/index.js';
import { Packet } from '../../src/packet/index.js';
import { describeKernel, linkVeth, type Netns, withNetns } from '../support/netns.js';
import { ip, newRegistry } from './support.js';

function ipsetRestore(ns: Netns, text: string): { status: number; stderr: string } {
  const r = ns.exec(['ipset', 'restore'], text, 60_000);
  return { status: r.status, stderr: r.stderr };
}

function kernelSave(ns: Netns, sorted = false): string {
  return ns.execOk(sorted ? ['ipset', '-s', 'save'] : ['ipset', 'save'], undefined, 60_000);
}

function oursAfter(text: string): { reg: IpsetRegistry; err: KpemuError | null } {
  const { reg } = newRegistry(5);
  let err: KpemuError | null = null;
  try {
    reg.restore(text);
  } catch (e) {
    if (!(e instanceof KpemuError)) throw e;
    err = e;
  }
  return { reg, err };
}

/** A seeded history over several types: creates with fixed init values, adds, deletes. */
function randomHistory(seed: number): string {
  const rng = new SeededRng(seed);
  const n = (k: number): number => rng.nextInt(k);
  const addr = (): string => `10.${n(4)}.${n(256)}.${1 + n(254)}`;
  const lines = [
    `create H1 hash:ip hashsize 64 initval 0x${(0x1000 + seed).toString(16)}`,
    `create H2 hash:ip,port hashsize 64 maxelem 1500 initval 0x${(0x2000 + seed).toString(16)} counters`,
    `create H3 hash:ip,port,ip hashsize 128 initval 0x${(0x3000 + seed).toString(16)}`,
    `create H4 hash:ip,port,net hashsize 64 initval 0x${(0x4000 + seed).toString(16)} comment`,
    `create H5 hash:net hashsize 64 initval 0x${(0x5000 + seed).toString(16)}`,
    'create B1 bitmap:port range 0-65535 counters',
  ];
  const protos = ['tcp', 'udp', 'sctp'];
  const live = new Map<string, string[]>([['H1', []], ['H2', []], ['H3', []], ['H4', []], ['H5', []], ['B1', []]]);
  for (let i = 0; i < 2500; i++) {
    const set = ['H1', 'H2', 'H3', 'H4', 'H5', 'B1'][n(6)] as string;
    const list = live.get(set) as string[];
    if (list.length > 0 && n(4) === 0) {
      const at = n(list.length);
      lines.push(`del ${set} ${list[at] as string}`);
      list.splice(at, 1);
      continue;
    }
    let e: string;
    let extra = '';
    switch (set) {
      case 'H1':
        e = addr();
        break;
      case 'H2':
        e = `${addr()},${protos[n(3)] as string}:${n(65536)}`;
        extra = n(2) === 0 ? ` packets ${n(1000)} bytes ${n(100000)}` : '';
        break;
      case 'H3':
        e = `${addr()},${protos[n(3)] as string}:${n(100)},${addr()}`;
        break;
      case 'H4': {
        const c = 8 + n(25);
        e = `1.2.3.${1 + n(5)},tcp:${80 + n(3)},10.${n(256)}.${n(256)}.0/${c}`;
        extra = n(3) === 0 ? ` comment "c${i}"` : n(4) === 0 ? ' nomatch' : '';
        break;
      }
      case 'H5':
        e = `10.${n(256)}.${n(256)}.0/${16 + n(9)}`;
        break;
      default:
        e = String(n(65536));
        break;
    }
    // The kernel masks net elements; dedupe on what the kernel would store.
    lines.push(`add ${set} ${e}${extra} -exist`);
    list.push(e);
  }
  return `${lines.join('\n')}\n`;
}

describeKernel('ipset against the kernel', ['ipset', 'python3', 'iptables-legacy-restore', 'iptables-legacy-save', 'ping'], () => {
  it('loads the restore text kpemu renders and saves it back byte for byte', async () => {
    await withNetns(['ips'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      const { reg } = newRegistry(3);
      reg.create('KUBE-CLUSTER-IP', 'hash:ip,port');
      reg.create('KUBE-LOOP-BACK', 'hash:ip,port,ip');
      reg.create('KUBE-LOAD-BALANCER-SOURCE-CIDR', 'hash:ip,port,net');
      reg.create('KUBE-NODE-PORT-TCP', 'bitmap:port', { range: { from: 0, to: 65535 } });
      reg.create('KUBE-IPVS-IPS', 'hash:ip');
      reg.create('TIMED', 'hash:net', { timeout: 600, counters: true, comment: true });
      for (let i = 0; i < 400; i++) {
        reg.add('KUBE-CLUSTER-IP', `10.96.${i >> 8}.${i & 255},${i % 3 === 0 ? 'udp' : 'tcp'}:${80 + (i % 5)}`);
        reg.add('KUBE-IPVS-IPS', `10.96.${i >> 8}.${i & 255}`);
        reg.add('KUBE-NODE-PORT-TCP', String(30000 + i));
      }
      for (let i = 0; i < 60; i++) reg.add('KUBE-LOOP-BACK', `10.180.0.${i + 1},tcp:8080,10.180.0.${i + 1}`);
      reg.add('KUBE-LOAD-BALANCER-SOURCE-CIDR', '1.2.3.4,tcp:80,10.0.0.0/8');
      reg.add('KUBE-LOAD-BALANCER-SOURCE-CIDR', '1.2.3.4,tcp:80,10.1.0.0/16', { nomatch: true });
      reg.add('TIMED', '192.168.0.0/16', { timeout: 0, comment: 'permanent one', packets: 4, bytes: 400 });
      const text = reg.save();
      expect(ipsetRestore(ns, text).status).toBe(0);
      // Timeouts are not compared: the kernel's clock moved on since the restore.
      expect(kernelSave(ns)).toBe(text);
      expect(kernelSave(ns, true)).toBe(reg.save(undefined, { sorted: true }));
    });
  });

  it('ends a seeded random history in the same state: bucket order, resizes, counters, comments', async () => {
    await withNetns(['ipr'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const seed of [1, 2]) {
        ns.exec(['ipset', 'destroy']);
        const text = randomHistory(seed);
        const k = ipsetRestore(ns, text);
        const ours = oursAfter(text);
        expect(k.status === 0).toBe(ours.err === null);
        expect(kernelSave(ns)).toBe(ours.reg.save());
      }
    });
  });

  it('agrees with the kernel on edge cases that succeed', async () => {
    const cases = [
      'create N hash:net\nadd N 0.0.0.0/8\n',
      'create P hash:ip,port\nadd P 1.1.1.1,tcp:82-80\n',
      'create A hash:ip\nadd A 10.0.0.5-10.0.0.1\nadd A 10.1.0.0/30\nadd A 1.1.1\nadd A 010.0.0.1\n',
      'create P hash:ip,port\nadd P 1.1.1.1,udplite:5\nadd P 1.1.1.1,TCP:6\nadd P 1.1.1.1,icmp:ping\nadd P 1.1.1.1,icmp:3/99\n',
      'create A hash:ip timeout 10\nadd A 1.1.1.1 timeout 0\n',
      'create P hash:ip,port,ip\nadd P 0.0.0.0,tcp:80,0.0.0.0\n',
      'create N hash:ip,port,net\nadd N 0.0.0.0,tcp:80,10.1.2.3/24\n',
      'create B bitmap:port range 5-1\nadd B 3\n',
      'create A hash:ip family inet hashsize 64 maxelem 5\ncreate A hash:ip hashsize 128 maxelem 5 -exist\nadd A 1.2.3.4\n',
      'create A hash:ip counters\nadd A 1.2.3.4 packets 1 bytes 2\ndel A 1.2.3.4\nadd A 1.2.3.5\nadd A 1.2.3.4\n',
      'create N hash:net\nadd N 10.0.0.0/8\ntest N 10.1.1.1\nadd N 1.1.1.1/40\n',
      '# comment\n\n  create S hash:ip comment\n\tadd S 1.2.3.4 comment "two words"\nCOMMIT\n',
    ];
    await withNetns(['ipe'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      const noInit = (t: string): string => t.replace(/ initval 0x[0-9a-f]{8}/g, '');
      for (const text of cases) {
        ns.exec(['ipset', 'destroy']);
        expect(ipsetRestore(ns, text).status, text).toBe(0);
        const ours = oursAfter(text);
        expect(ours.err, text).toBeNull();
        expect(noInit(kernelSave(ns, true)), text).toBe(noInit(ours.reg.save(undefined, { sorted: true })));
      }
    });
  });

  it('fails on the same line as the kernel and leaves the same state', async () => {
    const cases = [
      'create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\nadd A 1.0.0.3\n',
      'create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.2\nadd A 1.0.0.300\n',
      'create A hash:ip\ncreate B hash:ip\nadd A 1.0.0.1\nadd B 1.0.0.1\nadd A 1.0.0.300\n',
      'create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\ncreate B hash:ip\n',
      'create A hash:ip\nadd A 1.0.0.1\ndel A 1.0.0.1\nadd A 1.0.0.300\n',
      'create A hash:ip\nadd A 1.0.0.1\nCOMMIT\nadd A 1.0.0.300\n',
      'create A hash:ip\nadd A 1.0.0.1\nadd Z 1.0.0.1\n',
      'create A hash:ip\nadd A 1.0.0.1 -exist\ncreate B hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.2,x\n',
      'create A hash:ip\nadd A 1.0.0.1\nadd A 1.0.0.1\nadd A 1.0.0.2 -exist\n',
      'create A hash:ip maxelem 2\nadd A 1.0.0.1\nadd A 1.0.0.2\nadd A 1.0.0.3\nadd A 1.0.0.4\n',
      'create N hash:net\nadd N 10.0.0.0/8\nadd N 10.0.0.0/0\n',
      'create P bitmap:port range 1000-2000\nadd P 1500\nadd P 999\n',
      'create C hash:ip\nadd C 1.1.1.1 comment foo\n',
      'create S hash:ip\nswap S T\n',
      'create S hash:ip\ncreate T hash:net\nswap S T\n',
      'create S hash:ip\ncreate T hash:ip\nrename S T\n',
      'create S hash:ip,port\nadd S 1.2.3.4,tcp:80\nadd S 1.2.3.4,icmp:300/1\n',
      'create S hash:ip,port,net\nadd S 1.2.3.4,tcp:80,10.0.0.0/8\nadd S 1.2.3.4,tcp:80,10.0.0.0/8\n',
      `create A hash:ip\n${Array.from({ length: 400 }, (_, i) => `add A 10.1.${i >> 8}.${i & 255}`).join('\n')}\nadd A 10.1.0.5\n`,
      `create A hash:ip\n${Array.from({ length: 400 }, (_, i) => `add A 10.1.${i >> 8}.${i & 255}`).join('\n')}\nadd A 10.1.0.300\n`,
      `create P hash:ip,port\n${Array.from({ length: 250 }, (_, i) => `add P 10.1.0.${i},udp:${i}`).join('\n')}\nadd P 10.1.0.1,xyz:1\n`,
      'create A hash:ip\nadd A 0.0.0.0\n',
      'create P hash:ip,port\nadd P 0.0.0.0,tcp:80\n',
      'create P hash:ip,port\nadd P 0.0.0.0-0.0.0.1,tcp:80\n',
      'create A hash:ip\nadd A 1.1.1.1 timeout 5\n',
      'create A hash:ip\nadd A 1.1.1.1 packets 5\n',
      'create N hash:net\nadd N 10.1.2.3/24\nadd N 10.1.2.0/24\n',
      'create A hash:ip\nadd A 1.1.1.1\ndel A 1.1.1.1\ndel A 1.1.1.1\n',
      'create P hash:ip,port\nadd P 1.1.1.1,tcp:0\nadd P 1.1.1.1,icmp:0/0\nadd P 1.1.1.1,icmp:echo\nadd P 1.1.1.1,udp:65535\n',
      'create N hash:net\nadd N 10.0.0.0/8 nomatch\ntest N 10.1.1.1\n',
    ];
    await withNetns(['ipb'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const text of cases) {
        ns.exec(['ipset', 'destroy']);
        const k = ipsetRestore(ns, text);
        const ours = oursAfter(text);
        expect(k.status, text).not.toBe(0);
        expect(ours.err, text).not.toBeNull();
        const m = /Error in line (\d+)/.exec(k.stderr);
        if (m !== null) expect(ours.err?.location?.line, `${text}\n${k.stderr}`).toBe(Number(m[1]));
        // The kernel drew its own init values here; everything else must agree.
        const noInit = (t: string): string => t.replace(/ initval 0x[0-9a-f]{8}/g, '');
        expect(noInit(kernelSave(ns, true)), text).toBe(noInit(ours.reg.save(undefined, { sorted: true })));
      }
    });
  });

  describe('-m set decisions', () => {
    const setup = [
      'create CIP hash:ip,port',
      'add CIP 10.96.0.10,udp:53',
      'add CIP 10.96.0.10,tcp:53',
      'add CIP 10.96.0.11,tcp:80',
      'add CIP 10.99.0.5,udp:7000',
      'create LBSRC hash:ip,port,net',
      'add LBSRC 10.96.0.11,tcp:80,10.99.0.0/16',
      'add LBSRC 10.96.0.11,tcp:80,10.99.1.0/24 nomatch',
      'add LBSRC 10.96.0.11,tcp:80,10.99.1.7',
      'create LOOP hash:ip,port,ip',
      'add LOOP 10.96.0.10,udp:53,10.99.0.5',
      'create NP bitmap:port range 0-65535',
      'add NP 30080',
      'add NP 53',
      'create NET hash:net',
      'add NET 10.99.0.0/24',
      'add NET 10.99.0.0/16',
      'add NET 10.99.1.0/24 nomatch',
      'create IPS hash:ip',
      'add IPS 10.96.0.10',
      '',
    ].join('\n');
    const rules: readonly { set: string; dirs: string; invert?: boolean }[] = [
      { set: 'CIP', dirs: 'dst,dst' },
      { set: 'CIP', dirs: 'src,dst' },
      { set: 'LBSRC', dirs: 'dst,dst,src' },
      { set: 'LOOP', dirs: 'dst,dst,src' },
      { set: 'NP', dirs: 'dst' },
      { set: 'NP', dirs: 'src' },
      { set: 'NET', dirs: 'src' },
      { set: 'IPS', dirs: 'dst' },
      { set: 'CIP', dirs: 'dst' },
      { set: 'NET', dirs: 'src', invert: true },
    ];
    const sources = ['10.99.0.1', '10.99.0.5', '10.99.1.7', '10.99.1.9', '10.99.2.3'];
    const targets: readonly [string, number][] = [
      ['10.96.0.10', 53],
      ['10.96.0.11', 80],
      ['10.96.0.10', 30080],
      ['10.99.0.2', 7000],
    ];

    it('counts real packets exactly as kpemu predicts', async () => {
      await withNetns(['msa', 'msb'], ([a, b]) => {
        if (a === undefined || b === undefined) throw new Error('no namespaces');
        linkVeth(a, 'va', '10.99.0.1/24', b, 'vb', '10.99.0.2/24');
        for (const s of sources.slice(1)) a.execOk(['ip', 'addr', 'add', `${s}/32`, 'dev', 'va']);
        a.execOk(['ip', 'route', 'add', '10.96.0.0/16', 'via', '10.99.0.2']);
        b.execOk(['ip', 'addr', 'add', '10.96.0.10/32', 'dev', 'vb']);
        b.execOk(['ip', 'addr', 'add', '10.96.0.11/32', 'dev', 'vb']);
        b.execOk(['ip', 'route', 'add', '10.99.0.0/16', 'dev', 'vb']);
        expect(ipsetRestore(b, setup).status).toBe(0);
        const ruleText = rules.map((r) => `-A INPUT -i vb -m set ${r.invert === true ? '! ' : ''}--match-set ${r.set} ${r.dirs}`);
        b.execOk(['iptables-legacy-restore'], `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${ruleText.join('\n')}\nCOMMIT\n`);

        // Every source to every target over UDP and TCP, some source ports that are set members, and pings.
        const sends: [string, string, number, string, number][] = [];
        for (const src of sources) {
          for (const [dst, dport] of targets) {
            sends.push(['udp', src, 40000, dst, dport]);
            sends.push(['tcp', src, 40001, dst, dport]);
          }
          sends.push(['udp', src, 53, '10.96.0.11', 9999]);
          sends.push(['udp', src, 30080, '10.99.0.2', 1234]);
        }
        const script = [
          'import json, socket, sys',
          'for proto, src, sport, dst, dport in json.load(sys.stdin):',
          '    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)',
          '    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
          '    s.bind((src, sport))',
          '    s.settimeout(0.5)',
          '    try:',
          '        s.connect((dst, dport)) if proto == "tcp" else s.sendto(b"kpemu", (dst, dport))',
          '    except Exception:',
          '        pass',
          '    s.close()',
        ].join('\n');
        a.execOk(['python3', '-c', script], JSON.stringify(sends), 60_000);
        const pings: [string, string][] = [
          ['10.99.0.5', '10.96.0.10'],
          ['10.99.1.7', '10.96.0.11'],
        ];
        for (const [src, dst] of pings) a.exec(['ping', '-c', '1', '-W', '1', '-I', src, dst], undefined, 5000);

        // The same packets through kpemu.
        const { reg } = newRegistry(9);
        reg.restore(setup);
        const predicted = rules.map(() => 0);
        const p = new Packet();
        const count = (): void => {
          rules.forEach((r, i) => {
            const d = parseDirections(r.dirs);
            const hit = reg.testIndex(reg.indexOf(r.set), p, d.dims, d.flags) !== (r.invert === true);
            if (hit) predicted[i] = (predicted[i] as number) + 1;
          });
        };
        for (const [proto, src, sport, dst, dport] of sends) {
          p.reset();
          p.proto = proto === 'tcp' ? 6 : 17;
          p.src = ip(src);
          p.sport = sport;
          p.dst = ip(dst);
          p.dport = dport;
          count();
        }
        for (const [src, dst] of pings) {
          p.reset();
          p.proto = 1;
          p.src = ip(src);
          p.dst = ip(dst);
          p.icmpType = 8;
          count();
        }
        const saved = b.execOk(['iptables-legacy-save', '-c', '-t', 'filter']);
        const counters = saved
          .split('\n')
          .filter((l) => /^\[\d+:\d+\] -A INPUT/.test(l))
          .map((l) => Number(/^\[(\d+):/.exec(l)?.[1]));
        expect(counters).toEqual(predicted);
        // The scenario exercises both outcomes of every rule except the never-matching one.
        expect(predicted.filter((c) => c > 0).length).toBe(rules.length - 1);
      });
    });
  });
});

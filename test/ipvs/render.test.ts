import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { applyIpvsadmCommands, parseIpvsadmSave, renderIpvsadmList, renderIpvsadmSave, SVC_FLAGS } from '../../src/ipvs/index.js';
import { ip, newIpvs, pkt } from './support.js';

function minikube(): ReturnType<typeof newIpvs>['ipvs'] {
  const { ipvs } = newIpvs();
  const add = (proto: number, vip: string, port: number, rs: [string, number][]): void => {
    ipvs.addService({ protocol: proto, addr: ip(vip), port, scheduler: 'rr' });
    for (const [a, p] of rs) ipvs.addDest(proto, ip(vip), port, { addr: ip(a), port: p, weight: 1, fwd: 'masq' });
  };
  // Created in an order unlike the listing: ipvsadm sorts.
  add(17, '10.96.0.10', 53, [['172.17.0.2', 53]]);
  add(6, '10.97.181.101', 80, [
    ['172.17.0.5', 8000],
    ['172.17.0.3', 8000],
    ['172.17.0.4', 8000],
  ]);
  add(6, '10.96.0.10', 9153, [['172.17.0.2', 9153]]);
  add(6, '10.96.0.1', 443, [['192.168.136.17', 8443]]);
  add(6, '10.96.0.10', 53, [['172.17.0.2', 53]]);
  return ipvs;
}

describe('ipvsadm output', () => {
  it('-Ln matches a real minikube listing (trailing padding aside) and pads like ipvsadm', () => {
    const out = renderIpvsadmList(minikube());
    // As printed by ipvsadm on a minikube node (public tutorial output, trailing spaces trimmed there).
    const real = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  10.96.0.1:443 rr',
      '  -> 192.168.136.17:8443          Masq    1      0          0',
      'TCP  10.96.0.10:53 rr',
      '  -> 172.17.0.2:53                Masq    1      0          0',
      'TCP  10.96.0.10:9153 rr',
      '  -> 172.17.0.2:9153              Masq    1      0          0',
      'TCP  10.97.181.101:80 rr',
      '  -> 172.17.0.3:8000              Masq    1      0          0',
      '  -> 172.17.0.4:8000              Masq    1      0          0',
      '  -> 172.17.0.5:8000              Masq    1      0          0',
      'UDP  10.96.0.10:53 rr',
      '  -> 172.17.0.2:53                Masq    1      0          0',
      '',
    ].join('\n');
    expect(out.replace(/ +$/gm, '')).toBe(real);
    // "%-10u" leaves the InActConn column padded to ten characters.
    expect(out.split('\n')[4]).toBe('  -> 192.168.136.17:8443          Masq    1      0          0         ');
  });

  it('shows counters, persistence, scheduler flags and kube-proxy mh', () => {
    const { ipvs } = newIpvs();
    ipvs.addService({ protocol: 6, addr: ip('10.20.30.41'), port: 80, scheduler: 'rr', flags: SVC_FLAGS.PERSISTENT, timeout: 10800 });
    ipvs.addService({ protocol: 6, addr: ip('10.20.30.42'), port: 80, scheduler: 'mh', flags: SVC_FLAGS.SCHED2 });
    ipvs.addService({ protocol: 132, addr: ip('10.20.30.43'), port: 80, scheduler: 'sh', flags: SVC_FLAGS.SCHED1 | SVC_FLAGS.SCHED2, timeout: 0 });
    ipvs.addService({ protocol: 17, addr: ip('10.20.30.44'), port: 53, scheduler: 'wlc', flags: SVC_FLAGS.PERSISTENT, timeout: 300, netmask: ip('255.255.255.0') });
    ipvs.addDest(6, ip('10.20.30.41'), 80, { addr: ip('10.180.0.1'), port: 80, weight: 1 });
    ipvs.addDest(6, ip('10.20.30.42'), 80, { addr: ip('10.180.0.2'), port: 80, weight: 0 });
    ipvs.schedule(pkt('10.0.0.1', 1000, '10.20.30.41', 80));
    const lines = renderIpvsadmList(ipvs).split('\n');
    expect(lines.slice(3)).toEqual([
      'TCP  10.20.30.41:80 rr persistent 10800',
      '  -> 10.180.0.1:80                Masq    1      0          1         ',
      'TCP  10.20.30.42:80 mh (mh-port)',
      '  -> 10.180.0.2:80                Masq    0      0          0         ',
      'UDP  10.20.30.44:53 wlc persistent 300 mask 255.255.255.0',
      'SCTP 10.20.30.43:80 sh (sh-fallback,sh-port)',
      '',
    ]);
    expect(renderIpvsadmSave(ipvs)).toBe(
      [
        '-A -t 10.20.30.41:80 -s rr -p 10800',
        '-a -t 10.20.30.41:80 -r 10.180.0.1:80 -m -w 1',
        '-A -t 10.20.30.42:80 -s mh -b mh-port',
        '-a -t 10.20.30.42:80 -r 10.180.0.2:80 -m -w 0',
        '-A -u 10.20.30.44:53 -s wlc -p 300 -M 255.255.255.0',
        '-A --sctp-service 10.20.30.43:80 -s sh -b sh-fallback,sh-port',
        '',
      ].join('\n'),
    );
  });

  it('sorts addresses by libipvs signed 32-bit difference (200.x before 10.x)', () => {
    const { ipvs } = newIpvs();
    ipvs.addService({ protocol: 6, addr: ip('10.0.0.1'), port: 80, scheduler: 'rr' });
    ipvs.addService({ protocol: 6, addr: ip('200.0.0.1'), port: 80, scheduler: 'rr' });
    expect(renderIpvsadmSave(ipvs)).toBe('-A -t 200.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -s rr\n');
    expect(renderIpvsadmSave(ipvs, { sort: false })).toBe('-A -t 10.0.0.1:80 -s rr\n-A -t 200.0.0.1:80 -s rr\n');
  });

  it('reads -Sn back into the same configuration', () => {
    const text = renderIpvsadmSave(minikube());
    const { ipvs } = newIpvs();
    applyIpvsadmCommands(ipvs, parseIpvsadmSave(text));
    expect(renderIpvsadmSave(ipvs)).toBe(text);
    expect(renderIpvsadmList(ipvs)).toBe(renderIpvsadmList(minikube()));
  });

  it('applies ipvsadm defaults and names the line of errors', () => {
    const cmds = parseIpvsadmSave('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.1.0.1\n-A -u 10.0.0.2:0 -p\n');
    expect(cmds[0]).toMatchObject({ kind: 'service', spec: { scheduler: 'wlc', flags: 0 } });
    expect(cmds[1]).toMatchObject({ kind: 'dest', dest: { port: 80, weight: 1, fwd: 'route' } });
    expect(cmds[2]).toMatchObject({ kind: 'service', spec: { flags: SVC_FLAGS.PERSISTENT, timeout: 300 } });
    const err = (text: string): KpemuError => {
      try {
        const { ipvs } = newIpvs();
        applyIpvsadmCommands(ipvs, parseIpvsadmSave(text, 'rules.ipvs'), 'rules.ipvs');
      } catch (e) {
        return e as KpemuError;
      }
      throw new Error('no error');
    };
    expect(err('\n-A -t 10.0.0.1:0 -s rr\n').describe()).toBe('rules.ipvs:2: Zero port specified for non-persistent service');
    expect(err('-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -s rr\n').describe()).toBe('rules.ipvs:2: 10.0.0.1:80/TCP: Service already exists');
    expect(err('-A -t 10.0.0.1:80 -s lblc\n').code).toBe('IPVS_BAD_SCHEDULER');
    expect(err('-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m\n').code).toBe('IPVS_NO_SERVICE');
    expect(err('-A -f 1 -s rr\n').code).toBe('IPVS_PARSE');
    expect(err('-A -t 10.0.0.1:80 -b sh-bogus\n').message).toBe("invalid scheduler flag `sh-bogus'");
  });
});

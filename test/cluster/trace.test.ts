import { describe, expect, it } from 'vitest';
import { Cluster, firstPacket, parseDest, parseSource, planTrace, replyPacket, traceJourney } from '../../src/cluster/index.js';
import { formatIpv4, KpemuError } from '../../src/core/index.js';
import { loadClusterFiles } from '../../src/kube/index.js';
import { renderTraceText } from '../../src/trace/index.js';

const DEMO = new URL('../../fixtures/clusters/demo.yaml', import.meta.url).pathname;
const OVERALL = new URL('../../fixtures/clusters/kube-proxy-overall.yaml', import.meta.url).pathname;

describe('planning and running a trace', () => {
  it('traces pod → service across nodes and the reply back, hop by hop', () => {
    const c = Cluster.build(loadClusterFiles([DEMO]), { seed: 3 });
    const plan = planTrace(c, { from: parseSource('pod/default/client'), to: parseDest('svc/default/web') });
    const j = traceJourney(c, plan.sender, firstPacket(plan), { allRules: false, title: plan.description });
    expect(j.end.outcome).toBe('delivered');
    const text = renderTraceText(j.events, { color: false, verbose: false });
    expect(text).toContain('▸ pod/default/client');
    expect(text).toMatch(/DNAT 10\.96\.0\.20:80 → 10\.244\.\d\.10:8080/);
    expect(text).toContain('KUBE-SERVICES');
    const back = traceJourney(c, j.end.netns, replyPacket(j.end.packet), { allRules: false, title: 'reply' });
    expect(back.end.outcome).toBe('delivered');
    expect(back.end.netns.place.netns).toBe('pod/default/client');
    expect(formatIpv4(back.end.packet.src)).toBe('10.96.0.20');
  });

  it('treats other addresses as external clients entering the owning node, and 127.0.0.1 as the node itself', () => {
    const c = Cluster.build(loadClusterFiles([OVERALL]), { seed: 1 });
    const ext = planTrace(c, { from: parseSource('203.0.113.2'), to: parseDest('192.168.0.2:3003') });
    expect(ext.sender.place.netns).toBe('client');
    const j = traceJourney(c, ext.sender, firstPacket(ext), { allRules: false, title: ext.description });
    expect(j.end.packet.dst).not.toBe(ext.dst);
    const local = planTrace(c, { from: parseSource('127.0.0.1'), to: parseDest('127.0.0.1:3001') });
    expect(local.sender.place).toEqual({ node: 'test-node', netns: 'host' });
  });

  it('names close matches for unknown services and pods', () => {
    const c = Cluster.build(loadClusterFiles([DEMO]), { seed: 3 });
    const err = (() => {
      try {
        planTrace(c, { from: parseSource('pod/default/clinet'), to: parseDest('svc/default/web') });
      } catch (e) {
        return e as KpemuError;
      }
      throw new Error('expected an error');
    })();
    expect(err.code).toBe('CLI_NOT_FOUND');
    expect(err.message).toContain('pod/default/client');
    expect(() => parseDest('svc/default')).toThrow(/expected svc/);
  });
});

import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster/index.js';
import { renderIpvsadmSave } from '../../src/ipvs/index.js';
import { loadClusterFiles, type ProxyMode } from '../../src/kube/index.js';

/**
 * A cluster hands each node's proxier the Services and EndpointSlices only when the proxier is
 * first handed out (a trace crosses few nodes). Every way of reaching a proxier must see it with
 * its objects: the rules and ipsets a sync writes are compared with those of an eager build, in
 * which every node synced while building.
 */
const DEMO = new URL('../../fixtures/clusters/demo.yaml', import.meta.url).pathname;
const MODES: readonly ProxyMode[] = ['iptables', 'ipvs'];

/** What a node's kube-proxy wrote: its iptables and, in IPVS mode, its ipsets and virtual services. */
function written(c: Cluster, node: string): string {
  const host = c.topology.node(node).host;
  const sets = host.ipsets?.save() ?? '';
  const ipvs = host.ipvsHooks === null ? '' : renderIpvsadmSave(host.ipvsHooks.ipvs, { sort: true });
  return `${host.iptables.save()}\n${sets}\n${ipvs}`;
}

function build(mode: ProxyMode, eager = false): Cluster {
  return Cluster.build(loadClusterFiles([DEMO]), { seed: 5, mode, eager });
}

describe.each(MODES)('proxiers given their objects on first use (%s mode)', (mode) => {
  const eager = build(mode, true);
  const nodes = [...eager.topology.nodes.keys()];

  it('the demo has several nodes whose eager sync wrote rules for its Services', () => {
    expect(nodes.length).toBeGreaterThan(1);
    // kube-dns's cluster IP: in the KUBE-SERVICES rules (iptables) or a virtual service (IPVS).
    for (const node of nodes) expect(written(eager, node)).toContain('10.96.0.10');
  });

  it('syncNode writes what the eager build wrote', () => {
    const c = build(mode);
    for (const node of nodes) {
      c.syncNode(node);
      expect(written(c, node)).toBe(written(eager, node));
    }
  });

  it('a proxier taken from the map with get() and synced directly writes the same', () => {
    const c = build(mode);
    for (const node of nodes) {
      const report = c.proxiers.get(node)?.sync();
      expect(report?.ok).toBe(true);
      expect(written(c, node)).toBe(written(eager, node));
    }
  });

  it('proxiers reached by iterating the map write the same', () => {
    const viaValues = build(mode);
    for (const p of viaValues.proxiers.values()) p.sync();
    const viaEntries = build(mode);
    for (const [, p] of viaEntries.proxiers) p.sync();
    const viaForEach = build(mode);
    viaForEach.proxiers.forEach((p) => void p.sync());
    for (const node of nodes) {
      expect(written(viaValues, node)).toBe(written(eager, node));
      expect(written(viaEntries, node)).toBe(written(eager, node));
      expect(written(viaForEach, node)).toBe(written(eager, node));
    }
  });

  it('a proxier synced again after syncNode writes nothing new (its objects are set once)', () => {
    const c = build(mode);
    const node = nodes[0] as string;
    c.syncNode(node);
    const before = written(c, node);
    c.proxiers.get(node)?.sync();
    expect(written(c, node)).toBe(before);
  });

  it('keys and has name every node without handing out proxiers', () => {
    const c = build(mode);
    expect([...c.proxiers.keys()]).toEqual(nodes);
    for (const node of nodes) expect(c.proxiers.has(node)).toBe(true);
    expect(c.proxiers.size).toBe(nodes.length);
  });
});

import { expect, it } from 'vitest';
import { describeKernel, linkVeth, withNetns } from './netns.js';

describeKernel('kernel test harness', ['ip', 'ping'], () => {
  it('creates two namespaces joined by a veth pair that can ping each other, and removes them', async () => {
    let names: string[] = [];
    await withNetns(['a', 'b'], ([a, b]) => {
      if (a === undefined || b === undefined) throw new Error('namespaces missing');
      names = [a.name, b.name];
      linkVeth(a, 'va', '10.99.0.1/24', b, 'vb', '10.99.0.2/24');
      const r = a.exec(['ping', '-c', '1', '-W', '2', '10.99.0.2']);
      expect(r.status).toBe(0);
    });
    const { spawnSync } = await import('node:child_process');
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const n of names) expect(list).not.toContain(n);
  });
});

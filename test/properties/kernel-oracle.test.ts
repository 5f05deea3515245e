/**
 * The kernel as oracle. Random clusters: node-1's rules (kube-proxy's and flannel's, from the
 * emulated node's iptables-save) are loaded into a real namespace wired like the emulated node,
 * and first packets are sent from pod, node and external namespaces. Random raw rulesets: loaded
 * into the same lab and into an emulated namespace wired the same way. In both, the NAT the
 * kernel applied (conntrack -L), its REJECTs (the ICMP or reset the sender got) and its DROPs
 * must be one of the outcomes kpemu gives a non-zero probability. Runs as root only (see
 * test/support/netns.ts for the safety rules); prints how much it checked.
 *
 * KPEMU_PROPERTY_SEED replays a run's generated inputs; KPEMU_PROPERTY_RUNS raises the number of
 * clusters and rulesets.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { clusterArb } from '../arbitraries/cluster.js';
import { clusterYaml } from '../arbitraries/cluster-yaml.js';
import { probeArgs, trafficShapeArb } from '../arbitraries/traffic.js';
import { describeKernel } from '../support/netns.js';
import { checkClusterOnKernel, describeMismatch, type OracleMismatch } from './support/kernel-clusters.js';
import { withNodeLab } from './support/kernel-node-lab.js';
import { checkRulesetOnKernel, type RulesetResult } from './support/kernel-rulesets.js';
import { rulesetArb } from '../arbitraries/kernel-rulesets.js';
import { seedArb } from './support/inputs.js';
import { propertyRuns } from './support/run.js';

const MIN_CLUSTERS = propertyRuns(24);
const MIN_PACKETS = 200;
const MAX_CLUSTERS = MIN_CLUSTERS * 3;
const RULESETS = propertyRuns(40);
const TOOLS = ['iptables-legacy-restore', 'iptables-legacy', 'conntrack', 'nfacct', 'python3'];

function runSeed(): number {
  const env = process.env['KPEMU_PROPERTY_SEED'];
  return env !== undefined && env !== '' ? Number(env) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

function tally(m: ReadonlyMap<string, number>): string {
  return [...m].sort().map(([k, n]) => `${k} ${n}`).join(', ');
}

describeKernel('the kernel as oracle', TOOLS, () => {
  it(`random clusters: node-1's rules in a real namespace give the NAT kpemu predicts (≥ ${MIN_PACKETS} packets over ≥ ${MIN_CLUSTERS} clusters)`, async () => {
    const seed = runSeed();
    const inputs = fc.sample(fc.record({ gen: clusterArb({ maxNodes: 2 }), seed: seedArb, traffic: fc.array(trafficShapeArb, { minLength: 16, maxLength: 16 }) }), { numRuns: MAX_CLUSTERS, seed });
    let clusters = 0;
    let packets = 0;
    const verdicts = new Map<string, number>();
    const failures: { yamlFile: string; mismatches: readonly OracleMismatch[]; seed: number }[] = [];
    const started = performance.now();
    await withNodeLab((lab) => {
      for (const input of inputs) {
        if (clusters >= MIN_CLUSTERS && packets >= MIN_PACKETS) break;
        const r = checkClusterOnKernel(lab, input.gen, input.seed, input.traffic, 20000 + ((clusters * 20) % 40000));
        if (r.checked === 0) continue;
        clusters++;
        packets += r.checked;
        for (const [k, n] of r.verdicts) verdicts.set(k, (verdicts.get(k) ?? 0) + n);
        if (r.mismatches.length > 0) {
          const dir = process.env['KPEMU_PROPERTY_OUT'] ?? join(tmpdir(), 'kpemu-properties');
          mkdirSync(dir, { recursive: true });
          const yamlFile = join(dir, `kernel-oracle-${seed}-cluster-${clusters}.yaml`);
          writeFileSync(yamlFile, clusterYaml(input.gen.objects, ['Kernel oracle mismatch (node-1):', ...r.mismatches.flatMap((m) => describeMismatch(m).split('\n'))]));
          failures.push({ yamlFile, mismatches: r.mismatches, seed: input.seed });
        }
      }
    });
    console.log(`kernel oracle (clusters): ${packets} first packets over ${clusters} random clusters checked against the kernel in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${seed}); kernel verdicts: ${tally(verdicts)}; mismatches: ${failures.reduce((n, f) => n + f.mismatches.length, 0)}`);
    const report = failures
      .map((f) => `${f.yamlFile}\n${f.mismatches.map((m) => `  ${describeMismatch(m)}\n    replay: kpemu trace ${f.yamlFile} ${probeArgs(m.probe).join(' ')} --mode iptables --seed ${f.seed} --all-paths`).join('\n')}`)
      .join('\n');
    expect(report, `kernel and kpemu disagree (re-run with KPEMU_PROPERTY_SEED=${seed})`).toBe('');
    expect(clusters).toBeGreaterThanOrEqual(MIN_CLUSTERS);
    expect(packets).toBeGreaterThanOrEqual(MIN_PACKETS);
  }, 180_000);

  it(`random raw rulesets: the kernel's NAT, REJECTs and DROPs are outcomes kpemu predicts (${RULESETS} rulesets)`, async () => {
    const seed = runSeed();
    const sets = fc.sample(rulesetArb, { numRuns: RULESETS, seed });
    const started = performance.now();
    const results: RulesetResult[] = [];
    await withNodeLab((lab) => {
      for (const set of sets) results.push(checkRulesetOnKernel(lab, set));
    });
    const loaded = results.filter((r) => r.loaded);
    const packets = loaded.reduce((n, r) => n + r.checked, 0);
    const refused = results.filter((r) => !r.loaded).length;
    const verdicts = new Map<string, number>();
    for (const r of loaded) for (const [k, n] of r.verdicts) verdicts.set(k, (verdicts.get(k) ?? 0) + n);
    const problems = results.flatMap((r) => r.problems);
    console.log(
      `kernel oracle (raw rulesets): ${packets} packets over ${loaded.length} rulesets the kernel accepted, ${refused} rulesets the kernel refused (skipped; kpemu refused them too unless listed), in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${seed}); kernel verdicts: ${tally(verdicts)}; problems: ${problems.length}`,
    );
    expect(problems.join('\n\n'), `kernel and kpemu disagree (re-run with KPEMU_PROPERTY_SEED=${seed})`).toBe('');
    // Not vacuous: enough rulesets reached the kernel to compare packets. The kernel refuses about
    // half of the random rulesets (18 to 25 of 40 seen across seeds), so the floor is a quarter.
    expect(loaded.length).toBeGreaterThanOrEqual(RULESETS / 4);
    expect(packets).toBeGreaterThan(0);
  }, 180_000);
});

import { expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { emptyNamespace } from '../support/emulated.js';
import { describeKernel, withNetns } from '../support/netns.js';
import { COMMON_SETUP, ENGINE_CASES } from './text/kernel-cases.js';

/** The line a real iptables-restore names in "line N failed" / "Error occurred at line: N". */
function realLine(stderr: string): number | undefined {
  const m = /line:? (\d+)/.exec(stderr);
  return m === null ? undefined : Number(m[1]);
}

/** Jump graphs: loops are refused only where a walk from a built-in chain can reach them. */
const LOOP_CASES: readonly { name: string; rules: string }[] = [
  ['reachable self jump', '-A X -j X'],
  ['reachable self goto', '-A X -g X'],
  ['goto then jump back', '-A X -g Y|-A Y -j X'],
  ['two gotos', '-A X -g Y|-A Y -g X'],
  ['unreachable loop', '-A Y -j Z|-A Z -j Y'],
  ['loop behind an unconditional RETURN', '-A X -j RETURN|-A X -j X'],
  ['loop behind a conditional RETURN', '-A X -p tcp -j RETURN|-A X -j X'],
  ['loop behind an unconditional ACCEPT', '-A X -j ACCEPT|-A X -g Y|-A Y -j X'],
  ['MASQUERADE in PREROUTING behind an unconditional RETURN', '-A X -j RETURN|-A X -j MASQUERADE', 'nat'],
].map(([name, body, table]) => ({
  name: name as string,
  rules: [`*${table ?? 'filter'}`, ':X - [0:0]', ':Y - [0:0]', ':Z - [0:0]', `-A ${table === 'nat' ? 'PREROUTING' : 'FORWARD'} -j X`, ...(body as string).split('|'), 'COMMIT', ''].join('\n'),
}));

describeKernel('jump loops: the emulator accepts and refuses what the kernel does', ['iptables-legacy-restore'], () => {
  it(`${LOOP_CASES.length} jump graphs`, async () => {
    const problems: string[] = [];
    await withNetns(['loops'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const c of LOOP_CASES) {
        const real = ns.exec(['iptables-legacy-restore'], c.rules);
        let mine: number | undefined;
        let accepted = true;
        try {
          emptyNamespace().iptables.restoreAll(c.rules, { noflush: false, counters: false });
        } catch (e) {
          accepted = false;
          mine = isKpemuError(e) ? e.location?.line : -1;
        }
        if (accepted !== (real.status === 0)) problems.push(`[${c.name}] kpemu ${accepted ? 'accepted' : 'refused'} it, the kernel ${real.status === 0 ? 'accepted' : 'refused'} it`);
        else if (!accepted && mine !== realLine(real.stderr)) problems.push(`[${c.name}] line ${mine} vs the kernel's ${real.stderr.trim()}`);
      }
    });
    expect(problems.join('\n')).toBe('');
  });
});

describeKernel('restores the kernel refuses, the emulator refuses at the same line', ['iptables-legacy-restore', 'nfacct'], () => {
  it(`${ENGINE_CASES.length} rulesets refused by table state or the kernel's checks`, async () => {
    const problems: string[] = [];
    await withNetns(['engine'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const cmd of COMMON_SETUP) ns.execOk(cmd.split(' '));
      for (const c of ENGINE_CASES) {
        const real = ns.exec(['iptables-legacy-restore'], c.rules);
        const emu = emptyNamespace();
        let mine: unknown = null;
        try {
          emu.iptables.restoreAll(c.rules, { noflush: false, counters: false });
        } catch (e) {
          mine = e;
        }
        if (real.status === 0) problems.push(`[${c.name}] the real tool accepted it`);
        if (mine === null) {
          problems.push(`[${c.name}] kpemu accepted it; the kernel said: ${real.stderr.trim()}`);
          continue;
        }
        if (!isKpemuError(mine)) {
          problems.push(`[${c.name}] kpemu threw a non-KpemuError: ${String(mine)}`);
          continue;
        }
        if (mine.location?.line !== realLine(real.stderr)) problems.push(`[${c.name}] kpemu says line ${mine.location?.line} (${mine.message}); the kernel: ${real.stderr.trim()}`);
        if (emu.iptables.save() !== '') problems.push(`[${c.name}] kpemu changed its tables despite the error`);
      }
    });
    expect(problems.join('\n')).toBe('');
  });
});

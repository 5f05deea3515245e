import { describe, expect, it } from 'vitest';
import { kpemu, STACK } from './support/cli.js';

const COMMANDS = ['trace', 'replay', 'rules', 'iptables', 'validate', 'demo', 'bench'];

describe('help and usage', () => {
  it('kpemu --help lists every command', () => {
    const r = kpemu(['--help']);
    expect(r.status).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it.each(COMMANDS.filter((c) => c !== 'demo'))('kpemu %s --help shows options and examples', (command) => {
    const r = kpemu([command, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: kpemu ${command}`);
    expect(r.stdout).toContain('EXAMPLES');
    expect(r.stdout).toContain('EXIT STATUS');
  });

  it('kpemu demo --help and kpemu help trace', () => {
    expect(kpemu(['demo', '--help']).stdout).toContain('Usage: kpemu demo');
    const r = kpemu(['help', 'trace']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SOURCES (--from)');
    expect(r.stdout).toContain('DESTINATIONS (--to)');
  });

  it('--version', () => {
    const r = kpemu(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('no command: the help on stderr, exit 2; an unknown command: exit 2', () => {
    const none = kpemu([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Usage: kpemu');
    const unknown = kpemu(['tarce']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^kpemu: unknown command 'tarce'\n\(Did you mean trace\?\)/);
    expect(unknown.stderr).not.toMatch(STACK);
  });

  it('bench: bad lists are usage errors', () => {
    const r = kpemu(['bench', '--services', '10,abc']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('kpemu: --services: "abc" is not a positive count (e.g. 100, 1k, 10k)\n');
    expect(kpemu(['bench', '--modes', 'nft']).stderr).toBe('kpemu: --modes: "nft" is not a mode (iptables, ipvs)\n');
  });
});

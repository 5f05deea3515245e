import type { PortRange, Target } from '../ast.js';
import { parseError } from '../text/errors.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { natPortsAllowed, parseNatPorts } from './nat-range.js';
import { arg0, checkInvert, checkOnce, NONE_INVERTIBLE, hasUse } from './option-checks.js';

type MasqueradeTarget = Extract<Target, { kind: 'masquerade' }>;

/**
 * `-j MASQUERADE [--to-ports P[-P]] [--random] [--random-fully]`, libxt_MASQUERADE. Ports use a
 * dash (a colon is refused) and need a port protocol in `-p`. POSTROUTING only (kernel check).
 */
export function parseMasqueradeTarget(_name: string, uses: readonly OptionUse[]): MasqueradeTarget {
  checkOnce('MASQUERADE', uses);
  checkInvert('MASQUERADE', uses, NONE_INVERTIBLE);
  let ports: PortRange | undefined;
  for (const u of uses) {
    if (u.name !== 'to-ports') continue;
    if (!natPortsAllowed(u)) throw parseError('Need TCP, UDP, SCTP or DCCP with port specification');
    ports = parseNatPorts(arg0(u));
  }
  const t: { -readonly [K in keyof MasqueradeTarget]: MasqueradeTarget[K] } = {
    kind: 'masquerade',
    random: hasUse(uses, 'random'),
    randomFully: hasUse(uses, 'random-fully'),
  };
  if (ports !== undefined) t.ports = ports;
  return t;
}

function portsText(p: PortRange): string {
  return p.lo === p.hi ? String(p.lo) : `${p.lo}-${p.hi}`;
}

/** The module: its options, parse, save and print. */
export const masqueradeTarget: TargetModule<MasqueradeTarget> = {
  kind: 'masquerade',
  names: ['MASQUERADE'],
  options: [
    { names: ['to-ports'], args: 1 },
    { names: ['random'], args: 0 },
    { names: ['random-fully'], args: 0 },
  ],
  parse: parseMasqueradeTarget,
  save: (t) =>
    ` -j MASQUERADE${t.ports !== undefined ? ` --to-ports ${portsText(t.ports)}` : ''}${t.random ? ' --random' : ''}${t.randomFully ? ' --random-fully' : ''}`,
  listName: () => 'MASQUERADE',
  print: (t) =>
    `${t.ports !== undefined ? ` masq ports: ${portsText(t.ports)}` : ''}${t.random ? ' random' : ''}${t.randomFully ? ' random-fully' : ''}`,
};

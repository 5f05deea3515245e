import type { Target } from '../ast.js';
import { parseError } from '../text/errors.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { checkExclusive, checkInvert, checkOnce, hex, parseUint32Option, NONE_INVERTIBLE } from './option-checks.js';
import { describeXmark, markOperation } from './target-mark.js';

type ConnmarkTarget = Extract<Target, { kind: 'connmark' }>;

/**
 * `-j CONNMARK`, libxt_CONNMARK revision 1. Options act in the order written, as in iptables:
 * the set forms (--set-xmark, --set-mark, --and/or/xor-mark) set (ctmark, ctmask) like MARK does;
 * --save-mark and --restore-mark pick the mode; --mask sets both nfmask and ctmask, --nfmask and
 * --ctmask one each. Both masks start at 0xffffffff. So `--set-mark 1 --mask 0xff` is 0x1/0xff
 * but `--mask 0xff --set-mark 1` is 0x1/0xffffffff.
 */

const MODES = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark', 'save-mark', 'restore-mark'];

/** Builds the typed target from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseConnmarkTarget(_name: string, uses: readonly OptionUse[]): ConnmarkTarget {
  checkOnce('CONNMARK', uses);
  checkInvert('CONNMARK', uses, NONE_INVERTIBLE);
  checkExclusive('CONNMARK', uses, MODES);
  checkExclusive('CONNMARK', uses, ['mask', 'nfmask']);
  checkExclusive('CONNMARK', uses, ['mask', 'ctmask']);
  let mode: 'set' | 'save' | 'restore' | undefined;
  let value = 0;
  let ctmask = 0xffffffff;
  let nfmask = 0xffffffff;
  for (const u of uses) {
    switch (u.name) {
      case 'save-mark':
        mode = 'save';
        break;
      case 'restore-mark':
        mode = 'restore';
        break;
      case 'mask':
        nfmask = ctmask = parseUint32Option('CONNMARK', u);
        break;
      case 'nfmask':
        nfmask = parseUint32Option('CONNMARK', u);
        break;
      case 'ctmask':
        ctmask = parseUint32Option('CONNMARK', u);
        break;
      default: {
        const op = markOperation('CONNMARK', u);
        mode = 'set';
        value = op.value;
        ctmask = op.mask;
      }
    }
  }
  if (mode === undefined) throw parseError('CONNMARK target: No operation specified');
  if (mode === 'set') return { kind: 'connmark', mode, value, mask: ctmask };
  return { kind: 'connmark', mode, nfmask, ctmask };
}

/** The target as iptables-save prints it, from ` -j`. */
export function saveConnmarkTarget(t: ConnmarkTarget): string {
  if (t.mode === 'set') return ` -j CONNMARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`;
  return ` -j CONNMARK --${t.mode}-mark --nfmask ${hex(t.nfmask)} --ctmask ${hex(t.ctmask)}`;
}

/** What `iptables -L -n` prints for the target. */
export function printConnmarkTarget(t: ConnmarkTarget): string {
  if (t.mode === 'set') return ` CONNMARK ${describeXmark(t.value, t.mask)}`;
  const all = t.nfmask >>> 0 === 0xffffffff && t.ctmask >>> 0 === 0xffffffff;
  if (t.mode === 'save') {
    if (all) return ' CONNMARK save';
    if (t.nfmask === t.ctmask) return ` CONNMARK save mask ${hex(t.nfmask)}`;
    return ` CONNMARK save nfmask ${hex(t.nfmask)} ctmask ~${hex(t.ctmask)}`;
  }
  if (all) return ' CONNMARK restore';
  if (t.nfmask === t.ctmask) return ` CONNMARK restore mask ${hex(t.ctmask)}`;
  return ` CONNMARK restore ctmask ${hex(t.ctmask)} nfmask ~${hex(t.nfmask)}`;
}

/** The module: its options, parse, save and print. */
export const connmarkTarget: TargetModule<ConnmarkTarget> = {
  kind: 'connmark',
  names: ['CONNMARK'],
  options: [
    { names: ['set-xmark'], args: 1 },
    { names: ['set-mark'], args: 1 },
    { names: ['and-mark'], args: 1 },
    { names: ['or-mark'], args: 1 },
    { names: ['xor-mark'], args: 1 },
    { names: ['save-mark'], args: 0 },
    { names: ['restore-mark'], args: 0 },
    { names: ['mask'], args: 1 },
    { names: ['nfmask'], args: 1 },
    { names: ['ctmask'], args: 1 },
  ],
  parse: parseConnmarkTarget,
  save: saveConnmarkTarget,
  listName: () => 'CONNMARK',
  print: printConnmarkTarget,
};

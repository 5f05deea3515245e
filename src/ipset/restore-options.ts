import { IPSET_MAX_COMMENT_SIZE, IPSET_MAX_TIMEOUT, SET_TYPES, type CreateOptions, type EntryExtensions, type SetTypeName } from './types.js';
import { matchOption } from './restore-argv.js';

/**
 * The options after `create NAME TYPE` and after `add/del/test NAME ELEMENT` as the ipset tool
 * parses them (keywords, values, range checks, messages). Errors go through `s.fail`, which the
 * restore session turns into an IPSET_PARSE error on the current line.
 */

/** Where parse errors go. */
export interface Fail {
  fail(code: 'IPSET_PARSE', message: string): never;
}

function parseUint(s: Fail, text: string, max: number): number {
  const v = /^0[xX][0-9a-fA-F]+$/.test(text) ? parseInt(text.slice(2), 16) : /^[0-9]+$/.test(text) ? parseInt(text, 10) : NaN;
  if (Number.isNaN(v)) s.fail('IPSET_PARSE', `Syntax error: '${text}' is invalid as number`);
  if (v > max) s.fail('IPSET_PARSE', `Syntax error: '${text}' is out of range 0-${max}`);
  return v;
}

/** Types the kernel has and kpemu does not model (they get a clear error instead of "unknown"). */
export const UNMODELLED_TYPES: readonly string[] = [
  'bitmap:ip',
  'bitmap:ip,mac',
  'hash:mac',
  'hash:ip,mac',
  'hash:ip,mark',
  'hash:net,net',
  'hash:net,port',
  'hash:net,port,net',
  'hash:net,iface',
  'list:set',
];

const UNSUPPORTED_CREATE = ['skbinfo', 'forceadd', 'netmask', 'markmask', 'bitmask', 'probes', 'resize', 'size', 'gc'];

export function parseCreateOptions(s: Fail, type: SetTypeName, args: string[]): CreateOptions {
  const isHash = SET_TYPES[type].kind === 'hash';
  const o: { -readonly [K in keyof CreateOptions]: CreateOptions[K] } = {};
  let rangeSeen = false;
  const allowed = isHash
    ? ['family', 'hashsize', 'maxelem', 'timeout', 'counters', 'comment', 'bucketsize', 'initval', '-4', '-6']
    : ['range', 'timeout', 'counters', 'comment'];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const key = allowed.find((k) => matchOption(word, k));
    if (key === undefined) {
      const bare = word.replace(/^--/, '');
      if (UNSUPPORTED_CREATE.includes(bare)) s.fail('IPSET_PARSE', `kpemu does not model the create option '${bare}'`);
      s.fail('IPSET_PARSE', `Unknown argument: \`${word}'`);
    }
    const takesArg = key !== 'counters' && key !== 'comment' && key !== '-4' && key !== '-6';
    let value = '';
    if (takesArg) {
      const v = args[i + 1];
      if (v === undefined) s.fail('IPSET_PARSE', `Missing mandatory argument of option \`${key}'`);
      value = v;
      i++;
    }
    switch (key) {
      case 'family':
        if (value === 'inet' || value === 'ipv4') break;
        if (value === 'inet6' || value === 'ipv6') s.fail('IPSET_PARSE', 'kpemu models family inet only');
        s.fail('IPSET_PARSE', `Syntax error: unknown family '${value}'`);
        break;
      case '-4':
        break;
      case '-6':
        s.fail('IPSET_PARSE', 'kpemu models family inet only');
        break;
      case 'hashsize':
        o.hashsize = parseUint(s, value, 0xffffffff);
        break;
      case 'maxelem':
        o.maxelem = parseUint(s, value, 0xffffffff);
        break;
      case 'bucketsize':
        o.bucketsize = parseUint(s, value, 255);
        break;
      case 'initval':
        o.initval = parseUint(s, value, 0xffffffff);
        break;
      case 'timeout':
        o.timeout = parseUint(s, value, IPSET_MAX_TIMEOUT);
        break;
      case 'counters':
        o.counters = true;
        break;
      case 'comment':
        o.comment = true;
        break;
      case 'range': {
        const dash = value.indexOf('-');
        if (dash < 0) s.fail('IPSET_PARSE', "Mandatory option `to' is missing");
        const from = parseUint(s, value.slice(0, dash), 65535);
        const to = parseUint(s, value.slice(dash + 1), 65535);
        o.range = { from, to };
        rangeSeen = true;
        break;
      }
      default:
        break;
    }
  }
  if (!isHash && !rangeSeen) s.fail('IPSET_PARSE', "Mandatory option `range' is missing");
  return o;
}

const UNSUPPORTED_ADT = ['skbmark', 'skbprio', 'skbqueue'];

export function parseAdtOptions(s: Fail, type: SetTypeName, cmd: 'add' | 'del' | 'test', args: string[]): EntryExtensions {
  const isNet = SET_TYPES[type].netDimension !== 0;
  const allowed: string[] = cmd === 'add' ? ['timeout', 'packets', 'bytes', 'comment'] : [];
  if (isNet) allowed.push('nomatch');
  const o: { -readonly [K in keyof EntryExtensions]: EntryExtensions[K] } = {};
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const key = allowed.find((k) => matchOption(word, k));
    if (key === undefined) {
      const bare = word.replace(/^--/, '');
      if (cmd === 'add' && UNSUPPORTED_ADT.includes(bare)) s.fail('IPSET_PARSE', `kpemu does not model the option '${bare}'`);
      s.fail('IPSET_PARSE', `Unknown argument: \`${word}'`);
    }
    if (key === 'nomatch') {
      o.nomatch = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined) s.fail('IPSET_PARSE', `Missing mandatory argument of option \`${key}'`);
    i++;
    switch (key) {
      case 'timeout':
        o.timeout = parseUint(s, value, IPSET_MAX_TIMEOUT);
        break;
      case 'packets':
        o.packets = parseUint(s, value, Number.MAX_SAFE_INTEGER);
        break;
      case 'bytes':
        o.bytes = parseUint(s, value, Number.MAX_SAFE_INTEGER);
        break;
      case 'comment':
        if (value.length > IPSET_MAX_COMMENT_SIZE)
          s.fail('IPSET_PARSE', `Syntax error: Comment is longer than the maximum allowed ${IPSET_MAX_COMMENT_SIZE} characters`);
        o.comment = value;
        break;
      default:
        break;
    }
  }
  return o;
}

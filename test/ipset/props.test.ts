import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError, KpemuError } from '../../src/core/index.js';
import { parseDirections, SET_TYPES, type SetTypeName } from '../../src/ipset/index.js';
import { Packet } from '../../src/packet/index.js';
import { type ElementSpec, elementText, opSequenceArb, probeArb, restoreTextArb } from '../arbitraries/ipset.js';
import { newRegistry } from './support.js';

/** A naive model of a set: the list of entries, tested by scanning it. */
interface ModelEntry {
  readonly e: ElementSpec;
  readonly nomatch: boolean;
}

function sameElement(a: ElementSpec, b: ElementSpec): boolean {
  return a.ip === b.ip && a.proto === b.proto && a.port === b.port && a.ip2 === b.ip2 && a.cidr === b.cidr;
}

function inNet(addr: number, net: number, cidr: number): boolean {
  const mask = cidr === 0 ? 0 : (0xffffffff << (32 - cidr)) >>> 0;
  return ((addr & mask) >>> 0) === net;
}

/** What the kernel answers for a packet, computed by scanning the entries. */
function modelTest(type: SetTypeName, entries: readonly ModelEntry[], p: Packet, dirs: readonly ('src' | 'dst')[]): boolean {
  if (dirs.length < SET_TYPES[type].dimension) return false;
  const a1 = dirs[0] === 'src' ? p.src : p.dst;
  const withPorts = p.proto === 6 || p.proto === 17 || p.proto === 132;
  const port = withPorts ? (dirs[1] === 'src' ? p.sport : p.dport) : p.proto === 1 ? (p.icmpType << 8) | p.icmpCode : 0;
  const a3 = dirs[2] === 'src' ? p.src : p.dst;
  const longest = (cands: readonly ModelEntry[], addr: number, netOf: (m: ModelEntry) => number): boolean => {
    let best: ModelEntry | undefined;
    for (const m of cands) if (inNet(addr, netOf(m), m.e.cidr) && (best === undefined || m.e.cidr > best.e.cidr)) best = m;
    return best !== undefined && !best.nomatch;
  };
  switch (type) {
    case 'hash:ip':
      return a1 !== 0 && entries.some((m) => m.e.ip === a1);
    case 'hash:ip,port':
      return entries.some((m) => m.e.ip === a1 && m.e.proto === p.proto && m.e.port === port);
    case 'hash:ip,port,ip':
      return entries.some((m) => m.e.ip === a1 && m.e.proto === p.proto && m.e.port === port && m.e.ip2 === a3);
    case 'hash:ip,port,net':
      return longest(
        entries.filter((m) => m.e.ip === a1 && m.e.proto === p.proto && m.e.port === port),
        a3,
        (m) => m.e.ip2,
      );
    case 'hash:net':
      return longest(entries, a1, (m) => m.e.ip);
    case 'bitmap:port': {
      const bport = dirs[0] === 'src' ? p.sport : p.dport;
      return withPorts && entries.some((m) => m.e.port === bport);
    }
    default: {
      const never: never = type;
      return never;
    }
  }
}

describe('ipset properties', () => {
  it('membership of every packet agrees with a naive list model, through resizes and deletes', () => {
    fc.assert(
      fc.property(opSequenceArb, fc.array(probeArb, { minLength: 1, maxLength: 40 }), (seq, probes) => {
        const { reg } = newRegistry();
        const isNet = SET_TYPES[seq.type].netDimension !== 0;
        if (seq.type === 'bitmap:port') reg.create('S', seq.type, { range: { from: 0, to: 65535 } });
        else reg.create('S', seq.type, { hashsize: seq.hashsize, initval: seq.initval });
        const model: ModelEntry[] = [];
        for (const op of seq.ops) {
          const text = elementText(seq.type, op.e);
          const at = model.findIndex((m) => sameElement(m.e, op.e));
          if (op.op === 'add') {
            let code = 'ok';
            try {
              reg.add('S', text, isNet && op.nomatch ? { nomatch: true } : {});
            } catch (e) {
              code = (e as KpemuError).code;
            }
            expect(code).toBe(at >= 0 ? 'IPSET_EXISTS' : 'ok');
            if (at < 0) model.push({ e: op.e, nomatch: isNet && op.nomatch });
          } else {
            let code = 'ok';
            try {
              reg.del('S', text);
            } catch (e) {
              code = (e as KpemuError).code;
            }
            expect(code).toBe(at >= 0 ? 'ok' : 'IPSET_NOT_MEMBER');
            if (at >= 0) model.splice(at, 1);
          }
        }
        const listed = (reg.list('S')[0]?.entries ?? []).map((e) => e.text).sort();
        expect(listed).toEqual(model.map((m) => elementText(seq.type, m.e)).sort());
        const idx = reg.indexOf('S');
        const p = new Packet();
        for (const pr of probes) {
          p.reset();
          p.src = pr.src;
          p.dst = pr.dst;
          p.proto = pr.proto;
          p.sport = pr.sport;
          p.dport = pr.dport;
          const d = parseDirections(pr.dirs);
          expect(reg.testIndex(idx, p, d.dims, d.flags)).toBe(modelTest(seq.type, model, p, pr.dirs));
        }
        // Probing each stored element directly must find it (unless it is a nomatch entry).
        for (const m of model) {
          p.reset();
          p.src = m.e.ip2;
          p.dst = m.e.ip;
          p.proto = seq.type === 'hash:ip' || seq.type === 'hash:net' ? 6 : m.e.proto || 6;
          p.dport = m.e.port;
          const dirs: ('src' | 'dst')[] = ['dst', 'dst', 'src'];
          const d = parseDirections(dirs.slice(0, SET_TYPES[seq.type].dimension));
          expect(reg.testIndex(idx, p, d.dims, d.flags)).toBe(modelTest(seq.type, model, p, dirs.slice(0, d.dims)));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('save output restores to the same save output (order, sizes and init values included)', () => {
    fc.assert(
      fc.property(opSequenceArb, (seq) => {
        const { reg } = newRegistry();
        if (seq.type === 'bitmap:port') reg.create('S', seq.type, { range: { from: 0, to: 65535 } });
        else reg.create('S', seq.type, { hashsize: seq.hashsize, initval: seq.initval });
        for (const op of seq.ops) if (op.op === 'add') reg.add('S', elementText(seq.type, op.e), {}, { exist: true });
        const saved = reg.save();
        const { reg: again } = newRegistry(2);
        again.restore(saved);
        expect(again.save()).toBe(saved);
      }),
      { numRuns: 100 },
    );
  });

  it('restore never throws anything but a KpemuError, whatever the text', () => {
    fc.assert(
      fc.property(restoreTextArb, fc.boolean(), (text, atomic) => {
        const { reg } = newRegistry();
        try {
          reg.restore(text, { atomic });
        } catch (e) {
          if (!isKpemuError(e)) throw e;
          expect(e.location?.line).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400 },
    );
  });
});

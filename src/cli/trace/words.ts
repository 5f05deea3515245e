import { endpointText, type TracePlace } from '../../index.js';
import type { Endpoint, JourneySummary } from './outcome.js';

/** Wording shared by the text renderers. */

/** `node/NAME`, `pod/NS/NAME on NODE`, `external client NAME`. */
export function placeText(p: TracePlace): string {
  if (p.netns === 'host') return `node/${p.node}`;
  if (p.netns === 'client') return `external client ${p.node.replace(/^external-/, '')}`;
  return `${p.netns} on ${p.node}`;
}

export function endpoint(e: Endpoint): string {
  return endpointText(e.addr, e.port);
}

/** "delivered to pod/default/web-1 on node-1", "rejected on node/node-2 by filter/KUBE-SERVICES#7 (icmp-port-unreachable)". */
export function resultText(s: JourneySummary): string {
  const where = placeText(s.place);
  switch (s.verdict) {
    case 'delivered':
      return `delivered to ${where}`;
    case 'transmitted':
      return `sent out of ${s.outDev} on ${where}`;
    case 'dropped':
      if (s.decidedBy !== '') return `dropped on ${where} by ${s.decidedBy}`;
      return s.detail !== '' ? `dropped on ${where}: ${s.detail}` : `dropped on ${where} (${s.reason})`;
    case 'rejected':
      return `rejected on ${where} by ${s.decidedBy !== '' ? s.decidedBy : s.reason}${s.rejectWith !== '' ? ` (--reject-with ${s.rejectWith})` : ''}`;
    default: {
      const never: never = s.verdict;
      return never;
    }
  }
}

/**
 * A probability as a percentage, with the simple fraction it is (within rounding) when there is
 * one: kube-proxy writes 1/3 as 0.33333333349, so the exact value is only close to 1/3.
 */
export function probabilityText(p: number | null): string {
  if (p === null) return 'unknown';
  const pct = `${trimZeros((p * 100).toFixed(4))}%`;
  if (p >= 1 - 1e-9) return '100%';
  for (let d = 2; d <= 64; d++) {
    const n = Math.round(p * d);
    if (n > 0 && n < d && Math.abs(p - n / d) < 1e-7 && gcd(n, d) === 1) return `${pct} (${n}/${d})`;
  }
  return pct;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** `45.0%` for a share of a count. */
export function shareText(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${trimZeros(((part / whole) * 100).toFixed(1))}%`;
}

import { finalize32, mix32 } from '../core/index.js';

/**
 * A deterministic, locally administered unicast MAC for a device, from a seed and a name.
 * Real kernels pick random MACs for veth, bridge and VXLAN devices; a seed keeps runs replayable.
 */
export function macFor(seed: number, name: string): string {
  let h1 = seed | 0;
  let h2 = (seed ^ 0x5bd1e995) | 0;
  for (let i = 0; i < name.length; i++) {
    h1 = mix32(h1, name.charCodeAt(i));
    h2 = mix32(h2, name.charCodeAt(i) * 31);
  }
  const a = finalize32(h1);
  const b = finalize32(h2);
  const bytes = [0x02 | ((a >>> 24) & 0xfc), (a >>> 16) & 255, (a >>> 8) & 255, a & 255, (b >>> 8) & 255, b & 255];
  bytes[0] = ((bytes[0] as number) & 0xfe) | 0x02;
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

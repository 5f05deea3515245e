import { ManualClock, SeededRng } from '../../src/core/index.js';
import { NetNamespace } from '../../src/node/index.js';

/** A bare emulated namespace with a fixed clock and seed. */
export function emptyNamespace(name = 'test', seed = 1): NetNamespace {
  return new NetNamespace({ node: name, name: 'host', clock: new ManualClock(), rng: new SeededRng(seed) });
}

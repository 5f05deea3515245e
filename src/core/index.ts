export * from './errors.js';
export * from './ipv4.js';
export * from './rng.js';
export * from './clock.js';
export * from './hash.js';
export * from './open-table.js';
export * from './protocol.js';
export * from './explore.js';

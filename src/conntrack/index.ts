export * from './status.js';
export * from './table.js';
export * from './nat.js';
export * from './tracker.js';

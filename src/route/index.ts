export * from './fib.js';
export * from './neighbours.js';
export * from './fdb.js';

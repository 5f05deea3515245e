export * from './ast.js';
export type * from './api.js';

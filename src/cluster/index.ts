export * from './topology.js';
export * from './forwarding.js';
export * from './build.js';
export * from './single-node.js';
export * from './outcomes.js';
export * from './synthetic.js';
export * from './mac.js';

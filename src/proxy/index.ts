export * from './common/index.js';
export * from './iptables/index.js';
export * from './ipvs/index.js';

export * from './common/index.js';
export * from './iptables/index.js';

export * from './events.js';
export * from './render-text.js';
export * from './pcap.js';

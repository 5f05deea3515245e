export * from './events.js';
export * from './render-text.js';
export * from './pcap.js';
export * from './render-json.js';

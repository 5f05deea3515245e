export * from './events.js';
export * from './render-text.js';

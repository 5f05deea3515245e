export * from './device.js';
export * from './netns.js';
export * from './path-result.js';
export * from './walk.js';
export * from './bridged.js';
export * from './iproute-json.js';
export * from './ipvs-hooks.js';
export * from './cached-fib.js';

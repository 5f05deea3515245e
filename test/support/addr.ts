import { parseIpv4 } from '../../src/addr/index.js';

/** Shorthand for a uint32 address in tests. */
export const ip = (text: string): number => parseIpv4(text);

import { InvalidArgumentError } from 'commander';

/**
 * Parsers of option values for commander. A bad value is a usage error: commander prints
 * "error: option '--count <n>' argument 'x' is invalid. <reason>" and the command exits with 2.
 */

/** An integer in [min, max]. */
export function intIn(min: number, max: number): (text: string) => number {
  return (text) => {
    if (!/^[0-9]+$/.test(text)) throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`);
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`);
    return n;
  };
}

/** A TCP/UDP/SCTP port, or an ICMP echo identifier (1..65535). */
export const portValue = intIn(1, 65535);

/** A seed for the emulated randomness (uint32). */
export const seedValue = intIn(0, 0xffffffff);

/** For repeatable options: `--nfacct a --nfacct b` collects ['a', 'b']. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * For exhaustive switches: the compiler proves this is never reached; reaching it at run time
 * means a value bypassed the types (a cast or untyped input), which is a programming error.
 */
export function unreachable(x: never, what: string): never {
  throw new TypeError(`unhandled ${what}: ${JSON.stringify(x)}`);
}

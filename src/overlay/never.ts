/** For exhaustive switches: a value the type system says cannot exist. */
export function unreachable(x: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}

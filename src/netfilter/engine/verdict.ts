/** Netfilter verdicts as small integers so the hot path compares numbers. */
export const VERDICT = {
  DROP: 0,
  ACCEPT: 1,
  /** Dropped by REJECT: the caller sends the error packet (see `rejectWith` on the result). */
  REJECT: 2,
} as const;
export type Verdict = (typeof VERDICT)[keyof typeof VERDICT];

/** Internal: a target that lets the walk go on (XT_CONTINUE). */
export const CONTINUE = -1;

export function verdictName(v: Verdict): 'DROP' | 'ACCEPT' | 'REJECT' {
  return v === VERDICT.ACCEPT ? 'ACCEPT' : v === VERDICT.REJECT ? 'REJECT' : 'DROP';
}

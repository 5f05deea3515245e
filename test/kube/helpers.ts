import { expect } from 'vitest';
import type { KpemuError, ErrorCode } from '../../src/core/index.js';
import { validateClusterObjects, type ClusterValidation } from '../../src/kube/index.js';

/** Removes the first newline and the common indentation, so that a template's first line is line 1. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  if (text.startsWith('\n')) text = text.slice(1);
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** 1-based line of the first line of `text` that contains `needle` (after `from`, if given). */
export function lineOf(text: string, needle: string, from?: string): number {
  const lines = text.split('\n');
  let start = 0;
  if (from !== undefined) {
    start = lines.findIndex((l) => l.includes(from));
    if (start < 0) throw new Error(`marker ${JSON.stringify(from)} not found`);
  }
  const i = lines.findIndex((l, k) => k >= start && l.includes(needle));
  if (i < 0) throw new Error(`needle ${JSON.stringify(needle)} not found`);
  return i + 1;
}

export const FILE = 'cluster.yaml';

export function validate(text: string, file = FILE): ClusterValidation {
  return validateClusterObjects([{ file, text }]);
}

export interface ExpectedIssue {
  readonly code: ErrorCode;
  readonly line: number;
  readonly object?: string;
  readonly field?: string;
  /** Substring of the message. */
  readonly message?: string;
  readonly file?: string;
}

function matches(e: KpemuError, want: ExpectedIssue): boolean {
  const loc = e.location ?? {};
  return (
    e.code === want.code &&
    loc.line === want.line &&
    loc.file === (want.file ?? FILE) &&
    (want.object === undefined || loc.object === want.object) &&
    (want.field === undefined || loc.field === want.field) &&
    (want.message === undefined || e.message.includes(want.message))
  );
}

function show(list: readonly KpemuError[]): string {
  return list.map((e) => `  [${e.code}] ${e.describe()}`).join('\n') || '  (none)';
}

/** Asserts that exactly one error was reported and that it matches. */
export function expectOnlyError(result: ClusterValidation, want: ExpectedIssue): KpemuError {
  expect(result.errors.length, `errors:\n${show(result.errors)}`).toBe(1);
  const e = result.errors[0]!;
  expect(matches(e, want), `expected ${JSON.stringify(want)}\ngot:\n${show(result.errors)}`).toBe(true);
  return e;
}

/** Asserts that some error matches. */
export function expectError(result: ClusterValidation, want: ExpectedIssue): KpemuError {
  const e = result.errors.find((x) => matches(x, want));
  expect(e, `expected ${JSON.stringify(want)}\ngot:\n${show(result.errors)}`).toBeDefined();
  return e!;
}

/** Asserts that some warning matches. */
export function expectWarning(result: ClusterValidation, want: ExpectedIssue): KpemuError {
  const e = result.warnings.find((x) => matches(x, want));
  expect(e, `expected ${JSON.stringify(want)}\ngot:\n${show(result.warnings)}`).toBeDefined();
  return e!;
}

export function expectClean(result: ClusterValidation): void {
  expect(result.errors, `errors:\n${show(result.errors)}`).toHaveLength(0);
  expect(result.warnings, `warnings:\n${show(result.warnings)}`).toHaveLength(0);
}

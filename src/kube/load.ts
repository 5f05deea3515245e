import { readFileSync } from 'node:fs';
import { KpemuError } from '../core/index.js';
import type { ClusterObjects } from './types.js';
import { checkCluster } from './consistency.js';
import { readClusterText, type ParsedObject } from './objects.js';
import { defaultKubeProxyConfiguration } from './proxy-config.js';
import { Issues } from './reader.js';

/**
 * Loading cluster files: YAML or JSON, one or many documents, `kind: List`, several files that
 * together describe one cluster. Two entry points: `load*` returns the objects or throws the
 * first hard error (in file and line order); `validate*` never throws and reports every error
 * and warning, with the objects that survived.
 */

/** A cluster file's text and the name errors should use for it. */
export interface ClusterSource {
  readonly file: string;
  readonly text: string;
}

export interface ClusterValidation {
  /** The usable objects: those without hard errors. */
  readonly objects: ClusterObjects;
  /** Hard errors, in file and line order. */
  readonly errors: readonly KpemuError[];
  /** Things kube-proxy or flannel would log and live with, in file and line order. */
  readonly warnings: readonly KpemuError[];
}

/** Reads, validates and cross-checks all sources together. Never throws. */
export function validateClusterObjects(sources: readonly ClusterSource[]): ClusterValidation {
  const issues = new Issues();
  const all: ParsedObject[] = [];
  const skipped: Record<string, number> = {};
  for (const source of sources) {
    const result = readClusterText(source.text, source.file, issues);
    all.push(...result.objects);
    // Keys are `apiVersion/kind`, never a prototype property name: both parts are non-empty.
    for (const [key, count] of result.skipped) skipped[key] = (Object.hasOwn(skipped, key) ? (skipped[key] ?? 0) : 0) + count;
  }
  const checked = checkCluster(all, issues);
  const order = new Map(sources.map((s, i) => [s.file, i] as const));
  const errors = sortByPlace(issues.errors, order);
  const warnings = sortByPlace(issues.warnings, order);
  return {
    objects: {
      services: checked.services.map((p) => p.value),
      endpointSlices: checked.endpointSlices.map((p) => p.value),
      nodes: checked.nodes.map((p) => p.value),
      pods: checked.pods.map((p) => p.value),
      proxyConfig: checked.proxyConfig?.value ?? defaultKubeProxyConfiguration(),
      flannel: checked.flannel?.value ?? null,
      skipped,
      warnings: warnings.map((w) => w.describe()),
    },
    errors,
    warnings,
  };
}

/** Like {@link validateClusterObjects} but throws the first hard error (a KpemuError). */
export function loadCluster(sources: readonly ClusterSource[]): ClusterObjects {
  const result = validateClusterObjects(sources);
  const first = result.errors[0];
  if (first !== undefined) throw first;
  return result.objects;
}

/** Loads one text; `fileName` is what errors name. Throws the first hard error. */
export function loadClusterText(text: string, fileName: string): ClusterObjects {
  return loadCluster([{ file: fileName, text }]);
}

/** Loads files that together describe one cluster. Throws IO or the first hard error. */
export function loadClusterFiles(paths: readonly string[]): ClusterObjects {
  return loadCluster(paths.map(readSource));
}

/** Validates files; unreadable files are reported as IO errors rather than thrown. */
export function validateClusterFiles(paths: readonly string[]): ClusterValidation {
  const sources: ClusterSource[] = [];
  const ioErrors: KpemuError[] = [];
  for (const path of paths) {
    try {
      sources.push(readSource(path));
    } catch (e) {
      if (!(e instanceof KpemuError)) throw e;
      ioErrors.push(e);
    }
  }
  const result = validateClusterObjects(sources);
  return ioErrors.length === 0 ? result : { ...result, errors: [...ioErrors, ...result.errors] };
}

function readSource(path: string): ClusterSource {
  try {
    return { file: path, text: readFileSync(path, 'utf8') };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new KpemuError('IO', `cannot read cluster file ${path}: ${reason}`, { location: { file: path }, cause });
  }
}

/** Stable order: by source (as given), then line. */
function sortByPlace(items: readonly KpemuError[], order: ReadonlyMap<string, number>): KpemuError[] {
  const keyed = items.map((e, i) => ({ e, i, file: order.get(e.location?.file ?? '') ?? order.size, line: e.location?.line ?? 0 }));
  keyed.sort((a, b) => a.file - b.file || a.line - b.line || a.i - b.i);
  return keyed.map((k) => k.e);
}

import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

/**
 * The `yaml` package, loaded on first use. The cluster files kubectl and generators print are read
 * by the fast path (yaml-fast-path.ts) and resolved by yaml-scalar.ts without it, so `kpemu trace`
 * on such a file never needs the package; loading it anyway costs some 80 ms of start-up. The
 * loader is synchronous, hence `require`: under Node the package's `node` export is the same
 * CommonJS file for `import` and `require`, so this is the module a static import would give.
 */
let loaded: typeof Yaml | null = null;

export function yamlPackage(): typeof Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return loaded;
}

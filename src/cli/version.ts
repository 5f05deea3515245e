import { readFileSync } from 'node:fs';
import { packageFile } from './paths.js';

/** kpemu's version, from package.json (read once at start-up; "unknown" if it cannot be read). */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
})();

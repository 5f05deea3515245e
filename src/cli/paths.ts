import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The kpemu package's root: the nearest folder above this module with a package.json. The same
 * code runs from dist/src/cli (the built CLI) and from src/cli (tests), at different depths.
 */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
})();

/** A file shipped with kpemu (fixtures, package.json), by its path from the package root. */
export function packageFile(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}

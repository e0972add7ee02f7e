import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest folder at or above `dir` that holds a package.json. The compiled bundle
 * (dist/, see scripts/build-dist.ts) has none of its own, so the answer is the package's
 * folder whether this module runs from its TypeScript source or from the bundle.
 */
function nearestPackage(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return dir;
  }
}

/**
 * velahub's own folder (package.json, addons/, schemas/, build/, the web assets): read files
 * through it, never through a path relative to `import.meta.url`, which differs between the
 * sources and the bundle.
 */
export const packageRoot = nearestPackage(dirname(fileURLToPath(import.meta.url)));

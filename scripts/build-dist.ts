/**
 * Compiles the CLI and the server (cli/main.ts and everything it imports) to JavaScript in
 * dist/, so `velahub` and `npm start` start without transpiling TypeScript through tsx.
 * One esbuild bundle split at every dynamic import(): a command's action, and what only it
 * needs, is a chunk that `--version` and `--help` never read. Dependencies stay in
 * node_modules (but commander). dist/sources.json records when the build began and the sources it read;
 * bin/velahub.js runs the bundle only while none of them is newer, the sources otherwise.
 *
 *   tsx scripts/build-dist.ts                 build (npm run build)
 *   tsx scripts/build-dist.ts --if-possible   as npm install runs it: a failure is a warning,
 *                                              since bin/velahub.js falls back to the sources
 */
import { build } from 'esbuild';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../core/package-root.ts';

/** Where the compiled CLI goes (gitignored); bin/velahub.js imports `dist/velahub.js`. */
export const distDir = join(packageRoot, 'dist');

/** What dist/sources.json holds: the build's start (ms since the epoch) and its sources, relative to the package. */
export interface DistRecord {
  builtAt: number;
  sources: string[];
}

/** Builds dist/ into a temp folder and renames it into place, so a half-written bundle never runs. */
export async function buildDist(): Promise<DistRecord> {
  // Taken before any source is read: a file saved during the build makes the bundle stale.
  const builtAt = Date.now();
  const tmp = `${distDir}.tmp`;
  // Dependencies load from node_modules, except commander: every start (--version included)
  // needs it, and bundled it is one file less to resolve and no CommonJS wrapper to load.
  const pkg = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => name !== 'commander');
  await rm(tmp, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: packageRoot,
    entryPoints: { velahub: 'cli/main.ts' },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // commander is CommonJS: its require() of Node's modules needs a require in the bundle.
    banner: { js: "import { createRequire as __velahubCreateRequire } from 'node:module';\nconst require = __velahubCreateRequire(import.meta.url);" },
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const sources = Object.keys(result.metafile.inputs)
    .filter((f) => !f.includes('node_modules/'))
    .map((f) => relative(packageRoot, join(packageRoot, f)))
    .sort();
  const record: DistRecord = { builtAt, sources };
  await writeFile(join(tmp, 'sources.json'), JSON.stringify(record, null, 2) + '\n');
  await rm(distDir, { recursive: true, force: true });
  await rename(tmp, distDir);
  return record;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifPossible = process.argv.includes('--if-possible');
  buildDist().catch((err: Error) => {
    console.error(`${ifPossible ? 'warning: ' : ''}could not compile the CLI into ${distDir}: ${err.message}${ifPossible ? '\nvelahub runs from its TypeScript sources (slower to start); `npm run build` retries' : ''}`);
    if (!ifPossible) process.exit(1);
  });
}

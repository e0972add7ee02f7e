/**
 * Which Go-built tools a test file needs, read from what it imports, so the runner can run it as
 * soon as they exist (a cold machine builds them for most of an hour):
 *
 * - `light`: nothing built from Go (beyond the CUE engine `npm install` built);
 * - `api`: the API-only control planes and helm — its imports reach test/cluster/, test/helm/ or
 *   a Go build (test/support/go-build.ts);
 * - `s3`: SeaweedFS as well — its imports reach test/s3/;
 * - `kubevela`: the KubeVela cluster (vela-core, vela, kwok) — files under test/kubevela/;
 * - `flux`: Flux's controllers as well — files under test/kubevela/ importing test/cluster/flux.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

/** A test file's group; see the module comment. */
export type TestGroup = 'light' | 'api' | 's3' | 'kubevela' | 'flux';

/** The groups in the order the runner runs them, which is the order their tools are built in. */
export const TEST_GROUPS: readonly TestGroup[] = ['light', 'api', 's3', 'kubevela', 'flux'];

const importRe = /(?:^|\s)(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|(?:^|\s)import\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every relative module `file` imports, transitively (paths relative to `root`). */
function importClosure(root: string, file: string, seen = new Set<string>()): Set<string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return seen;
  }
  for (const m of text.matchAll(importRe)) {
    const target = resolve(dirname(file), (m[1] ?? m[2] ?? m[3])!);
    const rel = relative(root, target);
    if (seen.has(rel)) continue;
    seen.add(rel);
    importClosure(root, target, seen);
  }
  return seen;
}

/** The group of one test file (`file` relative to `root`, the repository). */
export function testGroupOf(root: string, file: string): TestGroup {
  const closure = [...importClosure(root, resolve(root, file))];
  if (file.startsWith('test/kubevela/')) return closure.includes('test/cluster/flux.ts') ? 'flux' : 'kubevela';
  if (closure.some((p) => p.startsWith('test/s3/'))) return 's3';
  if (closure.some((p) => /^test\/(cluster|helm)\//.test(p) || p === 'test/support/go-build.ts')) return 'api';
  return 'light';
}

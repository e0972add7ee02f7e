/**
 * Domain logic knows no transport (style.md item 5): nothing under core/ imports
 * the CLI, the server, the installer, a web framework, a Kubernetes client or a
 * database, and nothing there prints or exits (item 2).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name)).map((e) => relative(root, join(e.parentPath, e.name))).sort();
}

const forbiddenPackages = /^(express|commander|@kubernetes\/client-node|pg|@electric-sql\/pglite|busboy|compression|pino|prom-client|marked)(\/|$)/;
const forbiddenFolders = /^(\.\.\/)+(cli|registry|installer|bin|test)\//;

test('core/ imports no transport, framework, cluster client or database', async () => {
  const files = await sources('core');
  assert.ok(files.length > 20, `found only ${files.length} files under core/`);
  const offences: string[] = [];
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1]!;
      if (forbiddenPackages.test(spec) || forbiddenFolders.test(spec)) offences.push(`${file}: ${spec}`);
    }
  }
  assert.deepEqual(offences, []);
});

test('core/ never prints or exits', async () => {
  const offences: string[] = [];
  for (const file of await sources('core')) {
    const text = (await readFile(join(root, file), 'utf8')).replace(/^\s*(\/\/|\*).*$/gm, '');
    for (const m of text.matchAll(/\b(console\.(log|error|warn|info)|process\.(stdout|stderr)\.write|process\.exit)\b/g)) offences.push(`${file}: ${m[0]}`);
  }
  assert.deepEqual(offences, []);
});

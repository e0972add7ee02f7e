/**
 * No leftover exports: every function, constant or class exported under cli/ and core/ is
 * named in another file (a test counts). An export used only in its own file is either dead
 * or private; both read as a contract that nobody holds. Types are left out: a type in an
 * exported signature stays exported so callers can name it.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name)).map((e) => relative(root, join(e.parentPath, e.name)));
}

test('every value exported under cli/ and core/ is used in another file', async () => {
  const checked = [...(await sources('cli')), ...(await sources('core'))];
  const everything = [...new Set([...checked, ...(await sources('registry')), ...(await sources('installer')), ...(await sources('test')), ...(await sources('bench')), ...(await sources('scripts')), 'bin/velahub.js'])];
  const texts = new Map(await Promise.all(everything.map(async (f) => [f, await readFile(join(root, f), 'utf8')] as const)));
  assert.ok(checked.length > 40, `found only ${checked.length} files under cli/ and core/`);
  const leftovers: string[] = [];
  for (const file of checked) {
    for (const m of texts.get(file)!.matchAll(/^export (?:async )?(?:function\*?|const|let|class) ([A-Za-z_$][\w$]*)/gm)) {
      const name = m[1]!;
      const word = new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`);
      if (![...texts].some(([other, text]) => other !== file && word.test(text))) leftovers.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(leftovers, [], 'remove the export (or the code, when nothing uses it)');
});

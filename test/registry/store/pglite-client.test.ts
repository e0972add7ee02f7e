/**
 * The embedded database's files are private: a registry opened on disk (real PGlite, real
 * files) leaves its data folder 0700 and no file other users can read or write, where PGlite on
 * its own creates almost every file 0666 (pg_wal included).
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { openRegistry } from '../../../registry/registry.ts';
import { createToken } from '../../../registry/tokens.ts';
import { tempDir } from '../../support/addons.ts';

/** Every path under `dir` with its permission bits. */
async function modes(dir: string): Promise<Array<{ path: string; mode: number; dir: boolean }>> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    out.push({ path, mode: (await stat(path)).mode & 0o777, dir: e.isDirectory() });
    if (e.isDirectory()) out.push(...(await modes(path)));
  }
  return out;
}

describe('PGlite data folder permissions', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const cue = new CueEvaluator();
  before(async () => {
    tmp = await tempDir('velahub-modes-');
  });
  after(async () => {
    await cue.close();
    await tmp.cleanup();
  });

  test('an existing 0755 data folder becomes 0700; every database file is 0600, every folder 0700', async () => {
    const data = join(tmp.dir, 'data');
    await mkdir(data);
    await chmod(data, 0o755);
    const registry = await openRegistry({ dataDir: data, cue });
    await createToken(registry.store, { scope: 'admin' });
    await registry.blobs.put(Buffer.from('an archive'));
    await registry.close();

    assert.equal((await stat(data)).mode & 0o777, 0o700);
    const db = await modes(join(data, 'db'));
    assert.ok(db.length > 100, `premise: PGlite wrote its files (${db.length})`);
    assert.deepEqual(db.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${e.path} ${e.mode.toString(8)}`), []);
    const all = await modes(data);
    assert.deepEqual(all.filter((e) => e.mode & 0o002).map((e) => e.path), [], 'nothing under the data folder is world-writable');
  });

  test('reopening keeps it so', async () => {
    const data = join(tmp.dir, 'data');
    const registry = await openRegistry({ dataDir: data, cue });
    await registry.store.listTokens();
    await registry.close();
    assert.deepEqual((await modes(join(data, 'db'))).filter((e) => e.mode & 0o077).map((e) => e.path), []);
  });
});

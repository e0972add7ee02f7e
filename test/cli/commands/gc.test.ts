/**
 * `velahub gc` as a user runs it, against a stopped server's data folder (real PGlite on disk,
 * real blob files): unreferenced blobs older than --older-than go, referenced ones stay.
 */
import assert from 'node:assert/strict';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { sha256 } from '../../../core/package/archive.ts';
import { publishArchive } from '../../../registry/publish.ts';
import { openRegistry } from '../../../registry/registry.ts';
import { createToken } from '../../../registry/tokens.ts';
import { tempDir } from '../../support/addons.ts';
import { assertFailed, describeRun, velahub } from '../../support/cli.ts';
import { addonArchive } from '../../support/packages.ts';

describe('velahub gc', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const cue = new CueEvaluator();
  const data = () => join(tmp.dir, 'data');
  const published = addonArchive('kept', '1.0.0');
  const orphan = Buffer.from('a blob a crashed publish left');
  const blobPath = (digest: string) => join(data(), 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7));
  const env = () => ({ VELAHUB_TOKEN_PEPPER: 'a test pepper of at least 32 characters' });

  before(async () => {
    tmp = await tempDir('velahub-gc-cli-');
    const registry = await openRegistry({ dataDir: data(), cue, tokenPepper: Buffer.from(env().VELAHUB_TOKEN_PEPPER) });
    try {
      const { record } = await createToken(registry.store, { scope: 'admin' });
      await publishArchive(registry, published, record);
      await registry.blobs.put(orphan);
    } finally {
      await registry.close();
    }
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const d of [sha256(published), sha256(orphan)]) await utimes(blobPath(d), old, old);
  });
  after(async () => {
    await cue.close();
    await tmp.cleanup();
  });

  test('--dry-run names the unreferenced blob and removes nothing', async () => {
    const r = await velahub(['gc', '--data', data(), '--dry-run'], { env: env() });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`^would remove ${sha256(orphan)}$`, 'm'));
    assert.ok(!r.stdout.includes(sha256(published)), describeRun(r));
  });

  test('removes it, keeps the referenced archive', async () => {
    const r = await velahub(['gc', '--data', data()], { env: env() });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, new RegExp(`^removed ${sha256(orphan)}$`, 'm'));
    assert.match(r.stdout, /1 referenced blob\(s\) kept; removed 1 unreferenced blob/);
    const registry = await openRegistry({ dataDir: data(), cue, tokenPepper: Buffer.from(env().VELAHUB_TOKEN_PEPPER) });
    try {
      assert.equal(await registry.blobs.has(sha256(orphan)), false);
      assert.equal(await registry.blobs.has(sha256(published)), true);
    } finally {
      await registry.close();
    }
  });

  test('a bad --older-than is a usage error (exit 2) naming the flag', async () => {
    const r = await velahub(['gc', '--data', data(), '--older-than', 'soon'], { env: env() });
    assertFailed(r, { code: 'EUSAGE', exit: 2, mentions: ['--older-than "soon"'] });
  });
});

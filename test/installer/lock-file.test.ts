/**
 * velahub.lock: built from plans (one lock for every cluster, or none), written atomically, read
 * back strictly. Plans are built in code; no cluster needed.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Candidate, Plan, PlanStep } from '../../core/resolve/types.ts';
import { lockFromPlans, readLockFile, writeLockFile } from '../../installer/lock-file.ts';
import { tempDir } from '../support/addons.ts';
import { rejectsCode, throwsCode } from '../support/errors.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function step(name: string, version: string, d = digest('a'), action: PlanStep['action'] = 'install'): PlanStep {
  const candidate: Candidate = { name, version, registry: 'main', digest: d, url: `http://r/${name}-${version}.tgz`, dependencies: [], system: {}, definitions: [] };
  return { name, version, action, registry: 'main', digest: d, url: candidate.url, reason: 'requested', candidate };
}
const plan = (cluster: string, ...steps: PlanStep[]): Plan => ({ cluster, steps, warnings: [] });

describe('installer: lock file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  test('one entry per addon, sorted, the same on every cluster', () => {
    const lock = lockFromPlans([plan('a', step('web', '1.0.0'), step('lib', '2.0.0', digest('b'))), plan('b', step('lib', '2.0.0', digest('b'), 'keep'), step('web', '1.0.0'))]);
    assert.deepEqual(lock, [
      { name: 'lib', version: '2.0.0', registry: 'main', digest: digest('b') },
      { name: 'web', version: '1.0.0', registry: 'main', digest: digest('a') },
    ]);
  });

  test('clusters resolving an addon differently cannot share a lock: ELOCK_DIVERGES', () => {
    throwsCode(() => lockFromPlans([plan('a', step('web', '1.0.0')), plan('b', step('web', '1.1.0'))]), 'ELOCK_DIVERGES', 'web', 'a', 'b');
    throwsCode(() => lockFromPlans([plan('a', step('web', '1.0.0')), plan('b', step('web', '1.0.0', digest('c')))]), 'ELOCK_DIVERGES');
  });

  test('a version kept as installed that no index lists has no digest to lock: ELOCK_DIGEST', () => {
    throwsCode(() => lockFromPlans([plan('a', step('web', '0.9.0', '', 'keep'))]), 'ELOCK_DIGEST', 'web');
  });

  test('write then read gives the same entries; the file says what wrote it', async () => {
    const entries = lockFromPlans([plan('a', step('web', '1.0.0'), step('lib', '2.0.0', digest('b')))]);
    const path = join(dir, 'velahub.lock');
    await writeLockFile(path, entries);
    assert.deepEqual(await readLockFile(path), entries);
    assert.match(await readFile(path, 'utf8'), /^# .*velahub/);
  });

  const bad: Array<{ name: string; text: string; mentions?: string }> = [
    { name: 'not a lock file', text: 'hello: world\n' },
    { name: 'another lockfileVersion', text: 'lockfileVersion: 2\naddons: []\n' },
    { name: 'an entry without a version', text: `lockfileVersion: 1\naddons:\n  - {name: web, registry: main, digest: "${digest('a')}"}\n`, mentions: 'addons[0].version' },
    { name: 'a digest that is not sha256:<64 hex>', text: 'lockfileVersion: 1\naddons:\n  - {name: web, version: 1.0.0, registry: main, digest: "md5:abc"}\n', mentions: 'md5:abc' },
  ];
  for (const row of bad) {
    test(`refused: ${row.name}`, async () => {
      const path = join(dir, `${row.name.replace(/\W+/g, '-')}.lock`);
      await writeFile(path, row.text);
      await rejectsCode(readLockFile(path), 'EINVALID', ...(row.mentions ? [row.mentions] : []));
    });
  }

  test('a missing lock file: ENOENT naming it', async () => {
    await rejectsCode(readLockFile(join(dir, 'nope.lock')), 'ENOENT', 'nope.lock');
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultLimits } from '../../../core/package/files.ts';
import { readFolder } from '../../../core/package/read-folder.ts';
import { addonTree, tempDir, writeTree } from '../../support/addons.ts';
import { rejectsCode } from '../../support/errors.ts';

describe('readFolder', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let n = 0;
  /** A fresh addon folder holding the default tree plus `extra`. */
  const folder = async (extra: Record<string, string> = {}) => {
    const dir = join(tmp.dir, `addon-${n++}`);
    await writeTree(dir, { ...addonTree(), ...extra });
    return dir;
  };
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await tmp.cleanup();
  });

  test('reads every file with posix paths relative to the folder', async () => {
    const dir = await folder({ 'resources/deep/cm.yaml': 'kind: ConfigMap\n' });
    const files = await readFolder(dir);
    assert.deepEqual([...files.keys()].sort(), [...Object.keys(addonTree()), 'resources/deep/cm.yaml'].sort());
    assert.equal(Buffer.from(files.get('resources/deep/cm.yaml')!).toString(), 'kind: ConfigMap\n');
  });

  test('skips .git, node_modules and OS litter', async () => {
    const dir = await folder({ '.git/config': '[core]\n', '.git/objects/ab/cd': 'x', 'node_modules/x/index.js': '', '.DS_Store': '', 'definitions/.DS_Store': '' });
    const files = await readFolder(dir);
    assert.deepEqual([...files.keys()].filter((p) => /(^|\/)(\.git|node_modules|\.DS_Store)/.test(p)), []);
    assert.ok(files.has('metadata.yaml'));
  });

  test('refuses a symbolic link, naming it', async () => {
    const dir = await folder();
    await symlink('/etc/passwd', join(dir, 'definitions', 'passwd.cue'));
    await rejectsCode(readFolder(dir), 'EUNSAFE_ENTRY', 'definitions/passwd.cue');
  });

  test('refuses a symbolic link to a folder, naming it', async () => {
    const dir = await folder();
    await symlink(join(dir, 'definitions'), join(dir, 'views'));
    await rejectsCode(readFolder(dir), 'EUNSAFE_ENTRY', '"views"');
  });

  test('refuses a FIFO, naming it', async () => {
    const dir = await folder();
    execFileSync('mkfifo', [join(dir, 'resources.pipe')]);
    await rejectsCode(readFolder(dir), 'EUNSAFE_ENTRY', 'resources.pipe');
  });

  test('refuses names that collide ignoring case', async () => {
    const dir = await folder({ 'readme.md': 'lower\n' });
    await rejectsCode(readFolder(dir), 'ENAME_COLLISION', 'readme.md');
  });

  test('applies the file-count limit, naming the entry over it', async () => {
    const dir = await folder();
    await rejectsCode(readFolder(dir, { ...defaultLimits, maxFiles: 2 }), 'ETOO_MANY_FILES', 'metadata.yaml');
  });

  test('applies the per-file size limit, naming the file', async () => {
    const dir = await folder({ 'resources/big.yaml': 'x'.repeat(2048) });
    await rejectsCode(readFolder(dir, { ...defaultLimits, maxFileBytes: 1024 }), 'EFILE_TOO_LARGE', 'resources/big.yaml');
  });

  test('a missing folder is ENOENT and a file is ENOTDIR, naming the path', async () => {
    const dir = await folder();
    await rejectsCode(readFolder(join(dir, 'nope')), 'ENOENT', join(dir, 'nope'));
    await rejectsCode(readFolder(join(dir, 'metadata.yaml')), 'ENOTDIR', join(dir, 'metadata.yaml'));
  });
});

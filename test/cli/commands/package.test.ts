import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unpackArchive } from '../../../core/package/archive.ts';
import { addonTree, tempDir, writeTree } from '../../support/addons.ts';
import { assertFailed, describeRun, velahubInProcess as velahub } from '../../support/cli.ts';
import { labelsTrait } from '../../support/definitions.ts';

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

describe('velahub package', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const pkg = (...args: string[]) => velahub(['package', ...args], { cwd: tmp.dir });
  before(async () => {
    tmp = await tempDir();
    await writeTree(join(tmp.dir, 'demo'), addonTree('demo'));
    await writeTree(join(tmp.dir, 'broken'), addonTree('broken', { 'metadata.yaml': 'name: broken\nversion: one\n' }));
    await writeFile(join(tmp.dir, 'team-labels.cue'), labelsTrait('team-labels'));
  });
  after(() => tmp.cleanup());

  test('packing twice gives the same sha256, printed and on disk', async () => {
    const first = await pkg('demo');
    assert.equal(first.code, 0, describeRun(first));
    const second = await pkg('demo', '-o', 'again.tgz', '--format', 'json');
    assert.equal(second.code, 0, describeRun(second));

    const a = await sha256(join(tmp.dir, 'demo-1.0.0.tgz'));
    const b = await sha256(join(tmp.dir, 'again.tgz'));
    assert.equal(a, b);
    assert.match(first.stdout, new RegExp(`^sha256: +${a}$`, 'm'));
    assert.match(first.stdout, /^file: +demo-1\.0\.0\.tgz$/m);
    const summary = JSON.parse(second.stdout) as { name: string; version: string; file: string; digest: string; size: number; definitions: string[] };
    assert.deepEqual(summary, {
      name: 'demo',
      version: '1.0.0',
      file: 'again.tgz',
      digest: `sha256:${a}`,
      size: (await stat(join(tmp.dir, 'again.tgz'))).size,
      definitions: ['trait/labels', 'component/web'],
    });
    const { top, files } = await unpackArchive(await readFile(join(tmp.dir, 'again.tgz')));
    assert.equal(top, 'demo');
    assert.ok(files.has('Chart.yaml') && files.has('definitions/web.cue'));
  });

  test('an addon with errors exits 1, prints them, and writes nothing', async () => {
    const r = await pkg('broken', '-o', 'broken.tgz');
    assertFailed(r, { code: 'EINVALID', exit: 1, mentions: ['metadata.yaml:2: error: version "one"'] });
    await assert.rejects(stat(join(tmp.dir, 'broken.tgz')), { code: 'ENOENT' });
  });

  test('a single definition with --version becomes a one-definition addon', async () => {
    const r = await pkg('team-labels.cue', '--version', '2.1.0');
    assert.equal(r.code, 0, describeRun(r));
    const { top, files } = await unpackArchive(await readFile(join(tmp.dir, 'team-labels-2.1.0.tgz')));
    assert.equal(top, 'team-labels');
    assert.deepEqual([...files.keys()].sort(), ['Chart.yaml', 'README.md', 'definitions/team-labels.cue', 'metadata.yaml']);
    assert.match(Buffer.from(files.get('README.md')!).toString(), /\| labels \| Labels to add \|/);
  });

  test('a single definition without --version exits 2', async () => {
    const r = await pkg('team-labels.cue');
    assertFailed(r, { code: 'EVERSION_REQUIRED', exit: 2, mentions: ['--version'] });
  });
});

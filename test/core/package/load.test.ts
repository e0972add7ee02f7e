import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { CuePool } from '../../../core/cue/pool.ts';
import type { Diagnostic } from '../../../core/diagnostics.ts';
import { packFiles } from '../../../core/package/archive.ts';
import { defaultLimits } from '../../../core/package/files.ts';
import { loadPackage } from '../../../core/package/load.ts';
import { wrapDefinition } from '../../../core/package/single-definition.ts';
import { addonFiles, addonTree, tempDir, writeTree } from '../../support/addons.ts';
import { labelsTrait } from '../../support/definitions.ts';
import { rejectsCode } from '../../support/errors.ts';

const text = (data: Uint8Array | undefined) => Buffer.from(data ?? []).toString('utf8');

describe('loadPackage', () => {
  // Workers start on the first CUE call only: tests that never evaluate cost nothing.
  const cue = new CueEvaluator(new CuePool({ size: 2 }));
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
    await writeTree(join(tmp.dir, 'demo'), addonTree('demo'));
    await writeFile(join(tmp.dir, 'demo-1.0.0.tgz'), packFiles('demo', addonFiles('demo'), { name: 'demo', version: '1.0.0' }).data);
    await writeFile(join(tmp.dir, 'team-labels.cue'), labelsTrait('team-labels'));
    await writeFile(join(tmp.dir, 'notes.txt'), 'hello\n');
  });
  after(async () => {
    await cue.close();
    await tmp.cleanup();
  });

  test('a folder', async () => {
    const loaded = await loadPackage(join(tmp.dir, 'demo'), { cue });
    assert.equal(loaded.kind, 'folder');
    assert.deepEqual([...loaded.files.keys()].sort(), Object.keys(addonTree('demo')).sort());
  });

  test('a .tgz archive, with its top folder', async () => {
    const loaded = await loadPackage(join(tmp.dir, 'demo-1.0.0.tgz'), { cue });
    assert.equal(loaded.kind, 'archive');
    assert.equal(loaded.top, 'demo');
    assert.ok(loaded.files.has('Chart.yaml'));
  });

  const refusals: Array<{ name: string; path: string; options?: Partial<Parameters<typeof loadPackage>[1]>; code: string; mentions: string[] }> = [
    { name: 'a missing path', path: 'nope', code: 'ENOENT', mentions: ['nope'] },
    { name: 'a single definition without a version', path: 'team-labels.cue', code: 'EVERSION_REQUIRED', mentions: ['team-labels.cue', '--version'] },
    { name: 'a file that is no package', path: 'notes.txt', code: 'EUNKNOWN_SOURCE', mentions: ['notes.txt'] },
    { name: 'an archive larger than the limit', path: 'demo-1.0.0.tgz', options: { limits: { ...defaultLimits, maxTotalBytes: 100 } }, code: 'EPACKAGE_TOO_LARGE', mentions: ['demo-1.0.0.tgz'] },
  ];
  for (const row of refusals) {
    test(`refuses ${row.name} (${row.code})`, async () => {
      await rejectsCode(loadPackage(join(tmp.dir, row.path), { cue, ...row.options }), row.code, ...row.mentions);
    });
  }

  test('a single definition with a version becomes a one-definition addon', async () => {
    const loaded = await loadPackage(join(tmp.dir, 'team-labels.cue'), { cue, version: '2.0.0' });
    assert.equal(loaded.kind, 'definition');
    assert.deepEqual([...loaded.files.keys()].sort(), ['README.md', 'definitions/team-labels.cue', 'metadata.yaml']);
    assert.deepEqual(parse(text(loaded.files.get('metadata.yaml'))), { name: 'team-labels', version: '2.0.0', description: 'Adds labels to the workload', tags: ['trait'] });
    assert.equal(text(loaded.files.get('definitions/team-labels.cue')), labelsTrait('team-labels'));
    const readme = text(loaded.files.get('README.md'));
    assert.match(readme, /^# team-labels\n/);
    assert.match(readme, /\| labels \| Labels to add \| `map\[string\]string` \| true \|/);
  });

  test('wrapDefinition refuses a bad version and an invalid definition, naming them', async () => {
    await rejectsCode(wrapDefinition('x.cue', labelsTrait('x'), 'one', cue), 'EBAD_VERSION', '"one"');
    const err = await rejectsCode(wrapDefinition('dir/x.cue', labelsTrait('x').replace('type: "trait"', 'type: "traits"'), '1.0.0', cue), 'EINVALID', 'x.cue', '"traits"');
    assert.equal((err.data as Diagnostic[])[0]?.file, 'x.cue');
  });
});

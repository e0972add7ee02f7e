/**
 * What velahub validates is what gets installed: every archive velahub accepts is extracted
 * with the real GNU tar and read with Go's archive/tar (as Helm's chart loader and KubeVela read
 * it), and the files they see (names and bytes, nothing more, nothing less) must be exactly the
 * files velahub read. The smuggling archive of issue 13 is shown to be a real attack (GNU tar
 * writes the hidden definition, Go reads it) that velahub now refuses.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { packFiles, unpackArchive } from '../../../core/package/archive.ts';
import { readFolder } from '../../../core/package/read-folder.ts';
import { addonFiles, tempDir, writeTree } from '../../support/addons.ts';
import { rejectsCode } from '../../support/errors.ts';
import { paxBody, rawEntry, rawTgz, tgzOf } from '../../support/tar.ts';
import { bundledAddons } from '../../support/bundled.ts';
import { assertGnuTarParity, gnuExtract } from '../../support/gnu-tar.ts';
import { assertGoTarParity, goTarList } from '../../support/go-tar.ts';

/** GNU tar and Go's archive/tar both see exactly what velahub validated. */
async function assertParity(archive: Buffer): Promise<void> {
  await assertGnuTarParity(archive);
  await assertGoTarParity(archive);
}

const run = promisify(execFile);

let tmp: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  tmp = await tempDir('velahub-gnu-tar-');
});
after(async () => {
  await tmp.cleanup();
});

/** A folder tree packed by GNU tar itself, in one of its formats. */
async function gnuTarOf(format: 'gnu' | 'ustar' | 'pax'): Promise<Buffer> {
  const dir = join(tmp.dir, `src-${format}`);
  await writeTree(join(dir, 'demo'), addonFiles('demo', { 'resources/nested/deep/config-map-with-a-long-name.yaml': 'apiVersion: v1\nkind: ConfigMap\n' }));
  const file = `${dir}.tgz`;
  await run('tar', [`--format=${format}`, '-czf', file, '-C', dir, 'demo']);
  return readFile(file);
}

describe('GNU tar and Go\'s archive/tar see exactly what velahub validated', () => {
  const md = rawEntry({ name: 'demo/metadata.yaml', typeflag: '0' }, 'name: demo\nversion: 1.0.0\n');
  const corpus: Array<{ name: string; archive: () => Promise<Buffer> | Buffer }> = [
    { name: 'velahub package output', archive: () => packFiles('demo', addonFiles(), { name: 'demo', version: '1.0.0' }).data },
    { name: 'tar --format=gnu', archive: () => gnuTarOf('gnu') },
    { name: 'tar --format=ustar', archive: () => gnuTarOf('ustar') },
    { name: 'tar --format=pax (pax headers with harmless keys)', archive: () => gnuTarOf('pax') },
    {
      name: 'pax mtime/uname/xattr headers, a ustar prefix name, v7 and GNU headers',
      archive: () =>
        rawTgz([
          md,
          rawEntry({ name: 'demo/PaxHeaders/readme', typeflag: 'x' }, paxBody({ mtime: '1700000000.5', uname: 'dev', 'SCHILY.xattr.user.note': 'x' })),
          rawEntry({ name: 'demo/README.md', typeflag: '0' }, '# demo\n'),
          rawEntry({ name: 'labels.cue', prefix: 'demo/definitions', typeflag: '0' }, '"labels": {}\n'),
          rawEntry({ name: 'demo/legacy.txt', typeflag: '\0', format: 'v7' }, 'v7'),
          rawEntry({ name: 'demo/gnu.txt', typeflag: '0', format: 'gnu' }, 'gnu'),
        ]),
    },
    { name: 'zero padding after the end marker', archive: () => rawTgz([md], { trailing: Buffer.alloc(9 * 1024) }) },
    { name: 'a non-ASCII (NFC) name', archive: () => rawTgz([md, rawEntry({ name: 'demo/caf\u00e9.txt', typeflag: '0' }, 'au lait')]) },
    { name: 'folders differing by case', archive: () => tgzOf([{ path: 'demo/metadata.yaml', data: 'x' }, { path: 'demo/Docs/a.md', data: 'a' }, { path: 'demo/docs/b.md', data: 'b' }]) },
  ];
  for (const row of corpus) {
    test(row.name, async () => {
      await assertParity(await row.archive());
    });
  }

  test('every bundled addon, packed', async () => {
    for (const addon of await bundledAddons()) {
      await assertParity(packFiles(addon.name, await readFolder(addon.dir), addon).data);
    }
  });

  test('the smuggling archive: GNU tar writes the definition hidden behind a 70 KiB pax header; velahub refuses it', async () => {
    const archive = rawTgz([
      md,
      rawEntry({ name: 'demo/PaxHeaders/x', typeflag: 'x' }, paxBody({ comment: 'x'.repeat(70 * 1024), path: 'demo/definitions/evil.cue' })),
      rawEntry({ name: 'demo/innocent.txt', typeflag: '0' }, '"evil": {}\n'),
    ]);
    const theirs = await gnuExtract(archive);
    assert.equal(theirs.get('demo/definitions/evil.cue')?.toString(), '"evil": {}\n', 'premise: GNU tar reads the pax path');
    assert.ok((await goTarList(archive)).some((e) => e.name === 'demo/definitions/evil.cue'), "premise: Go's archive/tar (Helm, KubeVela) reads it too");
    await rejectsCode(unpackArchive(archive), 'EUNSAFE_ENTRY', 'demo/PaxHeaders/x');
  });
});

import assert from 'node:assert/strict';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { packFiles, unpackArchive, sha256 } from '../../../core/package/archive.ts';
import { defaultLimits, type PackageLimits } from '../../../core/package/files.ts';
import { readFolder } from '../../../core/package/read-folder.ts';
import { addonFiles, addonTree, tempDir, writeTree } from '../../support/addons.ts';
import { rejectsCode } from '../../support/errors.ts';
import { listArchive, paxBody, rawEntry, rawTgz, withChecksum, tarOf, tgzOf, type CraftedEntry } from '../../support/tar.ts';
import { maxPaxBytes, trailingAllowance } from '../../../core/package/tar-reader.ts';

const meta = { name: 'demo', version: '1.0.0', description: 'The demo addon' };

describe('packFiles', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(async () => {
    await tmp.cleanup();
  });

  test('the same files read from two copies with different mtimes pack to the same sha256', async () => {
    const a = join(tmp.dir, 'a', 'demo');
    const b = join(tmp.dir, 'b', 'demo');
    await writeTree(a, addonTree('demo', { 'resources/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' }));
    await writeTree(b, addonTree('demo', { 'resources/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' }));
    await utimes(join(a, 'metadata.yaml'), new Date('2001-01-01'), new Date('2001-01-01'));
    await utimes(join(b, 'metadata.yaml'), new Date('2024-06-30'), new Date('2024-06-30'));
    await utimes(join(b, 'definitions/web.cue'), new Date('2030-01-01'), new Date('2030-01-01'));
    const first = packFiles('demo', await readFolder(a), meta);
    const second = packFiles('demo', await readFolder(b), meta);
    assert.equal(first.digest, second.digest);
    assert.deepEqual(first.data, second.data);
    assert.equal(first.digest, sha256(first.data));
    assert.match(first.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(first.size, first.data.length);
  });

  test('map insertion order does not change the archive', () => {
    const files = addonFiles();
    const reversed = new Map([...files].reverse());
    assert.equal(packFiles('demo', reversed, meta).digest, packFiles('demo', files, meta).digest);
  });

  test('one changed byte changes the sha256', () => {
    const changed = addonFiles('demo', { 'README.md': '# demo\n\nA demo addon!\n' });
    assert.notEqual(packFiles('demo', changed, meta).digest, packFiles('demo', addonFiles(), meta).digest);
  });

  test('entries: one top folder named like the addon, sorted, fixed mtime/uid/gid/modes', async () => {
    const entries = await listArchive(packFiles('demo', addonFiles(), meta).data);
    const paths = entries.map((e) => e.path);
    assert.deepEqual(paths, [
      'demo/',
      'demo/Chart.yaml',
      'demo/README.md',
      'demo/definitions/',
      'demo/definitions/labels.cue',
      'demo/definitions/web.cue',
      'demo/metadata.yaml',
    ]);
    assert.deepEqual(paths, [...paths].sort());
    for (const e of entries) {
      const dir = e.path.endsWith('/');
      assert.equal(e.type, dir ? 'Directory' : 'File', e.path);
      assert.equal(e.mode, dir ? 0o755 : 0o644, e.path);
      assert.equal(e.uid, 0, e.path);
      assert.equal(e.gid, 0, e.path);
      assert.equal(e.mtime?.getTime(), 0, e.path);
      assert.ok(!e.uname && !e.gname, `${e.path} has an owner name`);
    }
    const readme = entries.find((e) => e.path === 'demo/README.md')!;
    assert.equal(readme.data.toString(), '# demo\n\nA demo addon.\n');
  });

  test('adds a Chart.yaml of type library carrying name, version and description', async () => {
    const entries = await listArchive(packFiles('demo', addonFiles(), meta).data);
    const chart = parse(entries.find((e) => e.path === 'demo/Chart.yaml')!.data.toString());
    assert.deepEqual(chart, { apiVersion: 'v2', name: 'demo', version: '1.0.0', description: 'The demo addon', type: 'library' });
  });

  test("keeps the package's own Chart.yaml", async () => {
    const own = 'apiVersion: v2\nname: demo\nversion: 1.0.0\ntype: library\n';
    const entries = await listArchive(packFiles('demo', addonFiles('demo', { 'Chart.yaml': own }), meta).data);
    assert.equal(entries.filter((e) => e.path === 'demo/Chart.yaml').length, 1);
    assert.equal(entries.find((e) => e.path === 'demo/Chart.yaml')!.data.toString(), own);
  });

  test('unpackArchive gives back the packed files under the top folder name', async () => {
    const files = addonFiles();
    const { top, files: back } = await unpackArchive(packFiles('demo', files, meta).data);
    assert.equal(top, 'demo');
    assert.deepEqual([...back.keys()].sort(), ['Chart.yaml', ...files.keys()].sort());
    for (const [path, data] of files) assert.deepEqual(Buffer.from(back.get(path)!), Buffer.from(data), path);
  });
});

describe('unpackArchive refuses', () => {
  const md = { path: 'demo/metadata.yaml', data: 'name: demo\nversion: 1.0.0\n' };
  const small: PackageLimits = { ...defaultLimits, maxFiles: 3, maxTotalBytes: 64 * 1024, maxFileBytes: 1024 };
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  const bomb = gzipSync(tarOf([{ path: 'demo/' }, md, { path: 'demo/zeros.bin', data: zeros }]));

  const rows: Array<{ name: string; archive: () => Buffer; code: string; mentions: string[]; limits?: PackageLimits }> = [
    { name: 'a symbolic link', archive: () => tgzOf([md, { path: 'demo/link', type: 'SymbolicLink', linkpath: '/etc/passwd' }]), code: 'EUNSAFE_ENTRY', mentions: ['demo/link'] },
    { name: 'a hard link', archive: () => tgzOf([md, { path: 'demo/hard', type: 'Link', linkpath: 'demo/metadata.yaml' }]), code: 'EUNSAFE_ENTRY', mentions: ['demo/hard'] },
    { name: 'a character device', archive: () => tgzOf([md, { path: 'demo/null', type: 'CharacterDevice' }]), code: 'EUNSAFE_ENTRY', mentions: ['demo/null'] },
    { name: 'a block device', archive: () => tgzOf([md, { path: 'demo/sda', type: 'BlockDevice' }]), code: 'EUNSAFE_ENTRY', mentions: ['demo/sda'] },
    { name: 'a FIFO', archive: () => tgzOf([md, { path: 'demo/pipe', type: 'FIFO' }]), code: 'EUNSAFE_ENTRY', mentions: ['demo/pipe'] },
    { name: 'an absolute path', archive: () => tgzOf([md, { path: '/etc/cron.d/evil', data: 'x' }]), code: 'EUNSAFE_PATH', mentions: ['/etc/cron.d/evil'] },
    { name: 'an absolute path as first entry', archive: () => tgzOf([{ path: '/demo/metadata.yaml', data: 'x' }]), code: 'EUNSAFE_PATH', mentions: ['/demo/metadata.yaml'] },
    { name: '".." inside the top folder', archive: () => tgzOf([md, { path: 'demo/../../etc/passwd', data: 'x' }]), code: 'EUNSAFE_PATH', mentions: ['demo/../../etc/passwd'] },
    { name: '".." as the top folder', archive: () => tgzOf([{ path: '../evil/metadata.yaml', data: 'x' }]), code: 'EUNSAFE_PATH', mentions: ['../evil/metadata.yaml'] },
    { name: 'a backslash in a name', archive: () => tgzOf([md, { path: 'demo/..\\..\\x', data: 'x' }]), code: 'EUNSAFE_PATH', mentions: ['demo/..\\\\..\\\\x'] },
    { name: 'two top folders', archive: () => tgzOf([md, { path: 'other/x.yaml', data: 'x' }]), code: 'EBAD_LAYOUT', mentions: ['other/x.yaml', 'demo', 'other'] },
    { name: 'files without a top folder', archive: () => tgzOf([{ path: 'metadata.yaml', data: 'name: demo\n' }]), code: 'EBAD_LAYOUT', mentions: ['metadata.yaml'] },
    { name: 'an empty archive', archive: () => tgzOf([]), code: 'EBAD_ARCHIVE', mentions: [] },
    { name: 'names colliding ignoring case', archive: () => tgzOf([md, { path: 'demo/README.md', data: 'a' }, { path: 'demo/readme.md', data: 'b' }]), code: 'ENAME_COLLISION', mentions: ['readme.md', 'README.md'] },
    { name: 'a duplicate name', archive: () => tgzOf([md, { path: 'demo/README.md', data: 'a' }, { path: 'demo/README.md', data: 'b' }]), code: 'ENAME_COLLISION', mentions: ['README.md'] },
    {
      name: 'more than maxFiles entries',
      archive: () => tgzOf([md, ...[1, 2, 3].map((i): CraftedEntry => ({ path: `demo/resources/r${i}.yaml`, data: 'x' }))]),
      limits: small,
      code: 'ETOO_MANY_FILES',
      mentions: ['resources/r3.yaml'],
    },
    { name: 'a file over maxFileBytes', archive: () => tgzOf([md, { path: 'demo/big.bin', data: Buffer.alloc(1025) }]), limits: small, code: 'EFILE_TOO_LARGE', mentions: ['big.bin'] },
    {
      name: 'files adding up past maxTotalBytes',
      archive: () => tgzOf([md, ...[1, 2].map((i): CraftedEntry => ({ path: `demo/part${i}.bin`, data: Buffer.alloc(40 * 1024) }))]),
      limits: { ...small, maxFileBytes: 1024 * 1024 },
      code: 'EPACKAGE_TOO_LARGE',
      mentions: ['part2.bin'],
    },
    { name: 'a gzip bomb (16 MB of zeros)', archive: () => bomb, limits: { ...small, maxFileBytes: 64 * 1024 * 1024 }, code: 'EPACKAGE_TOO_LARGE', mentions: ['zeros.bin'] },
    {
      // Were the whole stream read, the cut would surface as EBAD_ARCHIVE: the size error proves it stopped early.
      name: 'a truncated gzip bomb, before reaching the cut',
      archive: () => bomb.subarray(0, Math.floor(bomb.length / 2)),
      limits: { ...small, maxFileBytes: 64 * 1024 * 1024 },
      code: 'EPACKAGE_TOO_LARGE',
      mentions: ['zeros.bin'],
    },
    {
      name: 'a bomb of zero blocks after the end of the tar',
      archive: () => gzipSync(Buffer.concat([tarOf([md]), zeros])).subarray(0, 12 * 1024),
      limits: { ...small, maxFiles: 10 },
      code: 'EPACKAGE_TOO_LARGE',
      mentions: [],
    },
    { name: 'data that is not gzip', archive: () => Buffer.from('PK\u0003\u0004 this is a zip file, not a tgz'), code: 'EBAD_ARCHIVE', mentions: [] },
    { name: 'a plain uncompressed tar', archive: () => tarOf([md]), code: 'EBAD_ARCHIVE', mentions: [] },
    { name: 'a truncated gzip', archive: () => tgzOf([md, { path: 'demo/README.md', data: 'x'.repeat(5000) }]).subarray(0, 40), code: 'EBAD_ARCHIVE', mentions: [] },
    { name: 'gzip of something that is not a tar', archive: () => gzipSync(Buffer.from('hello world\n'.repeat(100))), code: 'EBAD_ARCHIVE', mentions: [] },
  ];

  for (const row of rows) {
    test(row.name, async () => {
      await rejectsCode(unpackArchive(row.archive(), row.limits ?? defaultLimits), row.code, ...row.mentions);
    });
  }

  test('premise: under generous limits the truncated file bomb fails as EBAD_ARCHIVE, at the cut', async () => {
    const generous = { ...defaultLimits, maxFileBytes: 64 * 1024 * 1024 };
    await rejectsCode(unpackArchive(bomb.subarray(0, Math.floor(bomb.length / 2)), generous), 'EBAD_ARCHIVE');
  });

  test('zero padding past the end marker is refused at the allowance, whatever the limits', async () => {
    const generous = { ...defaultLimits, maxFileBytes: 64 * 1024 * 1024 };
    await rejectsCode(unpackArchive(gzipSync(Buffer.concat([tarOf([md]), zeros])), generous), 'EPACKAGE_TOO_LARGE', 'end-of-archive marker', String(trailingAllowance));
  });

  test('the same archive within default limits is accepted', async () => {
    const { top, files } = await unpackArchive(bomb, { ...defaultLimits, maxFileBytes: 32 * 1024 * 1024 });
    assert.equal(top, 'demo');
    assert.equal(files.get('zeros.bin')?.length, zeros.length);
  });
});

describe('unpackArchive refuses what another tar reader would read differently', () => {
  const md = rawEntry({ name: 'demo/metadata.yaml', typeflag: '0' }, 'name: demo\nversion: 1.0.0\n');
  const evil = 'demo/definitions/evil.cue';
  const pax = (records: Record<string, string>, name = 'demo/PaxHeaders/x') => rawEntry({ name, typeflag: 'x' }, paxBody(records));
  const file = (name: string, data = 'x') => rawEntry({ name, typeflag: '0' }, data);

  const rows: Array<{ name: string; archive: () => Buffer; code: string; mentions: string[] }> = [
    {
      name: 'a file hidden behind a 70 KiB pax header (node-tar skipped it; Go and GNU tar read it)',
      archive: () => rawTgz([md, pax({ comment: 'x'.repeat(70 * 1024), path: evil }), file('demo/innocent.txt', '"evil": {}')]),
      code: 'EUNSAFE_ENTRY',
      mentions: ['demo/PaxHeaders/x', String(maxPaxBytes)],
    },
    { name: 'a pax "path" key', archive: () => rawTgz([md, pax({ path: evil }), file('demo/innocent.txt')]), code: 'EUNSAFE_ENTRY', mentions: ['demo/PaxHeaders/x', '"path"'] },
    { name: 'a pax "linkpath" key', archive: () => rawTgz([md, pax({ linkpath: evil }), file('demo/innocent.txt')]), code: 'EUNSAFE_ENTRY', mentions: ['"linkpath"'] },
    { name: 'a pax "size" key', archive: () => rawTgz([md, pax({ size: '4' }), file('demo/innocent.txt', 'abcdefgh')]), code: 'EUNSAFE_ENTRY', mentions: ['"size"'] },
    { name: 'a pax GNU.sparse key', archive: () => rawTgz([md, pax({ 'GNU.sparse.size': '9' }), file('demo/innocent.txt')]), code: 'EUNSAFE_ENTRY', mentions: ['GNU.sparse.size'] },
    { name: 'an unknown pax key', archive: () => rawTgz([md, pax({ 'VENDOR.rename': evil }), file('demo/innocent.txt')]), code: 'EUNSAFE_ENTRY', mentions: ['VENDOR.rename', 'allowed keys'] },
    { name: 'a malformed pax record', archive: () => rawTgz([md, rawEntry({ name: 'demo/PaxHeaders/x', typeflag: 'x' }, '99 path=x\n'), file('demo/innocent.txt')]), code: 'EUNSAFE_ENTRY', mentions: ['malformed pax record'] },
    { name: 'a pax global header', archive: () => rawTgz([md, rawEntry({ name: 'demo/pax_global_header', typeflag: 'g' }, paxBody({ path: evil })), file('demo/innocent.txt')]), code: 'EUNSAFE_ENTRY', mentions: ['demo/pax_global_header', 'global'] },
    { name: 'a pax header followed by no entry', archive: () => rawTgz([md, pax({ mtime: '1' })]), code: 'EBAD_ARCHIVE', mentions: ['demo/PaxHeaders/x'] },
    ...['Z', 'S', 'L', 'K', 'V', 'M', 'N', '7', 'D'].map((t) => ({
      name: `an entry of type "${t}"`,
      archive: () => rawTgz([md, rawEntry({ name: evil, typeflag: t }, '"evil": {}')]),
      code: 'EUNSAFE_ENTRY',
      mentions: [evil, `"${t}"`, 'only regular files'],
    })),
    { name: 'a lone zero block followed by more entries', archive: () => rawTgz([md, Buffer.alloc(512), file(evil)]), code: 'EBAD_ARCHIVE', mentions: ['lone zero block'] },
    { name: 'entries after the end-of-archive marker', archive: () => rawTgz([md], { trailing: file(evil) }), code: 'EBAD_ARCHIVE', mentions: ['after the end-of-archive marker'] },
    { name: 'no end-of-archive marker', archive: () => rawTgz([md], { end: false }), code: 'EBAD_ARCHIVE', mentions: ['truncated', 'end-of-archive marker'] },
    { name: 'a wrong header checksum', archive: () => rawTgz([md, rawEntry({ name: evil, typeflag: '0', checksumDelta: 1 }, 'x')]), code: 'EBAD_ARCHIVE', mentions: ['checksum', 'byte 1024'] },
    { name: 'a name that is not UTF-8', archive: () => rawTgz([md, rawEntry({ name: '', nameBytes: Buffer.from([0x64, 0x65, 0x6d, 0x6f, 0x2f, 0xff, 0x2e, 0x63]), typeflag: '0' }, 'x')]), code: 'EUNSAFE_PATH', mentions: ['not valid UTF-8'] },
    { name: 'a folder entry carrying data', archive: () => rawTgz([md, rawEntry({ name: 'demo/definitions/', typeflag: '5', size: 512 }), Buffer.alloc(512, 0x41)]), code: 'EBAD_ARCHIVE', mentions: ['demo/definitions/'] },
    {
      name: 'a header in the star format (Go reads a shorter prefix)',
      archive: () => {
        const star = rawEntry({ name: 'x.cue', prefix: 'demo/definitions', typeflag: '0' }, 'x');
        star.write('tar\0', 508, 'latin1');
        return rawTgz([md, withChecksum(star)]);
      },
      code: 'EBAD_ARCHIVE',
      mentions: ['star format'],
    },
    { name: 'a header of an unknown format', archive: () => rawTgz([md, withChecksum(rawEntry({ name: evil, typeflag: '0' }, 'x').fill(0x41, 257, 263))]), code: 'EBAD_ARCHIVE', mentions: ['entry at byte 1024', 'unknown header format'] },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      await rejectsCode(unpackArchive(row.archive()), row.code, ...row.mentions);
    });
  }

  test('harmless pax keys (mtime, uname, xattrs) and ustar prefix names are read as Go and GNU tar read them', async () => {
    const archive = rawTgz([
      md,
      pax({ mtime: '1700000000.5', uname: 'dev', 'SCHILY.xattr.user.note': 'x' }),
      file('demo/README.md', '# demo\n'),
      rawEntry({ name: 'labels.cue', prefix: 'demo/definitions', typeflag: '0' }, '"labels": {}\n'),
      rawEntry({ name: 'demo/legacy.txt', typeflag: '\0', format: 'v7' }, 'v7'),
      rawEntry({ name: 'demo/gnu.txt', typeflag: '0', format: 'gnu' }, 'gnu'),
    ]);
    const { top, files } = await unpackArchive(archive);
    assert.equal(top, 'demo');
    assert.deepEqual(
      Object.fromEntries([...files].map(([k, v]) => [k, Buffer.from(v).toString()])),
      { 'metadata.yaml': 'name: demo\nversion: 1.0.0\n', 'README.md': '# demo\n', 'definitions/labels.cue': '"labels": {}\n', 'legacy.txt': 'v7', 'gnu.txt': 'gnu' },
    );
  });

  test('zero padding up to a tar record after the end marker is accepted (GNU tar pads to 10 KiB)', async () => {
    const { files } = await unpackArchive(rawTgz([md], { trailing: Buffer.alloc(9 * 1024) }));
    assert.deepEqual([...files.keys()], ['metadata.yaml']);
  });
});

describe('unpackArchive refuses names that clash on real file systems', () => {
  const md: CraftedEntry = { path: 'demo/metadata.yaml', data: 'name: demo\nversion: 1.0.0\n' };
  const nfc = 'caf\u00e9.txt';
  const nfd = 'cafe\u0301.txt';
  const rows: Array<{ name: string; entries: CraftedEntry[]; mentions: string[] }> = [
    { name: 'a file, then a folder of the same path', entries: [md, { path: 'demo/examples', data: 'x' }, { path: 'demo/examples/a.txt', data: 'y' }], mentions: ['examples/a.txt', '"examples" is both a file'] },
    { name: 'a folder, then a file of the same path', entries: [md, { path: 'demo/examples/a.txt', data: 'y' }, { path: 'demo/examples', data: 'x' }], mentions: ['"examples"', 'both a file', 'a folder'] },
    { name: 'a folder entry over a file', entries: [md, { path: 'demo/examples', data: 'x' }, { path: 'demo/examples/' }], mentions: ['"examples"', 'both a file', 'a folder'] },
    { name: 'a file and a folder differing by case', entries: [md, { path: 'demo/Examples', data: 'x' }, { path: 'demo/examples/a.txt', data: 'y' }], mentions: ['examples/a.txt', '"Examples"', 'both a file'] },
  ];
  for (const row of rows) {
    test(row.name, async () => {
      await rejectsCode(unpackArchive(tgzOf(row.entries)), 'ENAME_COLLISION', ...row.mentions);
    });
  }

  test('NFC and NFD twins (café)', async () => {
    const archive = rawTgz([rawEntry({ name: 'demo/metadata.yaml', typeflag: '0' }, 'name: demo\n'), rawEntry({ name: `demo/${nfc}`, typeflag: '0' }, 'a'), rawEntry({ name: `demo/${nfd}`, typeflag: '0' }, 'b')]);
    await rejectsCode(unpackArchive(archive), 'ENAME_COLLISION', JSON.stringify(nfd), JSON.stringify(nfc), 'Unicode normalization');
  });

  test('folders differing only by case merge on extraction and are accepted', async () => {
    const { files } = await unpackArchive(tgzOf([md, { path: 'demo/Docs/a.md', data: 'a' }, { path: 'demo/docs/b.md', data: 'b' }]));
    assert.deepEqual([...files.keys()].sort(), ['Docs/a.md', 'docs/b.md', 'metadata.yaml']);
  });
});

/**
 * The real GNU tar (`tar` on PATH) as the judge of what an archive holds: extracts into a temp
 * folder and compares with what velahub's unpackArchive read, so a test proves that what velahub
 * validated is exactly what a cluster-side extraction would see.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { unpackArchive } from '../../core/package/archive.ts';

const run = promisify(execFile);

/** Every regular file under `dir` (path → bytes); anything else but folders fails the test. */
async function filesUnder(dir: string, root = dir): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) for (const [k, v] of await filesUnder(full, root)) out.set(k, v);
    else if (e.isFile()) out.set(relative(root, full).split(sep).join('/'), await readFile(full));
    else assert.fail(`GNU tar wrote ${relative(root, full)}, which is neither a file nor a folder (mode ${(await lstat(full)).mode.toString(8)})`);
  }
  return out;
}

/** The files GNU tar writes when extracting a gzip tar (path → bytes). */
export async function gnuExtract(archive: Uint8Array): Promise<Map<string, Buffer>> {
  const dir = await mkdtemp(join(tmpdir(), 'velahub-gnu-tar-'));
  try {
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(dir, 'a.tgz'), archive);
    await run('tar', ['-xzf', join(dir, 'a.tgz'), '-C', out, '--no-same-owner']);
    return await filesUnder(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asserts that GNU tar writes exactly the files velahub read from `archive`: names and bytes. */
export async function assertGnuTarParity(archive: Uint8Array): Promise<void> {
  const { top, files } = await unpackArchive(archive);
  const ours = new Map([...files].map(([k, v]) => [`${top}/${k}`, Buffer.from(v)]));
  const theirs = await gnuExtract(archive);
  assert.deepEqual([...theirs.keys()].sort(), [...ours.keys()].sort());
  for (const [path, data] of ours) assert.ok(data.equals(theirs.get(path)!), `${path}: GNU tar wrote other bytes`);
}

/**
 * Go's archive/tar as a judge, through test/support/go-tar/main.go (standard library only):
 * built once into ~/.cache/velahub-testenv-gotar/<hash of its source>/, it lists an archive the
 * way Helm's chart loader and KubeVela read it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unpackArchive } from '../../core/package/archive.ts';

const run = promisify(execFile);
const source = fileURLToPath(new URL('./go-tar/main.go', import.meta.url));

let built: Promise<string> | undefined;

/** The go-tar binary, built on first use (go on PATH, else /usr/local/go/bin/go). */
function goTar(): Promise<string> {
  built ??= (async () => {
    const key = createHash('sha256').update(await readFile(source)).digest('hex').slice(0, 16);
    const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'velahub-testenv-gotar', key);
    const binary = join(dir, 'go-tar');
    if (existsSync(binary)) return binary;
    await mkdir(dir, { recursive: true });
    const tmp = `${binary}.${randomBytes(4).toString('hex')}.tmp`;
    const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
    await run(go, ['build', '-trimpath', '-o', tmp, source], { cwd: tmpdir() }).catch((err: Error) => {
      throw new Error(`building ${source} failed (Go 1.26 is needed for the tests): ${err.message}`);
    });
    await rename(tmp, binary);
    return binary;
  })();
  return built;
}

/** One file as Go's archive/tar reads it. */
export interface GoTarEntry {
  name: string;
  typeflag: string;
  size: number;
  sha256: string;
}

/** The non-folder entries of a gzip tar as Go's archive/tar (and so Helm's loader) reads them. */
export async function goTarList(archive: Uint8Array): Promise<GoTarEntry[]> {
  const dir = await mkdtemp(join(tmpdir(), 'velahub-go-tar-'));
  try {
    await writeFile(join(dir, 'a.tgz'), archive);
    const { stdout } = await run(await goTar(), [join(dir, 'a.tgz')]);
    return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as GoTarEntry);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asserts Go's archive/tar reads exactly the files velahub read from `archive`: names, bytes, only regular files. */
export async function assertGoTarParity(archive: Uint8Array): Promise<void> {
  const { top, files } = await unpackArchive(archive);
  const ours = [...files].map(([k, v]) => ({ name: `${top}/${k}`, typeflag: '0', size: v.length, sha256: createHash('sha256').update(v).digest('hex') }));
  const theirs = (await goTarList(archive)).map((e) => ({ ...e, typeflag: e.typeflag === '\u0000' ? '0' : e.typeflag }));
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  assert.deepEqual(theirs.sort(byName), ours.sort(byName));
}

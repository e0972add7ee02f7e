import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Creates `dir` (and parents) if needed and makes it private to the server's user: mode 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder's mode alone, and its mode is subject to the umask.
  await chmod(dir, 0o700);
}

/**
 * Makes every folder under `dir` 0700 and every file 0600. PGlite's file system layer creates its
 * files 0666 whatever the umask (968 of 1,001 files, pg_wal included); the private parent folder
 * already keeps other users out, and this keeps the files themselves from being world-writable.
 */
export async function tightenModes(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      await chmod(path, 0o700);
      await tightenModes(path);
    } else if (e.isFile()) {
      await chmod(path, 0o600);
    }
  }
}

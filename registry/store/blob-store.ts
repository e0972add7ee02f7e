import { link, mkdir, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../core/package/archive.ts';
import { VelahubError } from '../../core/errors.ts';

/** Where archives live: by content digest, immutable once written. */
export interface BlobStore {
  /**
   * Stores bytes durably; resolves to their digest. Writing bytes already stored writes nothing
   * but marks the blob as just written, so garbage collection spares a blob a publish is about
   * to reference.
   */
  put(data: Uint8Array): Promise<string>;
  /** The bytes of a digest, or undefined when absent. */
  get(digest: string): Promise<Buffer | undefined>;
  has(digest: string): Promise<boolean>;
  /** Every stored blob (and leftover temp file) with the time it was last written. */
  list(): Promise<Array<{ digest: string | undefined; path: string; writtenAt: Date }>>;
  /**
   * Removes a blob unless it was written at or after `cutoff` (checked after it is moved aside,
   * so a concurrent put either sees it gone and writes it again, or marks it and keeps it).
   * True when removed.
   */
  removeIfStale(digest: string, cutoff: Date): Promise<boolean>;
  /** Removes a leftover temp file (from a crashed write) last written before `cutoff`. */
  removeTempIfStale(path: string, cutoff: Date): Promise<boolean>;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/**
 * Blobs as files under `<dir>/sha256/<first 2>/<hex>`: written to a temp file,
 * fsynced, then renamed into place (atomic on POSIX), and the folder fsynced,
 * so a crash never leaves a partial blob under a digest name.
 */
export class FileBlobStore implements BlobStore {
  constructor(readonly dir: string) {}

  #path(digest: string): string {
    if (!digestPattern.test(digest)) throw new VelahubError('EBAD_DIGEST', `invalid digest ${JSON.stringify(digest)}: expected sha256:<64 hex>`);
    const hex = digest.slice(7);
    return join(this.dir, 'sha256', hex.slice(0, 2), hex);
  }

  async put(data: Uint8Array): Promise<string> {
    const digest = sha256(data);
    const target = this.#path(digest);
    // One syscall both checks and marks: garbage collection moves a blob aside before deciding,
    // so either this finds it and makes it fresh (kept), or finds it gone and writes it again.
    const now = new Date();
    if (await utimes(target, now, now).then(() => true, () => false)) return digest;
    const folder = join(target, '..');
    await mkdir(folder, { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    const dh = await open(folder, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
    return digest;
  }

  async list(): Promise<Array<{ digest: string | undefined; path: string; writtenAt: Date }>> {
    const root = join(this.dir, 'sha256');
    const out: Array<{ digest: string | undefined; path: string; writtenAt: Date }> = [];
    for (const prefix of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, prefix)).catch(() => [] as string[])) {
        const path = join(root, prefix, name);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile()) continue;
        out.push({ digest: /^[0-9a-f]{64}$/.test(name) ? `sha256:${name}` : undefined, path, writtenAt: info.mtime });
      }
    }
    return out;
  }

  async removeIfStale(digest: string, cutoff: Date): Promise<boolean> {
    const target = this.#path(digest);
    const aside = `${target}.${randomBytes(6).toString('hex')}.gc`;
    try {
      await rename(target, aside);
    } catch {
      return false;
    }
    const info = await stat(aside);
    if (info.mtime >= cutoff) {
      // Marked by a put meanwhile: put it back (unless that put already wrote it again).
      await link(aside, target).catch(() => undefined);
      await unlink(aside);
      return false;
    }
    await unlink(aside);
    return true;
  }

  async removeTempIfStale(path: string, cutoff: Date): Promise<boolean> {
    if (!path.startsWith(join(this.dir, 'sha256')) || !/\.(tmp|gc)$/.test(path)) return false;
    const info = await stat(path).catch(() => undefined);
    if (!info || info.mtime >= cutoff) return false;
    // A blob moved aside by a collection that never finished goes back first: its bytes are
    // valid under their digest, and an unreferenced one is simply collected next time.
    if (path.endsWith('.gc')) await link(path, path.replace(/\.[0-9a-f]{12}\.gc$/, '')).catch(() => undefined);
    await unlink(path).catch(() => undefined);
    return true;
  }

  async get(digest: string): Promise<Buffer | undefined> {
    return readFile(this.#path(digest)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.#path(digest)).then(
      () => true,
      () => false,
    );
  }
}

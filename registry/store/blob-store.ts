import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../core/package/archive.ts';
import { VelahubError } from '../../core/errors.ts';

/** Where archives live: by content digest, immutable once written. */
export interface BlobStore {
  /** Stores bytes durably; resolves to their digest. Writing the same bytes twice is a no-op. */
  put(data: Uint8Array): Promise<string>;
  /** The bytes of a digest, or undefined when absent. */
  get(digest: string): Promise<Buffer | undefined>;
  has(digest: string): Promise<boolean>;
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
    if (await this.has(digest)) return digest;
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

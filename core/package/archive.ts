import { createHash } from 'node:crypto';
import { gzipSync, createGunzip } from 'node:zlib';
import { Header, Parser, type ReadEntry } from 'tar';
import { stringify } from 'yaml';
import { VelahubError } from '../errors.ts';
import { PackageFilesBuilder, checkEntryPath, defaultLimits, type PackageFiles, type PackageLimits } from './files.ts';

/** Fixed entry time, so the same files always pack to the same bytes. */
const epoch = new Date(0);

/** An archive and its identity. */
export interface PackedArchive {
  data: Buffer;
  /** `sha256:<hex>` of the archive bytes. */
  digest: string;
  size: number;
}

/** `sha256:<hex>` of some bytes. */
export function sha256(data: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/**
 * The Chart.yaml that lets Helm tooling accept an addon archive: a library chart
 * carrying the addon's name, version and description.
 */
export function chartYaml(meta: { name: string; version: string; description?: string }): string {
  return stringify({ apiVersion: 'v2', name: meta.name, version: meta.version, description: meta.description ?? meta.name, type: 'library' });
}

/**
 * Packs files as a gzip tar with one top folder named like the addon, entries
 * sorted, mtime 0, uid/gid 0, mode 0644, so equal files give an equal sha256.
 * A Chart.yaml (type library) is added unless the package has one.
 */
export function packFiles(top: string, files: PackageFiles, meta: { name: string; version: string; description?: string }): PackedArchive {
  const all = new Map(files);
  if (!all.has('Chart.yaml')) all.set('Chart.yaml', Buffer.from(chartYaml(meta)));
  const blocks: Buffer[] = [];
  const dirs = new Set<string>([top]);
  for (const path of all.keys()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${top}/${parts.slice(0, i).join('/')}`);
  }
  const entries: Array<{ path: string; data?: Uint8Array }> = [
    ...[...dirs].map((d) => ({ path: `${d}/` })),
    ...[...all].map(([p, data]) => ({ path: `${top}/${p}`, data })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of entries) {
    const isDir = e.data === undefined;
    const header = new Header({
      path: e.path,
      mode: isDir ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size: isDir ? 0 : e.data!.length,
      mtime: epoch,
      type: isDir ? 'Directory' : 'File',
      uname: '',
      gname: '',
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    if (header.needPax) {
      throw new VelahubError('EUNSAFE_PATH', `cannot pack ${JSON.stringify(e.path)}: path too long for a portable tar header`, { path: e.path });
    }
    blocks.push(block);
    if (!isDir) {
      blocks.push(Buffer.from(e.data!));
      const pad = (512 - (e.data!.length % 512)) % 512;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const data = gzipSync(Buffer.concat(blocks), { level: 9 });
  return { data, digest: sha256(data), size: data.length };
}

/** What an unpacked archive holds. */
export interface UnpackedArchive {
  /** The single top folder's name. */
  top: string;
  /** Files relative to the top folder. */
  files: PackageFiles;
}

/**
 * Unpacks a gzip tar safely: refuses symlinks, hard links, devices, FIFOs,
 * absolute paths, `..`, names that collide ignoring case, more than one top
 * folder, and archives past the file-count or uncompressed-size limits —
 * stopping decompression as soon as a bound is crossed. Errors name the entry.
 */
export async function unpackArchive(data: Uint8Array, limits: PackageLimits = defaultLimits): Promise<UnpackedArchive> {
  const builder = new PackageFilesBuilder(limits);
  let top: string | undefined;
  // Headers and padding count against the bound too: a bomb of empty entries is still a bomb.
  const rawLimit = limits.maxTotalBytes + (limits.maxFiles + 16) * 1024 + 1024 * 1024;
  return new Promise<UnpackedArchive>((resolve, reject) => {
    let failed = false;
    const gunzip = createGunzip();
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(err instanceof VelahubError ? err : new VelahubError('EBAD_ARCHIVE', `not a valid gzip tar archive: ${(err as Error).message}`, { hint: 'create packages with `velahub package`' }));
    };
    const parser = new Parser({
      strict: true,
      maxMetaEntrySize: 64 * 1024,
      onwarn: (_code: string, message: string | Error) => fail(new VelahubError('EBAD_ARCHIVE', `not a valid tar archive: ${message instanceof Error ? message.message : message}`)),
      onReadEntry: (entry: ReadEntry) => {
        if (failed) return entry.resume();
        try {
          const raw = entry.path;
          if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory') {
            const kind = { SymbolicLink: 'symbolic link', Link: 'hard link', CharacterDevice: 'device', BlockDevice: 'device', FIFO: 'FIFO' }[entry.type as string] ?? entry.type;
            throw new VelahubError('EUNSAFE_ENTRY', `refused entry ${JSON.stringify(raw)}: ${kind} entries are not allowed in a package`, { path: raw });
          }
          // Absolute paths, `..`, backslashes: checked on the whole name, so `../x` cannot become the top folder.
          checkEntryPath(raw, limits);
          const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
          const head = parts[0] ?? '';
          if (top === undefined) top = head;
          else if (head !== top) {
            throw new VelahubError('EBAD_LAYOUT', `refused entry ${JSON.stringify(raw)}: an addon archive has one top folder, found "${top}" and "${head}"`, { path: raw });
          }
          const inner = parts.slice(1).join('/');
          if (inner === '' && entry.type !== 'Directory') {
            throw new VelahubError('EBAD_LAYOUT', `refused entry ${JSON.stringify(raw)}: files belong inside one top folder named like the addon`, { path: raw });
          }
          if (entry.type === 'Directory' || inner === '') {
            entry.resume();
            return;
          }
          const name = builder.reserve(inner, entry.size ?? 0);
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => builder.set(name, Buffer.concat(chunks)));
        } catch (err) {
          entry.resume();
          fail(err);
        }
      },
    });
    let seen = 0;
    gunzip.on('data', (chunk: Buffer) => {
      if (failed) return;
      seen += chunk.length;
      if (seen > rawLimit) {
        fail(new VelahubError('EPACKAGE_TOO_LARGE', `refused archive: it expands past ${rawLimit} bytes (the limit is ${limits.maxTotalBytes} bytes of files)`, { hint: 'a package this large is refused before it is fully read' }));
        return;
      }
      parser.write(chunk);
    });
    gunzip.on('end', () => {
      if (failed) return;
      parser.end(() => {
        if (failed) return;
        if (top === undefined) return fail(new VelahubError('EBAD_LAYOUT', 'refused archive: it is empty; an addon archive has one top folder named like the addon'));
        resolve({ top, files: builder.files });
      });
    });
    gunzip.on('error', fail);
    parser.on('error', fail);
    gunzip.end(Buffer.from(data));
  });
}

import { createHash } from 'node:crypto';
import { gzipSync, createGunzip } from 'node:zlib';
import { Header } from 'tar';
import { stringify } from 'yaml';
import { VelahubError } from '../errors.ts';
import { TarReader } from './tar-reader.ts';
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
 * Unpacks a gzip tar safely with velahub's strict tar reader (see tar-reader.ts): refuses
 * symlinks, hard links, devices, FIFOs, every entry type, pax key or global header another tar
 * reader could read differently, absolute paths, `..`, names that collide ignoring case or
 * Unicode normalization, a file and a folder of one name, more than one top folder, and archives
 * past the file-count or uncompressed-size limits. Decompression stops at the first problem and
 * at the end-of-archive marker (plus a little zero padding), so the work is linear in the
 * archive and bounded by the limits. Errors name the entry.
 */
export async function unpackArchive(data: Uint8Array, limits: PackageLimits = defaultLimits): Promise<UnpackedArchive> {
  const builder = new PackageFilesBuilder(limits);
  let top: string | undefined;
  // Headers and padding count against the bound too: a bomb of empty entries is still a bomb.
  const rawLimit = limits.maxTotalBytes + (limits.maxFiles + 16) * 1024 + 1024 * 1024;
  let current: { name: string; chunks: Buffer[] } | undefined;
  const reader = new TarReader({
    onEntry: (entry) => {
      const raw = entry.path;
      // Absolute paths, `..`, backslashes: checked on the whole name, so `../x` cannot become the top folder.
      checkEntryPath(raw, limits);
      const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
      const head = parts[0] ?? '';
      if (top === undefined) top = head;
      else if (head !== top) {
        throw new VelahubError('EBAD_LAYOUT', `refused entry ${JSON.stringify(raw)}: an addon archive has one top folder, found "${top}" and "${head}"`, { path: raw });
      }
      const inner = parts.slice(1).join('/');
      if (inner === '' && entry.type !== 'directory') {
        throw new VelahubError('EBAD_LAYOUT', `refused entry ${JSON.stringify(raw)}: files belong inside one top folder named like the addon`, { path: raw });
      }
      current = undefined;
      if (inner === '') return;
      if (entry.type === 'directory') {
        builder.folder(inner);
        return;
      }
      current = { name: builder.reserve(inner, entry.size), chunks: [] };
    },
    onData: (chunk) => current!.chunks.push(chunk),
    onEnd: () => {
      if (current) builder.set(current.name, Buffer.concat(current.chunks));
      current = undefined;
    },
  });
  return new Promise<UnpackedArchive>((resolve, reject) => {
    let failed = false;
    const gunzip = createGunzip();
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(err instanceof VelahubError ? err : new VelahubError('EBAD_ARCHIVE', `not a valid gzip tar archive: ${(err as Error).message}`, { hint: 'create packages with `velahub package`' }));
    };
    let seen = 0;
    gunzip.on('data', (chunk: Buffer) => {
      if (failed) return;
      seen += chunk.length;
      try {
        if (seen > rawLimit) {
          throw new VelahubError('EPACKAGE_TOO_LARGE', `refused archive: it expands past ${rawLimit} bytes (the limit is ${limits.maxTotalBytes} bytes of files)`, { hint: 'a package this large is refused before it is fully read' });
        }
        reader.write(chunk);
      } catch (err) {
        fail(err);
      }
    });
    gunzip.on('end', () => {
      if (failed) return;
      try {
        reader.end();
      } catch (err) {
        return fail(err);
      }
      if (top === undefined) return fail(new VelahubError('EBAD_ARCHIVE', 'refused archive: it holds no entry; an addon archive has one top folder named like the addon'));
      resolve({ top, files: builder.files });
    });
    gunzip.on('error', fail);
    gunzip.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}

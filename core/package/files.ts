import { VelahubError } from '../errors.ts';

/** A package as a set of files: posix paths relative to the addon folder → bytes. */
export type PackageFiles = Map<string, Uint8Array>;

/** Bounds applied to every package, whether read from a folder or an archive. */
export interface PackageLimits {
  maxFiles: number;
  /** Total uncompressed bytes of all files. */
  maxTotalBytes: number;
  maxFileBytes: number;
  /** Longest path accepted, in characters. */
  maxPathLength: number;
}

/** Limits generous for real addons and small enough to refuse abuse. */
export const defaultLimits: PackageLimits = {
  maxFiles: 2000,
  maxTotalBytes: 50 * 1024 * 1024,
  maxFileBytes: 10 * 1024 * 1024,
  maxPathLength: 255,
};

/**
 * Checks one entry path and returns it normalized; throws EUNSAFE_PATH naming
 * the entry for absolute paths, `..` segments, backslashes, NUL and control
 * characters, or over-long names.
 */
export function checkEntryPath(path: string, limits: PackageLimits = defaultLimits): string {
  const refuse = (why: string) =>
    new VelahubError('EUNSAFE_PATH', `refused entry ${JSON.stringify(path)}: ${why}`, { path, hint: 'packages may only hold relative paths inside the addon folder' });
  if (path.length === 0) throw refuse('empty name');
  if (path.length > limits.maxPathLength) throw refuse(`name longer than ${limits.maxPathLength} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw refuse('control character in name');
  if (path.includes('\\')) throw refuse('backslash in name');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw refuse('absolute path');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse('".." escapes the package folder');
  return parts.join('/');
}

/**
 * How a name is seen by the file systems an addon is extracted on: case-insensitive
 * (Windows, macOS) and Unicode-normalizing (macOS stores NFD), so `café` in NFC and NFD,
 * or `README.md` and `readme.md`, are the same file there.
 */
function fold(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * Accumulates files while enforcing the limits, so a reader can stop as soon as
 * a bound is crossed instead of after reading everything. Refuses names that
 * clash on real file systems: twins by case or Unicode normalization, and a
 * file and a folder of the same path.
 */
export class PackageFilesBuilder {
  readonly files: PackageFiles = new Map();
  #fileNames = new Map<string, string>();
  #folderNames = new Map<string, string>();
  #total = 0;

  constructor(readonly limits: PackageLimits = defaultLimits) {}

  /** Reserves room for a file of `size` bytes before its body is read. */
  reserve(path: string, size: number): string {
    const name = checkEntryPath(path, this.limits);
    if (this.files.size + 1 > this.limits.maxFiles) {
      throw new VelahubError('ETOO_MANY_FILES', `refused entry ${JSON.stringify(path)}: more than ${this.limits.maxFiles} files in the package`, { path });
    }
    if (size > this.limits.maxFileBytes) {
      throw new VelahubError('EFILE_TOO_LARGE', `refused entry ${JSON.stringify(path)}: ${size} bytes, more than the ${this.limits.maxFileBytes} allowed per file`, { path });
    }
    if (this.#total + size > this.limits.maxTotalBytes) {
      throw new VelahubError('EPACKAGE_TOO_LARGE', `refused entry ${JSON.stringify(path)}: the package would exceed ${this.limits.maxTotalBytes} bytes uncompressed`, { path });
    }
    const key = fold(name);
    const clash = this.#fileNames.get(key);
    if (clash !== undefined) throw twins(path, name, clash);
    const folder = this.#folderNames.get(key);
    if (folder !== undefined) throw fileAndFolder(path, name, folder);
    this.#parents(path, name);
    this.#fileNames.set(key, name);
    this.#total += size;
    return name;
  }

  /** Records a folder entry, refusing one that clashes with a file. */
  folder(path: string): void {
    const name = checkEntryPath(path, this.limits);
    if (name === '') return;
    this.#parents(path, `${name}/`);
  }

  /** Registers every folder above `name` (and `name` itself when it ends with `/`). */
  #parents(path: string, name: string): void {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      const key = fold(folder);
      const file = this.#fileNames.get(key);
      if (file !== undefined) throw fileAndFolder(path, folder, file);
      // Folders differing only by case or normalization merge into one on extraction: no file is lost.
      if (!this.#folderNames.has(key)) this.#folderNames.set(key, folder);
    }
  }

  /** Adds a file whose room was reserved. */
  set(name: string, data: Uint8Array): void {
    this.files.set(name, data);
  }
}

function twins(path: string, name: string, other: string): VelahubError {
  const why =
    other === name
      ? 'it appears twice in the archive'
      : other.normalize('NFC') === name.normalize('NFC')
        ? `it is the same name as ${JSON.stringify(other)} in another Unicode normalization (NFC/NFD); file systems that normalize names (macOS) hold only one of them`
        : `it collides with ${JSON.stringify(other)} on case-insensitive file systems`;
  return new VelahubError('ENAME_COLLISION', `refused entry ${JSON.stringify(path)}: ${why}`, { path, hint: 'rename one of the two' });
}

function fileAndFolder(path: string, name: string, other: string): VelahubError {
  return new VelahubError('ENAME_COLLISION', `refused entry ${JSON.stringify(path)}: ${JSON.stringify(name)} is both a file (${JSON.stringify(other)}) and a folder; a file system holds only one of them`, {
    path,
    hint: 'rename the file or the folder',
  });
}

/** Decodes a file as UTF-8 text, or undefined when absent. */
export function textOf(files: PackageFiles, path: string): string | undefined {
  const data = files.get(path);
  return data === undefined ? undefined : Buffer.from(data).toString('utf8');
}

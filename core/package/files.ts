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
 * Accumulates files while enforcing the limits, so a reader can stop as soon as
 * a bound is crossed instead of after reading everything.
 */
export class PackageFilesBuilder {
  readonly files: PackageFiles = new Map();
  #lowerNames = new Map<string, string>();
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
    const lower = name.toLowerCase();
    const clash = this.#lowerNames.get(lower);
    if (clash !== undefined) {
      throw new VelahubError(
        'ENAME_COLLISION',
        clash === name
          ? `refused entry ${JSON.stringify(path)}: it appears twice in the archive`
          : `refused entry ${JSON.stringify(path)}: it collides with ${JSON.stringify(clash)} on case-insensitive file systems`,
        { path },
      );
    }
    this.#lowerNames.set(lower, name);
    this.#total += size;
    return name;
  }

  /** Adds a file whose room was reserved. */
  set(name: string, data: Uint8Array): void {
    this.files.set(name, data);
  }
}

/** Decodes a file as UTF-8 text, or undefined when absent. */
export function textOf(files: PackageFiles, path: string): string | undefined {
  const data = files.get(path);
  return data === undefined ? undefined : Buffer.from(data).toString('utf8');
}

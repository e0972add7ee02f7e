import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { VelahubError } from '../errors.ts';
import type { CueEvaluator } from '../cue/evaluator.ts';
import { readFolder } from './read-folder.ts';
import { unpackArchive } from './archive.ts';
import { wrapDefinition } from './single-definition.ts';
import { defaultLimits, type PackageFiles, type PackageLimits } from './files.ts';

/** Where a package came from. */
export type PackageSourceKind = 'folder' | 'archive' | 'definition';

/** A package loaded from disk. */
export interface LoadedPackage {
  kind: PackageSourceKind;
  files: PackageFiles;
  /** For archives: the top folder name found inside. */
  top?: string;
}

/**
 * Loads what a user points at: an addon folder, a `.tgz` archive, or a single
 * definition (`.cue` or Definition CR `.yaml`, which needs `version`).
 */
export async function loadPackage(
  path: string,
  options: { cue: CueEvaluator; version?: string; limits?: PackageLimits },
): Promise<LoadedPackage> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new VelahubError('ENOENT', `${path}: no such file or directory`, { path });
  if (info.isDirectory()) return { kind: 'folder', files: await readFolder(path, options.limits ?? defaultLimits) };
  if (/\.(tgz|tar\.gz)$/.test(path)) {
    const limits = options.limits ?? defaultLimits;
    if (info.size > limits.maxTotalBytes) throw new VelahubError('EPACKAGE_TOO_LARGE', `${path}: ${info.size} bytes, more than ${limits.maxTotalBytes}`, { path });
    const { top, files } = await unpackArchive(await readFile(path), limits);
    return { kind: 'archive', files, top };
  }
  if (/\.(cue|ya?ml)$/.test(path)) {
    if (!options.version) {
      throw new VelahubError('EVERSION_REQUIRED', `${basename(path)} is a single definition: pass --version to package it as an addon`, { path: '--version', hint: 'e.g. --version 1.0.0' });
    }
    return { kind: 'definition', files: await wrapDefinition(path, await readFile(path, 'utf8'), options.version, options.cue) };
  }
  throw new VelahubError('EUNKNOWN_SOURCE', `${path}: not an addon folder, .tgz archive, .cue or .yaml definition`, { path });
}

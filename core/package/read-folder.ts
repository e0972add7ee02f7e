import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { VelahubError } from '../errors.ts';
import { PackageFilesBuilder, defaultLimits, type PackageFiles, type PackageLimits } from './files.ts';

/** Names never taken into a package: VCS folders, editor and OS litter. */
const skipped = new Set(['.git', '.hg', '.svn', 'node_modules', '.DS_Store', 'Thumbs.db', '.idea', '.vscode']);

/**
 * Reads an addon folder into package files, under the same rules an uploaded
 * archive meets: symlinks and special files are refused (naming them), and the
 * size and count limits apply.
 */
export async function readFolder(dir: string, limits: PackageLimits = defaultLimits): Promise<PackageFiles> {
  const root = await lstat(dir).catch(() => undefined);
  if (!root) throw new VelahubError('ENOENT', `${dir}: no such file or directory`, { path: dir });
  if (!root.isDirectory()) throw new VelahubError('ENOTDIR', `${dir} is not a folder`, { path: dir, hint: 'pass an addon folder, a .cue/.yaml definition or a .tgz' });
  const builder = new PackageFilesBuilder(limits);
  const walk = async (current: string): Promise<void> => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (skipped.has(entry.name)) continue;
      const full = join(current, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (entry.isSymbolicLink()) {
        throw new VelahubError('EUNSAFE_ENTRY', `refused entry ${JSON.stringify(rel)}: symbolic links are not allowed in a package`, { path: rel, hint: 'copy the file in place of the link' });
      }
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isFile()) {
        const { size } = await lstat(full);
        const name = builder.reserve(rel, size);
        builder.set(name, await readFile(full));
      } else {
        throw new VelahubError('EUNSAFE_ENTRY', `refused entry ${JSON.stringify(rel)}: only regular files and folders are allowed in a package`, { path: rel });
      }
    }
  };
  await walk(dir);
  return builder.files;
}

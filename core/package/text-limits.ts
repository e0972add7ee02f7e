import type { Diagnostic } from '../diagnostics.ts';
import type { PackageFiles } from './files.ts';

/**
 * Size bounds on the files velahub stores and serves as text besides the archive: metadata.yaml
 * (kept in the database and in every index entry) and the README (kept and rendered on pages).
 * Real catalog addons are far below them; a 9 MiB unknown metadata key is not.
 */
const textLimits: Readonly<Record<string, number>> = {
  'metadata.yaml': 64 * 1024,
  'README.md': 1024 * 1024,
  'readme.md': 1024 * 1024,
};

/** An error per file over its bound, naming the file, its size and the bound. */
export function sizeProblems(files: PackageFiles): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [file, max] of Object.entries(textLimits)) {
    const size = files.get(file)?.length;
    if (size !== undefined && size > max) {
      out.push({ severity: 'error', code: 'file-too-large', file, message: `${file} is ${size} bytes: at most ${max} bytes are accepted; move long content to a linked page or into resources/` });
    }
  }
  return out;
}

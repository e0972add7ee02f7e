import { Option } from 'commander';
import { rename, stat, writeFile } from 'node:fs/promises';
import { VelahubError } from '../core/errors.ts';
import { printWarning } from './report.ts';

/** `-d, --destination <dir>`, as `helm package` and `helm pull` name the folder they write into. */
export function destinationOption(description: string): Option {
  return new Option('-d, --destination <dir>', description).default('.');
}

/** Throws EUSAGE naming --destination unless `dir` is an existing folder: checked before any work. */
export async function assertDestination(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new VelahubError('EUSAGE', `--destination ${JSON.stringify(dir)} is not an existing folder`, { path: '--destination' });
}

/** Writes a file whole or not at all (temp file, then rename), so a crash never leaves half an archive. */
export async function writeWhole(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/**
 * Warns that a flag given the old way still works for this release only. `-o FILE` was where
 * some commands wrote their file before `-o` meant the output format everywhere.
 */
export function warnDeprecated(given: string, replacement: string): void {
  printWarning(`${given} is deprecated and will be removed in the next release: ${replacement}`);
}

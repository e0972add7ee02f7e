import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readFolder } from '../core/package/read-folder.ts';
import { packFiles } from '../core/package/archive.ts';
import { parseMetadata } from '../core/package/metadata.ts';
import { textOf } from '../core/package/files.ts';
import { VelahubError } from '../core/errors.ts';
import type { Registry } from './registry.ts';
import { publishArchive, type PublishResult } from './publish.ts';
import type { TokenRecord } from './store/records.ts';

/** The identity seeding publishes as. */
const seedToken: TokenRecord = { id: 'seed', description: 'bundled addons', scope: 'admin', pattern: null, createdAt: new Date(0).toISOString(), revokedAt: null };

/**
 * Publishes every addon folder under `dir` (dependencies need not come first:
 * the registry does not resolve at publish). Reports progress per addon.
 */
export async function publishFolderTree(registry: Registry, dir: string, onProgress?: (done: number, total: number, result: PublishResult) => void): Promise<PublishResult[]> {
  const names = (await readdir(dir)).sort();
  const folders: string[] = [];
  for (const n of names) if ((await stat(join(dir, n))).isDirectory()) folders.push(join(dir, n));
  const results: PublishResult[] = [];
  for (const folder of folders) {
    const files = await readFolder(folder);
    const meta = parseMetadata(textOf(files, 'metadata.yaml') ?? '', `${folder}/metadata.yaml`).metadata;
    if (!meta) throw new VelahubError('EINVALID', `${folder}/metadata.yaml is invalid: run velahub lint ${folder}`);
    const archive = packFiles(meta.name, files, meta);
    const result = await publishArchive(registry, archive.data, seedToken);
    results.push(result);
    onProgress?.(results.length, folders.length, result);
  }
  return results;
}

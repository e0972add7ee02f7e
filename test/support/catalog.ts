/**
 * The community catalog snapshot (41 real KubeVela addons), read in place by tests and benches,
 * never copied into the repository: VELAHUB_CATALOG, else ../shared/kubevela-catalog/addons next
 * to the checkout, else /work/shared/kubevela-catalog/addons.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packFiles, type PackedArchive } from '../../core/package/archive.ts';
import { readFolder } from '../../core/package/read-folder.ts';
import { textOf } from '../../core/package/files.ts';
import { parseYamlAsKubeVela } from '../../core/package/kubevela-yaml.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The catalog's addons folder, or undefined when this machine has no snapshot. */
export const catalogDir: string | undefined = [process.env.VELAHUB_CATALOG, join(repoRoot, '..', 'shared', 'kubevela-catalog', 'addons'), '/work/shared/kubevela-catalog/addons'].find(
  (d): d is string => !!d && existsSync(d),
);

/** The addon folders of the catalog, sorted. */
export function catalogAddons(): string[] {
  if (!catalogDir) return [];
  return readdirSync(catalogDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** A catalog addon packed as `vela addon package` would: name and version from its metadata.yaml. */
export async function packCatalogAddon(name: string): Promise<PackedArchive & { version: string }> {
  const files = await readFolder(join(catalogDir!, name));
  const meta = parseYamlAsKubeVela(textOf(files, 'metadata.yaml') ?? '', 'metadata.yaml').documents[0] as { name: string; version: string };
  return { ...packFiles(meta.name, files, { name: meta.name, version: String(meta.version) }), version: String(meta.version) };
}

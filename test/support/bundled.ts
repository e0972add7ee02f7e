/**
 * The addons velahub ships (addons/ at the repository root), read from their
 * metadata.yaml, so tests name what must have been published.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The bundled addons folder. */
export const bundledAddonsDir = join(repoRoot, 'addons');

/** One bundled addon. */
export interface BundledAddon {
  name: string;
  version: string;
  dir: string;
}

/** Every addon folder under addons/ (name, version from metadata.yaml), sorted by folder name; read once at import. */
const bundled: readonly BundledAddon[] = readdirSync(bundledAddonsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()
  .map((entry) => {
    const dir = join(bundledAddonsDir, entry);
    const meta = parse(readFileSync(join(dir, 'metadata.yaml'), 'utf8')) as { name: string; version: string };
    return { name: meta.name, version: String(meta.version), dir };
  });

/** Every addon folder under addons/, sorted by name. */
export async function bundledAddons(): Promise<BundledAddon[]> {
  return bundled.map((a) => ({ ...a }));
}

/**
 * The version of each bundled addon (metadata.yaml), so tests that name a bundled version go on
 * passing when an addon's version is bumped.
 */
export const bundledVersions: Readonly<Record<string, string>> = Object.fromEntries(bundled.map((a) => [a.name, a.version]));

/** The version of the bundled addon `name`; throws for a name that is not bundled. */
export function bundledVersion(name: string): string {
  const v = bundledVersions[name];
  if (v === undefined) throw new Error(`no bundled addon ${name} under ${bundledAddonsDir}`);
  return v;
}

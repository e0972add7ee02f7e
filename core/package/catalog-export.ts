import semver from 'semver';
import { stringify, parse } from 'yaml';
import { VelahubError } from '../errors.ts';
import type { AddonManifest } from './inspect.ts';
import type { PackageFiles } from './files.ts';
import { addonReadme } from './readme.ts';

/** Where an addon goes in a checkout of the KubeVela community catalog. */
export type CatalogTrack = 'addons' | 'experimental/addons';

/** The addon already in the catalog folder, if any. */
export interface ExistingCatalogAddon {
  track: CatalogTrack;
  /** Its metadata.yaml text. */
  metadataText: string;
}

/** What to write and what the pull request needs. */
export interface CatalogExport {
  /** Folder relative to the catalog root, e.g. `experimental/addons/hpa-trait`. */
  folder: string;
  files: PackageFiles;
  /** `add` for a new addon, `update` for a version bump. */
  change: 'add' | 'update';
  previousVersion?: string;
  pullRequest: { title: string; branch: string; body: string };
}

/** Files only velahub uses, not part of the catalog's addon layout. */
const velahubOnly = new Set(['Chart.yaml']);

/**
 * Prepares an addon for the community catalog: new addons go to
 * `experimental/addons/` (the catalog's rule) unless a track is chosen, updates
 * stay where the addon is; the version must be above the one in the catalog
 * (an equal or lower version is refused); tags are kept or derived from the
 * definition types; the README gains the parameter tables when it has none.
 */
export function prepareCatalogExport(input: { files: PackageFiles; manifest: AddonManifest; existing?: ExistingCatalogAddon; track?: CatalogTrack }): CatalogExport {
  const { manifest, existing } = input;
  const { name, version } = manifest.metadata;
  let previousVersion: string | undefined;
  if (existing) {
    let old: { version?: string } | null;
    try {
      old = parse(existing.metadataText) as { version?: string } | null;
    } catch (err) {
      throw new VelahubError('EINVALID', `${existing.track}/${name}/metadata.yaml in the catalog is not valid YAML (${(err as Error).message.split('\n')[0]}), so its version cannot be compared`, { path: `${existing.track}/${name}/metadata.yaml` });
    }
    previousVersion = old?.version;
    if (previousVersion && semver.valid(previousVersion) && !semver.gt(version, previousVersion)) {
      throw new VelahubError('EVERSION_NOT_BUMPED', `${existing.track}/${name} already has version ${previousVersion}; ${version} is not newer, so nothing was written`, { hint: `publish a version above ${previousVersion} and export that` });
    }
    if (input.track && input.track !== existing.track) {
      throw new VelahubError('EUSAGE', `${name} lives in ${existing.track}/ in this catalog; moving it to ${input.track}/ is a separate pull request`, { path: '--experimental' });
    }
  }
  const track: CatalogTrack = existing?.track ?? input.track ?? 'experimental/addons';
  const files: PackageFiles = new Map();
  for (const [path, data] of input.files) if (!velahubOnly.has(path)) files.set(path, data);
  const meta = { ...manifest.metadata };
  if (!meta.tags?.length) meta.tags = [...new Set(manifest.definitions.map((d) => d.type))];
  files.set('metadata.yaml', Buffer.from(stringify(meta)));
  const readme = manifest.readme;
  if (!/\|\s*NAME\s*\|\s*DESCRIPTION\s*\|/.test(readme) && manifest.definitions.length > 0) {
    const generated = addonReadme(meta, manifest.definitions);
    files.set('README.md', Buffer.from(readme.trim() ? `${readme.trimEnd()}\n\n${generated.slice(generated.indexOf('## '))}` : generated));
  }
  const change = existing ? 'update' : 'add';
  const title = change === 'add' ? `[Addon] Add ${name} ${version}` : `[Addon] Update ${name} to ${version}`;
  const body = [
    `### Description of your changes`,
    '',
    change === 'add' ? `Adds the ${name} addon (${version}) to \`${track}/\`: ${meta.description ?? ''}` : `Updates ${name} from ${previousVersion} to ${version}.`,
    '',
    manifest.definitions.length ? `Definitions: ${manifest.definitions.map((d) => `${d.type} \`${d.name}\``).join(', ')}.` : '',
    '',
    '### How has this code been tested?',
    '',
    `- \`velahub lint --strict\` is clean; every definition evaluated with CUE and its parameter schema generated.`,
    `- \`vela addon enable ./${track}/${name}\` on a test cluster.`,
    '',
    '### Checklist',
    '',
    `- [x] Title starts with the type (\`[Addon]\`).`,
    `- [${track === 'experimental/addons' || change === 'update' ? 'x' : ' '}] New addons go in experimental/.`,
    `- [${change === 'update' ? 'x' : ' '}] Updated addons bump \`version\` in metadata.yaml.`,
    `- [x] README documents every parameter.`,
  ].join('\n');
  return { folder: `${track}/${name}`, files, change, previousVersion, pullRequest: { title, branch: `${change === 'add' ? 'add' : 'update'}-${name}-${version}`, body } };
}

/**
 * VersionRecords built in code for the store tests (Helm's `buildChart(withX...)`
 * style): a valid record by default, each option changing one thing.
 */
import { createHash } from 'node:crypto';
import type { DefinitionType } from '../../core/cue/evaluator.ts';
import type { DefinitionInfo } from '../../core/package/inspect.ts';
import { deriveVersionDocs } from '../../core/params/derive.ts';
import type { JsonSchema } from '../../core/params/schema.ts';
import { indexEntry } from '../../registry/index-yaml.ts';
import type { VersionRecord } from '../../registry/store/records.ts';
import { struct } from './schemas.ts';

/** A definition with the given parameters (all optional unless listed in `required`). */
export function definitionInfo(
  name: string,
  options: { type?: DefinitionType; description?: string; params?: Record<string, JsonSchema>; required?: string[] } = {},
): DefinitionInfo {
  const type = options.type ?? 'trait';
  return {
    name,
    type,
    description: options.description ?? `The ${name} ${type}`,
    file: `definitions/${name}.cue`,
    schematic: 'cue',
    annotations: {},
    labels: {},
    attributes: {},
    schema: struct(options.params ?? {}, options.required ?? []),
    cue: `"${name}": {type: "${type}"}\n`,
    template: '',
  };
}

/** A digest that differs for each `seed`. */
export function fakeDigest(seed: string): string {
  return 'sha256:' + createHash('sha256').update(seed).digest('hex');
}

/** Options of {@link versionRecord}. */
export interface VersionRecordOptions {
  digest?: string;
  description?: string;
  tags?: string[];
  definitions?: DefinitionInfo[];
  createdAt?: string;
  publishedBy?: string | null;
}

/** A version record as publish would store it (index entry included). */
export function versionRecord(name: string, version: string, options: VersionRecordOptions = {}): VersionRecord {
  const metadata = { name, version, description: options.description ?? `The ${name} addon`, tags: options.tags ?? ['demo'] };
  const definitions = options.definitions ?? [definitionInfo(`${name}-trait`)];
  const manifest = { metadata, readme: `# ${name}\n`, definitions, warnings: [] };
  const digest = options.digest ?? fakeDigest(`${name}@${version}`);
  const createdAt = options.createdAt ?? '2024-05-06T07:08:09.000Z';
  return {
    name,
    version,
    digest,
    size: 1234,
    createdAt,
    metadata,
    readme: manifest.readme,
    manifest,
    warnings: [],
    indexEntry: indexEntry({ metadata, manifest, digest, createdAt, deprecated: null }),
    derived: deriveVersionDocs(manifest),
    deprecated: null,
    yanked: false,
    yankReason: null,
    publishedBy: options.publishedBy === undefined ? 'tok_test' : options.publishedBy,
  };
}

import { stringify } from 'yaml';
import { VelahubError } from '../errors.ts';
import type { CueEvaluator } from '../cue/evaluator.ts';
import { isVersion } from './versions.ts';
import { inspectDefinitionFile } from './inspect.ts';
import type { PackageFiles } from './files.ts';
import { definitionReadme } from './readme.ts';

/**
 * Wraps a single definition file (`.cue` in definition format, or a Definition
 * CR `.yaml`) as a one-definition addon named like the definition, with a
 * generated metadata.yaml (at `version`) and README.
 */
export async function wrapDefinition(fileName: string, text: string, version: string, cue: CueEvaluator): Promise<PackageFiles> {
  if (!isVersion(version)) {
    throw new VelahubError('EBAD_VERSION', `--version ${JSON.stringify(version)} is not a semantic version`, { path: '--version', hint: 'pass e.g. --version 1.0.0' });
  }
  const base = fileName.split('/').pop()!;
  const inDefs = `definitions/${base}`;
  const { definition, diagnostics } = await inspectDefinitionFile(inDefs, text, cue);
  if (!definition) {
    throw new VelahubError('EINVALID', `${base}: ${diagnostics[0]?.message ?? 'invalid definition'}`, { path: base, data: diagnostics.map((d) => ({ ...d, file: base })) });
  }
  const metadata = {
    name: definition.name,
    version,
    description: definition.description || `The ${definition.type} ${definition.name}`,
    tags: [definition.type],
  };
  return new Map<string, Uint8Array>([
    ['metadata.yaml', Buffer.from(stringify(metadata))],
    ['README.md', Buffer.from(definitionReadme(definition))],
    [inDefs, Buffer.from(text)],
  ]);
}

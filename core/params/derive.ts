import { diffManifests, type DefinitionDiff, type DiffableDefinition } from './diff.ts';
import { exampleApplication, type DefinitionExample } from './example.ts';
import { parameterReference, type ParamTable } from './reference.ts';

/**
 * The version of the derivation below. Stored with every version's derived
 * data: raise it when the output of {@link deriveVersionDocs} changes, and the
 * registry recomputes older rows from their stored manifest at startup.
 */
export const derivedFormat = 1;

/** A parameter's name and dotted path, for "which definitions take a `domain`?" searches. */
export interface ParameterPath {
  name: string;
  path: string;
}

/** What a definition's docs page and its search entry show, computed once. */
export interface DefinitionDocs {
  type: string;
  name: string;
  /** The root parameter table, then one per nested struct (see {@link parameterReference}). */
  parameters: ParamTable[];
  /** Every documented parameter, in table order. */
  parameterPaths: ParameterPath[];
  /** A generated Application using the definition. */
  example: DefinitionExample;
}

/** The parameter diff of a version against the version published just below it. */
export interface PreviousDiff {
  /** The version compared against, as stored. */
  from: string;
  definitions: DefinitionDiff[];
}

/** Everything derived from one version's manifest. */
export interface VersionDocs {
  /** {@link derivedFormat} at the time this was computed. */
  format: number;
  definitions: DefinitionDocs[];
  /** Null when no version was below this one at publish. */
  previous: PreviousDiff | null;
}

/** The docs of one definition: parameter tables, parameter paths and an example. */
export function deriveDefinitionDocs(def: DiffableDefinition): DefinitionDocs {
  const parameters = parameterReference(def.schema);
  const parameterPaths = parameters.flatMap((t) => t.params.map((p) => ({ name: p.name, path: p.path })));
  return { type: def.type, name: def.name, parameters, parameterPaths, example: exampleApplication(def) };
}

/**
 * All derived data of a version: each definition's docs, and the diff against
 * `previous` (the highest version below it) when there is one.
 */
export function deriveVersionDocs(manifest: { definitions: readonly DiffableDefinition[] }, previous?: { version: string; manifest: { definitions: readonly DiffableDefinition[] } }): VersionDocs {
  return {
    format: derivedFormat,
    definitions: manifest.definitions.map(deriveDefinitionDocs),
    previous: previous ? { from: previous.version, definitions: diffManifests(previous.manifest, manifest) } : null,
  };
}

/**
 * The docs of one definition of a version, found by type and name. Every definition has
 * them (publish derives them, startup backfills older rows): a miss is a bug, and throws.
 */
export function docsOf(docs: VersionDocs, def: { type: string; name: string }): DefinitionDocs {
  const found = docs.definitions.find((d) => d.type === def.type && d.name === def.name);
  if (!found) throw new Error(`no derived docs for ${def.type} "${def.name}" (derived format ${docs.format})`);
  return found;
}

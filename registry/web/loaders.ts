import semver from 'semver';
import { VelahubError } from '../../core/errors.ts';
import type { DefinitionInfo } from '../../core/package/inspect.ts';
import type { Registry } from '../registry.ts';
import { definitionDetail, versionDetail, versionDiff, type DefinitionDetail, type VersionDetail, type VersionDiff } from '../api-models.ts';
export { definitionDetail, versionDetail, versionDiff, type DefinitionDetail, type DefinitionDiff, type VersionDetail, type VersionDiff } from '../api-models.ts';
import type { AddonSummary, DefinitionMatch, DefinitionSummary, Page, VersionRecord, VersionSummary } from '../store/records.ts';
import { reverseDependencies, type Dependent } from '../store/reverse-dependencies.ts';
import { requireAddon, requireDefinition, requireVersion, type AddonDetail } from '../lookups.ts';
import { definitionTypes } from '../../core/cue/evaluator.ts';
import { checkDefinitionType as checkType } from '../definition-type-filter.ts';
export type { AddonDetail } from '../lookups.ts';
import { docsOf } from '../../core/params/derive.ts';
import type { DefinitionExample } from '../../core/params/example.ts';
import { versionBelow } from '../store/version-order.ts';
import { diffLines, type LineDiff } from './line-diff.ts';

/**
 * The data behind every docs page. Each loader builds its page's model from the
 * store and the same core functions the JSON API uses; the HTML page renders
 * the model and `/api/v1/pages/...` serves it as JSON, so a page never shows
 * what the API does not.
 */

/** Every addon, for the home page's tag and type filters (cached per catalog revision). */
const facetCache = new WeakMap<Registry, { revision: number; facets: HomeModel['facets'] }>();

async function facets(registry: Registry): Promise<HomeModel['facets']> {
  const revision = await registry.store.catalogRevision();
  const cached = facetCache.get(registry);
  if (cached && cached.revision === revision) return cached.facets;
  const { tags, types } = await registry.store.facets();
  const result = {
    tags: [...tags].map(([tag, count]) => ({ tag, count })).sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)),
    types: definitionTypes.map((type) => ({ type, count: types.get(type) ?? 0 })),
  };
  facetCache.set(registry, { revision, facets: result });
  return result;
}

/** What the home page shows. */
export interface HomeModel {
  query: { q?: string; tag?: string; type?: string };
  addons: Page<AddonSummary>;
  facets: { tags: Array<{ tag: string; count: number }>; types: Array<{ type: string; count: number }> };
}

/** Home: the addons (filtered by text, tag and definition type) and the filters' values. */
export async function loadHome(registry: Registry, query: { q?: string; tag?: string; type?: string; offset?: number }): Promise<HomeModel> {
  checkType(query.type);
  const offset = query.offset ?? 0;
  const addons = await registry.store.searchAddons({ text: query.q, tag: query.tag, type: query.type, limit: 50, offset });
  return { query: { q: query.q, tag: query.tag, type: query.type }, addons, facets: await facets(registry) };
}

/** How to install an addon version. */
export interface InstallCommands {
  registry: string;
  velahub: string;
  vela: string;
}

/** What an addon page shows. */
export interface AddonModel {
  addon: AddonDetail;
  version: VersionDetail;
  /** True when this is the version `latest` points to. */
  isLatest: boolean;
  dependents: Dependent[];
  install: InstallCommands;
}

/** The version an addon page shows by default: latest, else the highest one. */
function defaultVersion(addon: AddonDetail): string {
  const v = addon.latest ?? addon.versions[0]?.version;
  if (!v) throw new VelahubError('ENOT_FOUND', `addon "${addon.name}" has no versions`);
  return v;
}

/** Addon page: the addon, one version in full, its dependents and install commands. */
export async function loadAddon(registry: Registry, input: { name: string; version?: string; baseUrl: string }): Promise<AddonModel> {
  const addon = await requireAddon(registry.store, input.name);
  const version = input.version ?? defaultVersion(addon);
  const v = await requireVersion(registry.store, input.name, version);
  const isLatest = addon.latest === v.version;
  return {
    addon,
    version: versionDetail(v),
    isLatest,
    dependents: await reverseDependencies(registry.store.db, input.name),
    install: {
      registry: `vela addon registry add velahub --type helm --endpoint ${input.baseUrl}`,
      velahub: isLatest ? `velahub enable ${v.name}` : `velahub enable ${v.name}@${v.version}`,
      vela: isLatest ? `vela addon enable ${v.name}` : `vela addon enable ${v.name} --version ${v.version}`,
    },
  };
}

/** The addon's dependents, as GET /api/v1/addons/:name/dependents returns them. */
export async function loadDependents(registry: Registry, name: string): Promise<{ name: string; dependents: Dependent[] }> {
  const dependents = await reverseDependencies(registry.store.db, name);
  // An addon from another registry (fluxcd) may still have dependents here.
  if (dependents.length === 0 && !(await registry.store.getAddon(name))) throw new VelahubError('ENOT_FOUND', `addon "${name}" not found and nothing here depends on it`);
  return { name, dependents };
}

/** What a definition page shows. */
export interface DefinitionModel {
  addon: { name: string; latest: string | null; versions: VersionSummary[] };
  version: { version: string; digest: string; deprecated: string | null; yanked: boolean };
  definition: DefinitionDetail;
  /** The definition's source file inside the addon. */
  file: string;
  schematic: DefinitionInfo['schematic'];
  example: DefinitionExample;
  /** Where the try-it form posts. */
  renderUrl: string | null;
}

/** Definition page: the definition's reference, a generated example and where to render it. */
export async function loadDefinition(registry: Registry, input: { name: string; version: string; definition: string; type?: string }): Promise<DefinitionModel> {
  checkType(input.type);
  const addon = await requireAddon(registry.store, input.name);
  const v = await requireVersion(registry.store, input.name, input.version);
  const def = requireDefinition(v, input.definition, input.type);
  const base = `/api/v1/addons/${encodeURIComponent(v.name)}/versions/${encodeURIComponent(v.version)}/definitions/${encodeURIComponent(def.name)}`;
  return {
    addon: { name: addon.name, latest: addon.latest, versions: addon.versions },
    version: { version: v.version, digest: v.digest, deprecated: v.deprecated, yanked: v.yanked },
    definition: definitionDetail(v, def),
    file: def.file,
    schematic: def.schematic,
    example: docsOf(v.derived, def).example,
    renderUrl: def.schematic === 'cue' ? `${base}/render${duplicateName(v, def) ? `?type=${def.type}` : ''}` : null,
  };
}

function duplicateName(v: VersionRecord, def: DefinitionInfo): boolean {
  return v.manifest.definitions.filter((d) => d.name === def.name).length > 1;
}

/** What the diff page shows. */
export interface DiffModel {
  name: string;
  versions: VersionSummary[];
  /** Null when the addon has a single version. */
  diff: VersionDiff | null;
  readme: LineDiff | null;
}

/**
 * Diff page: parameter changes between two versions (default: the one before
 * latest and latest) and a line diff of their READMEs.
 */
export async function loadDiff(registry: Registry, input: { name: string; from?: string; to?: string }): Promise<DiffModel> {
  const addon = await requireAddon(registry.store, input.name);
  for (const [key, value] of [['from', input.from], ['to', input.to]] as const) {
    if (value !== undefined && !semver.valid(value)) throw new VelahubError('EBAD_REQUEST', `${key} ${JSON.stringify(value)} is not a version: use e.g. ?from=1.0.0&to=2.0.0`);
  }
  const ordered = addon.versions.map((x) => x.version);
  const to = input.to ?? addon.latest ?? ordered[0];
  const from = input.from ?? (to === undefined ? undefined : versionBelow(ordered, to));
  if (!from || !to) return { name: addon.name, versions: addon.versions, diff: null, readme: null };
  const a = await requireVersion(registry.store, addon.name, from);
  const b = await requireVersion(registry.store, addon.name, to);
  return { name: addon.name, versions: addon.versions, diff: versionDiff(addon.name, a, b), readme: diffLines(a.readme, b.readme) };
}

/** A definition found by search, with the parameters that matched. */
export interface DefinitionHit extends DefinitionSummary {
  /** Paths of parameters whose name matched the query (e.g. `route.domain`). */
  parameters: string[];
}

/** What the search page shows. */
export interface SearchModel {
  query: { q?: string; parameter?: string; type?: string };
  addons: Page<AddonSummary>;
  definitions: { items: DefinitionHit[]; total: number };
}

/** The words of a query that could be parameter names. */
function parameterWords(q: string | undefined): string[] {
  return q ? [...new Set(q.split(/\s+/).filter((w) => /^[A-Za-z_][\w-]*$/.test(w)))] : [];
}

/**
 * Search: addons by name, description and tag (and by their definitions'
 * text), definitions by text and by parameter name (`?parameter=domain`, or a
 * word of `q` that names a parameter).
 */
export async function loadSearch(registry: Registry, query: { q?: string; parameter?: string; type?: string }): Promise<SearchModel> {
  checkType(query.type);
  const { store } = registry;
  const limit = 50;
  const addons = query.q ? await store.searchAddons({ text: query.q, type: query.type, limit, offset: 0 }) : { items: [], total: 0, limit, offset: 0 };
  // The matched parameter paths come with each hit, from the search's own rows.
  const matching = [...new Set([...(query.parameter ? [query.parameter] : []), ...parameterWords(query.q)].map((w) => w.toLowerCase()))];
  const found = new Map<string, DefinitionMatch>();
  let total = 0;
  const add = (page: Page<DefinitionMatch>) => {
    for (const d of page.items) found.set(`${d.addon}@${d.version}/${d.type}/${d.name}`, d);
    total = Math.max(total, page.total);
  };
  if (query.parameter) add(await store.searchDefinitions({ parameter: query.parameter, type: query.type, matching, limit, offset: 0 }));
  if (query.q) {
    add(await store.searchDefinitions({ text: query.q, type: query.type, matching, limit, offset: 0 }));
    for (const word of parameterWords(query.q)) add(await store.searchDefinitions({ parameter: word, type: query.type, matching, limit, offset: 0 }));
  }
  const items: DefinitionHit[] = [...found.values()].map((d) => ({ ...d, parameters: d.parameters ?? [] }));
  items.sort((a, b) => b.parameters.length - a.parameters.length);
  return { query, addons, definitions: { items, total: Math.max(total, items.length) } };
}

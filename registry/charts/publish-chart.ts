import { isVelahubError, VelahubError } from '../../core/errors.ts';
import { refusal } from '../../core/diagnostics.ts';
import { inspectChart } from '../../core/chart/inspect.ts';
import { sha256, unpackArchive } from '../../core/package/archive.ts';
import { defaultLimits, type PackageLimits } from '../../core/package/files.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { ChartStore } from '../store/chart-store.ts';
import type { TokenRecord } from '../store/records.ts';
import { mayPublish } from '../tokens.ts';
import { requireChartVersion } from '../lookups.ts';
import { chartIndexEntry } from './chart-index.ts';

/** What uploading a chart needs. */
export interface ChartPublishDeps {
  charts: ChartStore;
  blobs: BlobStore;
  limits?: PackageLimits;
  now?: () => Date;
}

/** The outcome of an upload: `created` (201) or `unchanged` (identical bytes already there: 200). */
export interface ChartPublishResult {
  status: 'created' | 'unchanged';
  name: string;
  version: string;
  digest: string;
  size: number;
}

/**
 * Uploads a chart archive (`helm package` output as is): unpacked under the
 * same safety limits as addons, the token's scope checked against the chart
 * name, the chart validated (all problems at once), then the blob written
 * durably and the version row committed. A version is immutable: identical
 * bytes again are a no-op, other bytes a 409, and a deleted version's number
 * stays taken.
 */
export async function publishChart(deps: ChartPublishDeps, archive: Uint8Array, token: TokenRecord | undefined): Promise<ChartPublishResult> {
  if (!token) throw new VelahubError('EUNAUTHORIZED', 'uploading a chart needs a token: send Authorization: Bearer <token>', { hint: 'create one with `velahub token create --scope publish --pattern NAME`' });
  const limits = deps.limits ?? defaultLimits;
  if (archive.length > limits.maxTotalBytes) throw new VelahubError('EPACKAGE_TOO_LARGE', `chart archive of ${archive.length} bytes exceeds the ${limits.maxTotalBytes}-byte limit`);
  const { top, files } = await unpackArchive(archive, limits).catch((err: unknown) => {
    throw inChartWords(err);
  });
  const inspection = inspectChart(top, files);
  // The name decides who may upload: refuse a token that does not cover it before listing the chart's problems.
  const name = inspection.name;
  if (name && !mayPublish(token, name)) {
    throw new VelahubError('EFORBIDDEN', `token ${token.id} (${token.scope}${token.pattern ? ` ${token.pattern}` : ''}) may not upload chart "${name}"`, { hint: 'use a token whose pattern covers this name' });
  }
  if (!inspection.manifest) throw refusal(`chart ${name ?? top}${inspection.version ? `@${inspection.version}` : ''}`, inspection.diagnostics);
  const { metadata } = inspection.manifest;
  const digest = sha256(archive);
  const existing = await deps.charts.get(metadata.name, metadata.version);
  if (existing) return sameOrConflict(existing.digest, existing.deletedAt, digest, metadata.name, metadata.version, archive.length);

  await deps.blobs.put(archive);
  const createdAt = (deps.now?.() ?? new Date()).toISOString();
  const outcome = await deps.charts.insert({
    name: metadata.name,
    version: metadata.version,
    digest,
    size: archive.length,
    createdAt,
    metadata,
    manifest: inspection.manifest,
    indexEntry: chartIndexEntry({ metadata, digest, createdAt }),
    publishedBy: token.id,
    deletedAt: null,
    deletedBy: null,
  });
  if (!outcome.created) return sameOrConflict(outcome.existingDigest, outcome.deletedAt, digest, metadata.name, metadata.version, archive.length);
  return { status: 'created', name: metadata.name, version: metadata.version, digest, size: archive.length };
}

/** The unpacker speaks of addons; an upload to the chart repository is told about charts. */
function inChartWords(err: unknown): unknown {
  if (!isVelahubError(err) || !['EBAD_LAYOUT', 'EBAD_ARCHIVE'].includes(err.code)) return err;
  const message = err.message.replace(/an addon archive/g, 'a chart archive').replace(/named like the addon/g, 'named like the chart');
  return new VelahubError(err.code, message, { path: err.path, data: err.data, hint: err.code === 'EBAD_ARCHIVE' ? 'upload what `helm package` writes, or use `velahub chart push DIR`' : err.hint });
}

function sameOrConflict(existingDigest: string, deletedAt: string | null, digest: string, name: string, version: string, size: number): ChartPublishResult {
  if (deletedAt) {
    throw new VelahubError('ECONFLICT', `chart ${name}@${version} was deleted at ${deletedAt}; a deleted version's number is never reused, so clusters that pinned it cannot get other content under it`, { hint: 'bump the version in Chart.yaml', data: { existingDigest, digest } });
  }
  if (existingDigest === digest) return { status: 'unchanged', name, version, digest, size };
  throw new VelahubError('ECONFLICT', `chart ${name}@${version} is already uploaded with different content (${existingDigest}); chart versions are immutable`, { hint: 'bump the version in Chart.yaml', data: { existingDigest, digest } });
}

/**
 * Deletes a chart version (the route checks the admin scope): it leaves
 * /helm/index.yaml and the API, its archive is no longer served, and its number
 * stays taken. Installed releases are not touched: Flux keeps what it installed.
 */
export async function deleteChart(charts: ChartStore, name: string, version: string, token: TokenRecord): Promise<{ name: string; version: string; deleted: true }> {
  // Refused deletes (no such version, already deleted) are told why by the lookup.
  if (!(await charts.delete(name, version, token.id))) await requireChartVersion(charts, name, version);
  return { name, version, deleted: true };
}

import { isVelahubError, VelahubError } from '../../core/errors.ts';
import { refusal } from '../../core/diagnostics.ts';
import { inspectChart, type ChartInspection } from '../../core/chart/inspect.ts';
import type { PackageLimits } from '../../core/package/files.ts';
import { parameterReference } from '../../core/params/reference.ts';
import { publishPackage, type PackageResult, type PublishKind, type ReadPackage } from '../publish.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { ChartStore } from '../store/chart-store.ts';
import type { TokenRecord } from '../store/records.ts';
import { requireChartVersion } from './chart-lookups.ts';
import { chartIndexEntry } from './chart-index.ts';
import type { OciStore } from '../store/oci-store.ts';
import { chartTag } from '../../core/oci/manifest.ts';
import { writeChartManifest, type PushedChartManifest } from '../oci/chart-manifests.ts';

/** What uploading a chart needs. */
export interface ChartPublishDeps {
  charts: ChartStore;
  blobs: BlobStore;
  /** Where the version's OCI manifest is written, in its insert transaction (see writeChartManifest). */
  oci?: OciStore;
  /** The manifest an OCI push sent; without it one is derived from Chart.yaml and the archive. */
  pushed?: PushedChartManifest;
  /** An OCI push names the chart by its repository and the version by its tag: the chart must be that one. */
  expect?: { repo: string; name: string; tag: string };
  limits?: PackageLimits;
  now?: () => Date;
}

/** The outcome of an upload: `created` (201) or `unchanged` (identical bytes already there: 200). */
export type ChartPublishResult = PackageResult;

/** A chart read from its archive: Chart.yaml's name (when readable) and the whole inspection. */
interface ReadChart extends ReadPackage {
  inspection: ChartInspection;
}

/** The unpacker speaks of addons; an upload to the chart repository is told about charts. */
function inChartWords(err: unknown): unknown {
  if (!isVelahubError(err) || !['EBAD_LAYOUT', 'EBAD_ARCHIVE'].includes(err.code)) return err;
  const message = err.message.replace(/an addon archive/g, 'a chart archive').replace(/named like the addon/g, 'named like the chart');
  return new VelahubError(err.code, message, { path: err.path, data: err.data, hint: err.code === 'EBAD_ARCHIVE' ? 'upload what `helm package` writes, or use `velahub chart push DIR`' : err.hint });
}

/**
 * The chart kind of the publish pipeline: Chart.yaml names it, the chart is validated (all
 * problems at once), its index entry and values parameter tables are derived here, once, and a
 * deleted version's number stays taken.
 */
function chartKind(deps: ChartPublishDeps): PublishKind<ReadChart, object> {
  return {
    words: {
      needsToken: 'uploading a chart needs a token: send Authorization: Bearer <token>',
      archive: 'chart archive',
      act: 'upload chart',
      subject: (name, version) => `chart ${name}@${version}`,
      arrived: 'uploaded',
      immutable: 'chart versions are immutable',
      bump: 'bump the version in Chart.yaml',
    },
    unpackError: inChartWords,
    read(top, files) {
      const inspection = inspectChart(top, files);
      return {
        name: inspection.name,
        inspection,
        identity() {
          if (!inspection.manifest) throw refusal(`chart ${inspection.name ?? top}${inspection.version ? `@${inspection.version}` : ''}`, inspection.diagnostics);
          const { name, version } = inspection.manifest.metadata;
          const expect = deps.expect;
          if (expect && (name !== expect.name || chartTag(version) !== expect.tag)) {
            throw new VelahubError('EINVALID', `the chart layer holds chart ${name}@${version}, but it was pushed as ${expect.repo}:${expect.tag}: push it to charts/${name} with tag ${chartTag(version)} (what \`helm push CHART.tgz oci://HOST/charts\` does)`, { path: 'Chart.yaml' });
          }
          return { name, version };
        },
      };
    },
    async stored(name, version) {
      const existing = await deps.charts.get(name, version);
      return existing && { twin: { digest: existing.digest, version: existing.version, deletedAt: existing.deletedAt }, extra: {} };
    },
    async prepare(read, published) {
      const manifest = read.inspection.manifest!;
      const { metadata } = manifest;
      const createdAt = (deps.now?.() ?? new Date()).toISOString();
      const record = {
        ...published,
        createdAt,
        metadata,
        manifest,
        indexEntry: chartIndexEntry({ metadata, digest: published.digest, createdAt }),
        parameters: parameterReference(manifest.parameterSchema),
        deletedAt: null,
        deletedBy: null,
      };
      return {
        extra: {},
        async insert(beforeCommit) {
          const outcome = await deps.charts.insert(record, async (tx) => {
            await beforeCommit();
            if (deps.oci) await writeChartManifest({ oci: deps.oci, blobs: deps.blobs }, tx, record, deps.pushed);
          });
          return outcome.created ? outcome : { created: false, existing: { digest: outcome.existingDigest, version: published.version, deletedAt: outcome.deletedAt } };
        },
      };
    },
  };
}

/**
 * Uploads a chart archive (`helm package` output as is) through the one publish pipeline:
 * unpacked under the same safety limits as addons, the token's scope checked against the chart
 * name, the chart validated, then the version row inserted and the blob written inside its
 * transaction. A version is immutable: identical bytes again are a no-op, other bytes a 409,
 * and a deleted version's number stays taken.
 */
export async function publishChart(deps: ChartPublishDeps, archive: Uint8Array, token: TokenRecord | undefined): Promise<ChartPublishResult> {
  return publishPackage(chartKind(deps), deps, archive, token);
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

import { chartManifest, chartTag, ociManifestType } from '../../core/oci/manifest.ts';
import type { ChartMetadata } from '../../core/chart/chart-yaml.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { OciStore } from '../store/oci-store.ts';
import type { SqlExecutor } from '../store/sql-client.ts';
import type { Row } from '../store/sql-rows.ts';

/** The OCI repository of a chart: `charts/NAME`. */
export const chartRepo = (name: string): string => `charts/${name}`;

/** The manifest an OCI push sent for a chart version: written to the blob store only once the version is accepted. */
export interface PushedChartManifest {
  bytes: Buffer;
  /** Its config blob's digest. */
  config: string;
  annotations: Record<string, string> | null;
  /** The blobs it names (config and layers). */
  blobs: string[];
}

/** A chart version as the OCI side needs it: who it is and its archive. */
export interface ChartVersionArchive {
  name: string;
  version: string;
  digest: string;
  size: number;
  metadata: ChartMetadata;
}

/**
 * Writes a chart version's OCI form inside the transaction that inserts the version, so the
 * two never disagree: the manifest an OCI push sent, or — for an upload through the ChartMuseum
 * API or `velahub chart push` — one derived from Chart.yaml (config) and the archive (the one
 * layer), whose bytes are written to the blob store first. Either way the archive and config
 * blobs are linked into `charts/NAME` and the version is tagged.
 */
export async function writeChartManifest(deps: { oci: OciStore; blobs: BlobStore }, tx: SqlExecutor, v: ChartVersionArchive, pushed?: PushedChartManifest): Promise<void> {
  const repo = chartRepo(v.name);
  let manifest = pushed;
  if (!manifest) {
    const derived = chartManifest({ metadata: v.metadata as unknown as Record<string, unknown>, archiveDigest: v.digest, archiveSize: v.size });
    const configDigest = await deps.blobs.put(derived.config);
    await deps.oci.linkBlob(repo, configDigest, derived.config.length, tx);
    manifest = { bytes: derived.manifest, config: configDigest, annotations: JSON.parse(derived.manifest.toString('utf8')).annotations as Record<string, string>, blobs: [configDigest, v.digest] };
  }
  const digest = await deps.blobs.put(manifest.bytes);
  await deps.oci.linkBlob(repo, v.digest, v.size, tx);
  await deps.oci.putManifest({ repo, digest, mediaType: ociManifestType, size: manifest.bytes.length, artifactType: null, subject: null, annotations: manifest.annotations, config: manifest.config, chartVersion: v.version }, chartTag(v.version), manifest.blobs, tx);
}

/**
 * Gives every live chart version stored before the OCI API (no manifest row) its derived
 * manifest, so it can be pulled over OCI. Idempotent; returns how many it wrote.
 */
export async function backfillChartManifests(deps: { oci: OciStore; blobs: BlobStore }): Promise<number> {
  const db = deps.oci.db;
  const rows = (await db.query<Row>(
    `SELECT v.name, v.version, v.digest, v.size, v.metadata FROM chart_versions v
     WHERE v.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM oci_manifests m WHERE m.repo = 'charts/' || v.name AND m.chart_version = v.version)`,
  )).rows;
  for (const r of rows) {
    const metadata = (typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata) as ChartMetadata;
    await db.transaction((tx) => writeChartManifest(deps, tx, { name: String(r.name), version: String(r.version), digest: String(r.digest), size: Number(r.size), metadata }));
  }
  return rows.length;
}

/**
 * OCI image manifests as the template center reads them: parsed and checked for shape, with
 * Helm's media types named once. Pure: no HTTP, no store; the registry decides what a refusal
 * is called on the wire.
 */
import { sha256 } from '../package/archive.ts';

/** The media type of an OCI image manifest: what a chart, its signatures and SBOMs are. */
export const ociManifestType = 'application/vnd.oci.image.manifest.v1+json';
/** The media type of an OCI image index: stored as any registry stores it (no chart is one). */
export const ociIndexType = 'application/vnd.oci.image.index.v1+json';
/** Helm's chart config: Chart.yaml's fields as JSON. */
export const helmConfigType = 'application/vnd.cncf.helm.config.v1+json';
/** Helm's chart layer: the archive `helm package` writes. */
export const helmChartLayerType = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
/** Helm's provenance layer (`helm package --sign`). */
export const helmProvenanceLayerType = 'application/vnd.cncf.helm.chart.provenance.v1.prov';

/** A content descriptor: what a manifest points at. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** An image manifest's fields velahub uses. */
export interface ImageManifest {
  mediaType: typeof ociManifestType;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An image index's fields velahub uses: the manifests it lists must be in the repository. */
export interface ImageIndex {
  mediaType: typeof ociIndexType;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Why a manifest was refused: the spec's error code and a message naming the field. */
export interface ManifestProblem {
  code: 'MANIFEST_INVALID' | 'DIGEST_INVALID' | 'UNSUPPORTED';
  message: string;
}

/** sha256 is the one digest algorithm velahub stores (sha512 is refused, as the spec allows). */
export const sha256Digest = /^sha256:[a-f0-9]{64}$/;
/** Any digest of the spec's grammar (`algorithm:encoded`), to tell "unsupported" from "malformed". */
export const anyDigest = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

/** A descriptor at `path`, or the problem with it. */
function descriptorAt(v: unknown, path: string): Descriptor | ManifestProblem {
  if (!isObject(v)) return { code: 'MANIFEST_INVALID', message: `${path} must be a descriptor object with mediaType, digest and size` };
  if (typeof v.mediaType !== 'string' || !v.mediaType) return { code: 'MANIFEST_INVALID', message: `${path}.mediaType must be a non-empty string` };
  if (typeof v.digest !== 'string' || !anyDigest.test(v.digest)) return { code: 'DIGEST_INVALID', message: `${path}.digest ${JSON.stringify(v.digest)} is not a digest (algorithm:hex)` };
  if (!sha256Digest.test(v.digest)) return { code: 'UNSUPPORTED', message: `${path}.digest ${JSON.stringify(v.digest)}: velahub stores sha256 digests only` };
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) return { code: 'MANIFEST_INVALID', message: `${path}.size must be a non-negative integer` };
  if (v.annotations !== undefined && !stringMap(v.annotations)) return { code: 'MANIFEST_INVALID', message: `${path}.annotations must map strings to strings` };
  if (/\.nondistributable\./.test(v.mediaType)) return { code: 'UNSUPPORTED', message: `${path}.mediaType ${v.mediaType}: non-distributable layers are not stored by velahub` };
  return { mediaType: v.mediaType, digest: v.digest, size: v.size, ...(typeof v.artifactType === 'string' ? { artifactType: v.artifactType } : {}), ...(v.annotations ? { annotations: v.annotations as Record<string, string> } : {}) };
}

const isProblem = (v: unknown): v is ManifestProblem => isObject(v) && typeof v.code === 'string' && typeof v.message === 'string' && !('digest' in v);

/** Descriptors at `path`, or the problem with the first bad one. */
function descriptorsAt(v: unknown, path: string): Descriptor[] | ManifestProblem {
  if (!Array.isArray(v)) return { code: 'MANIFEST_INVALID', message: `${path} must be an array of descriptors` };
  const out: Descriptor[] = [];
  for (const [i, x] of v.entries()) {
    const d = descriptorAt(x, `${path}[${i}]`);
    if (isProblem(d)) return d;
    out.push(d);
  }
  return out;
}

/**
 * Parses a manifest body sent with `contentType`: an OCI image manifest (schemaVersion 2,
 * config, layers, optional subject) or image index (manifests); other media types are refused.
 */
export function parseImageManifest(body: Uint8Array, contentType: string | undefined): ImageManifest | ImageIndex | ManifestProblem {
  const type = (contentType ?? '').split(';')[0]!.trim();
  if (type !== ociManifestType && type !== ociIndexType) return { code: 'MANIFEST_INVALID', message: `Content-Type ${JSON.stringify(type)} is not a manifest type velahub stores: send ${ociManifestType} (or ${ociIndexType})` };
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    return { code: 'MANIFEST_INVALID', message: `the manifest is not JSON: ${(err as Error).message}` };
  }
  if (!isObject(doc)) return { code: 'MANIFEST_INVALID', message: 'the manifest must be a JSON object' };
  if (doc.schemaVersion !== 2) return { code: 'MANIFEST_INVALID', message: `schemaVersion must be 2, got ${JSON.stringify(doc.schemaVersion)}` };
  if (doc.mediaType !== undefined && doc.mediaType !== type) return { code: 'MANIFEST_INVALID', message: `mediaType ${JSON.stringify(doc.mediaType)} differs from the Content-Type ${type}` };
  let subject: Descriptor | undefined;
  if (doc.subject !== undefined) {
    const d = descriptorAt(doc.subject, 'subject');
    if (isProblem(d)) return d;
    subject = d;
  }
  if (doc.artifactType !== undefined && typeof doc.artifactType !== 'string') return { code: 'MANIFEST_INVALID', message: 'artifactType must be a string' };
  if (doc.annotations !== undefined && !stringMap(doc.annotations)) return { code: 'MANIFEST_INVALID', message: 'annotations must map strings to strings' };
  const common = {
    ...(subject ? { subject } : {}),
    ...(typeof doc.artifactType === 'string' ? { artifactType: doc.artifactType } : {}),
    ...(doc.annotations ? { annotations: doc.annotations as Record<string, string> } : {}),
  };
  if (type === ociIndexType) {
    const manifests = descriptorsAt(doc.manifests, 'manifests');
    if (isProblem(manifests)) return manifests;
    return { mediaType: ociIndexType, manifests, ...common };
  }
  const config = descriptorAt(doc.config, 'config');
  if (isProblem(config)) return config;
  const layers = descriptorsAt(doc.layers, 'layers');
  if (isProblem(layers)) return layers;
  return {
    mediaType: ociManifestType,
    config,
    layers,
    ...common,
  };
}

/** The problem of a parse, or undefined for a manifest or index. */
export function manifestProblem(m: ImageManifest | ImageIndex | ManifestProblem): ManifestProblem | undefined {
  return isProblem(m) ? m : undefined;
}

/** The blobs a manifest names (config and layers; an index names manifests, no blobs). */
export function blobDigests(m: ImageManifest | ImageIndex): string[] {
  return m.mediaType === ociIndexType ? [] : [m.config.digest, ...m.layers.map((l) => l.digest)];
}

/** The layers of a Helm chart manifest: its one chart archive and an optional provenance file. */
export interface ChartLayers {
  chart: Descriptor;
  provenance?: Descriptor;
}

/**
 * Checks that a manifest with Helm's config type holds what `helm push` sends: exactly one
 * chart layer and at most one provenance layer, nothing else.
 */
export function chartLayers(m: ImageManifest): ChartLayers | ManifestProblem {
  const charts = m.layers.filter((l) => l.mediaType === helmChartLayerType);
  const provs = m.layers.filter((l) => l.mediaType === helmProvenanceLayerType);
  const others = m.layers.filter((l) => l.mediaType !== helmChartLayerType && l.mediaType !== helmProvenanceLayerType);
  if (others.length) return { code: 'MANIFEST_INVALID', message: `a Helm chart manifest (config ${helmConfigType}) holds one ${helmChartLayerType} layer and at most one provenance layer; layer media type ${others.map((o) => JSON.stringify(o.mediaType)).join(', ')} is not one of them` };
  if (charts.length !== 1) return { code: 'MANIFEST_INVALID', message: `a Helm chart manifest holds exactly one ${helmChartLayerType} layer, this one holds ${charts.length}` };
  if (provs.length > 1) return { code: 'MANIFEST_INVALID', message: `a Helm chart manifest holds at most one provenance layer, this one holds ${provs.length}` };
  return { chart: charts[0]!, ...(provs[0] ? { provenance: provs[0] } : {}) };
}

/** Helm's OCI tag of a chart version: `+` is not allowed in a tag, so Helm writes `_`. */
export function chartTag(version: string): string {
  return version.replace(/\+/g, '_');
}

/**
 * The manifest and config of a chart version uploaded without OCI (ChartMuseum API, `velahub
 * chart push`), so it can be pulled over OCI: the config is Chart.yaml's fields as JSON (what
 * Helm writes), the one layer the very archive. Deterministic: the same version always has the
 * same manifest digest.
 */
export function chartManifest(input: { metadata: Record<string, unknown>; archiveDigest: string; archiveSize: number }): { config: Buffer; manifest: Buffer } {
  const config = Buffer.from(JSON.stringify(input.metadata));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifestType,
      config: { mediaType: helmConfigType, digest: sha256(config), size: config.length },
      layers: [{ mediaType: helmChartLayerType, digest: input.archiveDigest, size: input.archiveSize }],
      annotations: {
        'org.opencontainers.image.title': String(input.metadata.name),
        'org.opencontainers.image.version': String(input.metadata.version),
        ...(typeof input.metadata.description === 'string' ? { 'org.opencontainers.image.description': input.metadata.description } : {}),
      },
    }),
  );
  return { config, manifest };
}

import type { Request, Response } from 'express';
import { sha256 } from '../../core/package/archive.ts';
import { blobDigests, chartLayers, chartTag, helmConfigType, manifestProblem, ociIndexType, ociManifestType, parseImageManifest, type ImageIndex, type ImageManifest } from '../../core/oci/manifest.ts';
import { defaultLimits } from '../../core/package/files.ts';
import { receiveBounded } from '../http/upload.ts';
import type { Registry } from '../registry.ts';
import { BlobLinkMissing, type OciManifestRecord } from '../store/oci-store.ts';
import { deleteChart, publishChart } from '../charts/publish-chart.ts';
import { requireDigest, type ContentCache } from './blob-routes.ts';
import { chartNameOfRepo, requireAccess } from './oci-auth.ts';
import { OciError } from './oci-errors.ts';

/** Manifests up to 4 MiB are accepted, the size the spec asks registries to take at least. */
export const maxManifestBytes = 4 * 1024 * 1024;

/** The spec's tag grammar. */
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** A manifest reference: a tag or a sha256 digest. */
function parseReference(ref: string): { digest: string } | { tag: string } {
  if (ref.includes(':')) return { digest: requireDigest(ref, 'manifest digest') };
  if (!tagPattern.test(ref)) throw new OciError('MANIFEST_INVALID', 400, `tag ${JSON.stringify(ref)} is invalid: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'`);
  return { tag: ref };
}

/** The handlers of `/v2/<repo>/manifests/…`, tag listing and referrers. */
export function manifestHandlers(registry: Registry, privateReads: boolean, content: ContentCache) {
  const { oci, blobs, charts } = registry;
  const limits = registry.limits ?? defaultLimits;

  const find = async (repo: string, ref: string): Promise<OciManifestRecord> => {
    const r = parseReference(ref);
    const m = 'digest' in r ? await oci.manifest(repo, r.digest) : await oci.tagged(repo, r.tag);
    if (!m) throw new OciError('MANIFEST_UNKNOWN', 404, `manifest ${ref} is not in ${repo}`);
    return m;
  };

  /**
   * Every blob a manifest names must be in the repository, with the size it says; every
   * manifest an index lists must be in it too.
   */
  const requireBlobs = async (repo: string, m: ImageManifest | ImageIndex): Promise<void> => {
    if (m.mediaType === ociIndexType) {
      for (const [i, d] of m.manifests.entries()) {
        const found = await oci.manifest(repo, d.digest);
        if (!found) throw new OciError('MANIFEST_BLOB_UNKNOWN', 400, `manifests[${i}] names manifest ${d.digest}, which is not in ${repo}: push it first`, { digest: d.digest });
        if (found.size !== d.size) throw new OciError('MANIFEST_INVALID', 400, `manifests[${i}] says manifest ${d.digest} has ${d.size} bytes; it has ${found.size}`);
      }
      return;
    }
    const named = [{ d: m.config, at: 'config' }, ...m.layers.map((d, i) => ({ d, at: `layers[${i}]` }))];
    for (const { d, at } of named) {
      const size = await oci.blobSize(repo, d.digest);
      if (size === undefined) throw new OciError('MANIFEST_BLOB_UNKNOWN', 400, `${at} names blob ${d.digest}, which is not in ${repo}: push the blob first`, { digest: d.digest });
      if (size !== d.size) throw new OciError('MANIFEST_INVALID', 400, `${at} says blob ${d.digest} has ${d.size} bytes; it has ${size}`);
    }
  };

  /**
   * A Helm chart push: one chart layer (and a provenance layer at most), tagged with its version
   * (pushed by digest, as helm does before tagging, it is tagged so too); the archive goes through the same upload pipeline as the ChartMuseum
   * API (same checks, same immutability), which writes the version and this manifest in one
   * transaction.
   */
  const pushChart = async (req: Request, repo: string, tag: string | undefined, m: ImageManifest, body: Buffer, digest: string): Promise<void> => {
    const layers = chartLayers(m);
    if ('code' in layers) throw new OciError(layers.code, 400, layers.message);
    const { chart } = layers;
    const name = chartNameOfRepo(repo);
    const archive = await blobs.get(chart.digest);
    if (!archive) throw new OciError('MANIFEST_BLOB_UNKNOWN', 400, `the chart layer ${chart.digest} is missing from the blob store`);
    const config = await blobs.get(m.config.digest);
    let meta: { name?: unknown; version?: unknown } | undefined;
    try {
      meta = JSON.parse(config?.toString('utf8') ?? '') as typeof meta;
    } catch {
      meta = undefined;
    }
    if (!meta || typeof meta.name !== 'string' || typeof meta.version !== 'string') throw new OciError('MANIFEST_INVALID', 400, `the config blob ${m.config.digest} (${helmConfigType}) must be Chart.yaml's fields as JSON, with name and version`);
    // helm push sends the manifest by digest, then tags it: a chart's tag is its version either way.
    const versionTag = chartTag(meta.version);
    if (meta.name !== name || (tag !== undefined && versionTag !== tag)) {
      throw new OciError('MANIFEST_INVALID', 400, `the config names chart ${meta.name}@${meta.version}, but it was pushed as ${repo}${tag ? `:${tag}` : ''}: push it to charts/${meta.name} with tag ${versionTag}`);
    }
    // The manifest's bytes are written in the version's insert transaction: a refused chart writes nothing.
    const pushed = { bytes: body, config: m.config.digest, annotations: m.annotations ?? null, blobs: blobDigests(m) };
    const result = await publishChart({ charts, blobs, oci, pushed, limits, expect: { repo, name, tag: versionTag } }, archive, req.token);
    if (result.status === 'unchanged') {
      // The same chart again (helm push of the same archive, perhaps with new annotations): stored, the tag names it.
      await blobs.put(body);
      await oci.putManifest({ repo, digest, mediaType: m.mediaType, size: body.length, artifactType: null, subject: null, annotations: m.annotations ?? null, config: m.config.digest, chartVersion: result.version }, versionTag, blobDigests(m));
    }
  };

  return {
    /** GET/HEAD /v2/<repo>/manifests/<tag|digest>. */
    async get(req: Request, res: Response, repo: string, ref: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'pull', privateReads });
      chartNameOfRepo(repo);
      const m = await find(repo, ref);
      const headers = { 'Content-Type': m.mediaType, 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"`, 'Content-Length': String(m.size) };
      if (req.method === 'HEAD') {
        res.status(200).set(headers).end();
        return;
      }
      const body = await content.get(m.digest);
      if (!body) throw new OciError('MANIFEST_UNKNOWN', 404, `manifest ${m.digest} of ${repo} is missing from the blob store`);
      res.status(200).set(headers).end(body);
    },

    /** PUT /v2/<repo>/manifests/<tag|digest>. */
    async put(req: Request, res: Response, repo: string, ref: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'push', privateReads });
      const r = parseReference(ref);
      const declared = Number(req.get('content-length') ?? NaN);
      if (declared > maxManifestBytes) throw new OciError('SIZE_INVALID', 413, `the manifest of ${declared} bytes is over the ${maxManifestBytes}-byte limit`);
      const body = await receiveBounded(req, maxManifestBytes, 'the manifest');
      const digest = sha256(body);
      if ('digest' in r && r.digest !== digest) throw new OciError('DIGEST_INVALID', 400, `the manifest's digest is ${digest}, not ${r.digest} as the URL says`);
      const tag = 'tag' in r ? r.tag : undefined;
      const parsed = parseImageManifest(body, req.get('content-type'));
      const problem = manifestProblem(parsed);
      if (problem) throw new OciError(problem.code, 400, problem.message);
      const m = parsed as ImageManifest | ImageIndex;
      await requireBlobs(repo, m);
      try {
        if (m.mediaType === ociManifestType && m.config.mediaType === helmConfigType) await pushChart(req, repo, tag, m, body, digest);
        else {
          if (tag !== undefined) {
            const current = await oci.tagged(repo, tag);
            if (current?.chartVersion) throw new OciError('DENIED', 409, `tag ${tag} of ${repo} is chart version ${current.chartVersion}, which is immutable: tag this content otherwise`);
            // A deleted chart version's number stays taken over OCI too: `helm pull --version` must never get other content.
            const tomb = await charts.get(chartNameOfRepo(repo), tag.replace(/_/g, '+'));
            if (tomb?.deletedAt) throw new OciError('DENIED', 409, `tag ${tag} of ${repo} is the number of chart version ${tomb.name}@${tomb.version}, deleted at ${tomb.deletedAt}; a deleted version's number is never reused: tag this content otherwise`);
          }
          await blobs.put(body);
          await oci.putManifest({ repo, digest, mediaType: m.mediaType, size: body.length, artifactType: m.artifactType ?? (m.mediaType === ociManifestType ? m.config.mediaType : null), subject: m.subject?.digest ?? null, annotations: m.annotations ?? null, config: m.mediaType === ociManifestType ? m.config.digest : null, chartVersion: null }, tag, blobDigests(m));
          if (m.subject) res.set('OCI-Subject', m.subject.digest);
        }
      } catch (err) {
        // requireBlobs saw the link; velahub gc removed it (unused for longer than its bound) before the manifest's transaction.
        if (err instanceof BlobLinkMissing) throw new OciError('MANIFEST_BLOB_UNKNOWN', 400, `${err.message} any more (velahub gc removed it as unused while this manifest was pushed): push the blob again`, { digest: err.digest });
        throw err;
      }
      res.status(201).set({ Location: `/v2/${repo}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' }).end();
    },

    /**
     * DELETE /v2/<repo>/manifests/<tag|digest> (admin). A chart version's tag or manifest deletes
     * the chart version as the template center's delete does (gone from /helm/index.yaml, its
     * number taken for ever); other content: a tag, or a manifest with its tags.
     */
    async delete(req: Request, res: Response, repo: string, ref: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'delete', privateReads });
      const name = chartNameOfRepo(repo);
      const m = await find(repo, ref);
      if (m.chartVersion) await deleteChart(charts, name, m.chartVersion, req.token!);
      else if (!ref.includes(':')) await oci.deleteTag(repo, ref);
      else await oci.deleteManifest(repo, m.digest);
      res.status(202).set('Content-Length', '0').end();
    },

    /** GET /v2/<repo>/tags/list?n=&last=, in lexical order, with a Link to the next page. */
    async tags(req: Request, res: Response, repo: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'pull', privateReads });
      chartNameOfRepo(repo);
      const n = req.query.n === undefined || req.query.n === '' ? undefined : Number(req.query.n);
      if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new OciError('UNSUPPORTED', 400, `n ${JSON.stringify(req.query.n)} is invalid: a number of tags, 0 or more`);
      const last = typeof req.query.last === 'string' ? req.query.last : undefined;
      const tags = n === 0 ? [] : await oci.tags(repo, { n, last });
      if (n !== undefined && n > 0 && tags.length === n) res.set('Link', `</v2/${repo}/tags/list?n=${n}&last=${encodeURIComponent(tags[tags.length - 1]!)}>; rel="next"`);
      res.json({ name: repo, tags });
    },

    /** GET /v2/<repo>/referrers/<digest>?artifactType=: the manifests whose subject it is, as an image index. */
    async referrers(req: Request, res: Response, repo: string, ref: string): Promise<void> {
      requireAccess(req, res, { repo, action: 'pull', privateReads });
      chartNameOfRepo(repo);
      const digest = requireDigest(ref, 'subject digest');
      const filter = typeof req.query.artifactType === 'string' && req.query.artifactType ? req.query.artifactType : undefined;
      const all = await oci.referrers(repo, digest);
      const manifests = all
        .filter((m) => !filter || m.artifactType === filter)
        .map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, ...(m.artifactType ? { artifactType: m.artifactType } : {}), ...(m.annotations ? { annotations: m.annotations } : {}) }));
      if (filter) res.set('OCI-Filters-Applied', 'artifactType');
      // Exactly the index media type (no charset): clients compare it.
      const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: ociIndexType, manifests }));
      res.status(200).set({ 'Content-Type': ociIndexType, 'Content-Length': String(body.length) }).end(body);
    },
  };
}

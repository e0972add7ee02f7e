import { Router, type Request, type Response } from 'express';
import { VelahubError } from '../../core/errors.ts';
import { defaultLimits } from '../../core/package/files.ts';
import type { Registry } from '../registry.ts';
import { requireAdmin } from '../http/auth.ts';
import { pageQuery, queryText, requestBaseUrl } from '../http/page-query.ts';
import { archiveSource, indexSource, prepare, sendPrepared } from '../http/send-documents.ts';
import { readChartField, receiveBounded, uploadGate } from '../http/upload.ts';
import { chartVersionEntry } from './chart-index.ts';
import { requireChart, requireChartName, requireChartVersion } from './chart-lookups.ts';
import { chartVersionDetail } from './chart-models.ts';
import { deleteChart, publishChart } from './publish-chart.ts';

const isMultipart = (req: Request): boolean => /^multipart\/form-data/i.test(req.get('content-type') ?? '');

/**
 * The chart archive of an upload: multipart field `chart` (ChartMuseum's form,
 * as `helm cm-push` and `curl -F chart=@x.tgz` send it) or the raw body
 * (`curl --data-binary @x.tgz`), streamed through a bounded temp file.
 */
async function readUpload(req: Request, limit: number): Promise<Buffer> {
  if (isMultipart(req)) return readChartField(req, limit, 'the chart .tgz as chart=@NAME-VERSION.tgz');
  const body = await receiveBounded(req, limit, 'the request body');
  if (body.length === 0) throw new VelahubError('EBAD_REQUEST', 'the request body is empty: send the chart .tgz as the body, or as multipart field "chart"');
  return body;
}

/**
 * The Helm chart repository (issue 14), apart from the addons' paths:
 * `/helm/index.yaml` and `/helm/charts/NAME-VERSION.tgz` for `helm repo add`,
 * ChartMuseum's API under `/helm/api/charts` (upload, list, delete), and the
 * JSON API under `/api/v1/charts`.
 */
export function chartRoutes(registry: Registry): Router {
  const { charts } = registry;
  const limits = registry.limits ?? defaultLimits;
  const router = Router();

  router.get('/helm/index.yaml', async (req, res) => {
    sendPrepared(req, res, prepare(indexSource(await registry.indexYaml('chart'))));
  });

  const sendChartArchive = async (req: Request, res: Response, name: string, version: string) => {
    const v = await requireChartVersion(charts, name, version);
    sendPrepared(req, res, prepare(await archiveSource(registry.blobs, v.digest, `chart ${name}@${version}`)));
  };

  router.get('/helm/charts/:file', async (req, res) => {
    const m = /^([a-z0-9]+(?:-[a-z0-9]+)*)-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)\.tgz$/.exec(String(req.params.file));
    if (!m) throw new VelahubError('ENOT_FOUND', `${req.params.file} is not a chart archive name: expected NAME-VERSION.tgz`);
    await sendChartArchive(req, res, m[1]!, m[2]!);
  });

  // Who may upload is decided from the headers before the body is read; the multipart framing adds a few hundred bytes.
  router.post('/helm/api/charts', uploadGate(limits.maxTotalBytes + 64 * 1024, 'uploading a chart'), async (req, res) => {
    const archive = await readUpload(req, limits.maxTotalBytes);
    // The version's OCI manifest is written with it, so it can be pulled over OCI too.
    const result = await publishChart({ charts, blobs: registry.blobs, oci: registry.oci, limits }, archive, req.token);
    res.status(result.status === 'created' ? 201 : 200).json({ saved: true, ...result });
  });

  router.get('/helm/api/charts', async (_req, res) => {
    const out: Record<string, unknown[]> = {};
    for (const v of await charts.liveRecords()) (out[v.name] ??= []).push(chartVersionEntry(v));
    res.json(out);
  });

  router.get('/helm/api/charts/:name', async (req, res) => {
    const name = requireChartName(String(req.params.name));
    await requireChart(charts, name);
    res.json((await charts.liveRecords(name)).map((v) => chartVersionEntry(v)));
  });

  router.get('/helm/api/charts/:name/:version', async (req, res) => {
    res.json(chartVersionEntry(await requireChartVersion(charts, requireChartName(String(req.params.name)), String(req.params.version))));
  });

  router.delete('/helm/api/charts/:name/:version', requireAdmin, async (req, res) => {
    res.json(await deleteChart(charts, requireChartName(String(req.params.name)), String(req.params.version), req.token!));
  });

  router.get('/api/v1/charts', async (req, res) => {
    res.json(await charts.list({ text: queryText(req.query.q), ...pageQuery(req, 50) }));
  });

  router.get('/api/v1/charts/:name', async (req, res) => {
    res.json(await requireChart(charts, requireChartName(String(req.params.name))));
  });

  router.get('/api/v1/charts/:name/versions/:version', async (req, res) => {
    res.json(chartVersionDetail(await requireChartVersion(charts, requireChartName(String(req.params.name)), String(req.params.version)), requestBaseUrl(req)));
  });

  router.get('/api/v1/charts/:name/versions/:version/archive', async (req, res) => {
    await sendChartArchive(req, res, requireChartName(String(req.params.name)), String(req.params.version));
  });

  return router;
}

import { Router, type Request, type Response } from 'express';
import type { Registry } from '../registry.ts';
import { pageOffset, queryText, requestBaseUrl } from '../http/page-query.ts';
import { htmlErrors, sendPage } from '../web/routes.ts';
import { twinUrl } from '../web/views/common.ts';
import { loadChart, loadChartList } from './chart-loaders.ts';
import { chartListView, chartView } from './chart-views.ts';

/**
 * The chart pages (/helm-charts, /helm-charts/NAME[/VERSION]) and their JSON twins under
 * /api/v1/pages/helm-charts, both rendered from the same loader output.
 */
export function chartPageRoutes(registry: Registry): Router {
  const { charts } = registry;
  const router = Router();
  const list = (req: Request) => loadChartList(charts, { q: queryText(req.query.q), offset: pageOffset(req), baseUrl: requestBaseUrl(req) });
  const one = (req: Request) => loadChart(charts, { name: String(req.params.name), version: req.params.version === undefined ? undefined : String(req.params.version), baseUrl: requestBaseUrl(req) });

  router.get('/api/v1/pages/helm-charts', async (req, res) => void res.json(await list(req)));
  router.get('/api/v1/pages/helm-charts/:name', async (req, res) => void res.json(await one(req)));
  router.get('/api/v1/pages/helm-charts/:name/:version', async (req, res) => void res.json(await one(req)));

  const pages = Router();
  pages.get('/helm-charts', async (req, res) => {
    const m = await list(req);
    sendPage(res, 200, { title: 'Helm charts', description: 'Application Helm charts', body: chartListView(m), jsonTwin: twinUrl(req.url) });
  });
  const chartPage = async (req: Request, res: Response) => {
    const m = await one(req);
    sendPage(res, 200, { title: `${m.version.name} ${m.version.version}`, description: m.version.description, body: chartView(m), jsonTwin: twinUrl(req.url) });
  };
  pages.get('/helm-charts/:name', chartPage);
  pages.get('/helm-charts/:name/:version', chartPage);
  pages.use(htmlErrors);
  router.use(pages);
  return router;
}

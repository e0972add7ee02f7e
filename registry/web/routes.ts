import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { isVelahubError } from '../../core/errors.ts';
import { hintOf, httpStatusOf } from '../../core/error-codes.ts';
import type { Registry } from '../registry.ts';
import { pageOffset, queryText, requestBaseUrl } from '../http/page-query.ts';
import { assets } from './assets.ts';
import type { SafeHtml } from './html.ts';
import { loadAddon, loadDefinition, loadDependents, loadDiff, loadHome, loadSearch } from './loaders.ts';
import { addonView } from './views/addon.ts';
import { twinUrl } from './views/common.ts';
import { definitionView } from './views/definition.ts';
import { diffView } from './views/diff.ts';
import { errorView } from './views/error.ts';
import { homeView } from './views/home.ts';
import { layout } from './views/layout.ts';
import { searchView } from './views/search.ts';

/** Pages may load only their own stylesheet and script; README images may come from https. */
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Sends a page in the site layout, with the pages' security headers. */
export function sendPage(res: Response, status: number, page: { title: string; description?: string; body: SafeHtml; jsonTwin?: string; query?: string }): void {
  res.status(status);
  res.set('Content-Security-Policy', contentSecurityPolicy);
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('Referrer-Policy', 'same-origin');
  res.set('Cache-Control', 'no-cache');
  res.type('html').send(layout(page));
}

/** Renders errors of page routes as HTML pages (the JSON API keeps the central JSON handler). */
export const htmlErrors: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) return next(err);
  if (isVelahubError(err)) {
    const status = httpStatusOf(err.code);
    sendPage(res, status, { title: status === 404 ? 'Not found' : 'Error', body: errorView(status, err.message, hintOf(err)) });
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  sendPage(res, 500, { title: 'Error', body: errorView(500, 'internal error') });
};

/**
 * The docs browser: server-rendered pages (/, /search, /addons/...), their JSON
 * twins under /api/v1/pages (the same loader output the page renders),
 * /api/v1/addons/:name/dependents, and the two static assets.
 */
export function docsRoutes(registry: Registry): Router {
  const router = Router();

  for (const asset of [assets.css, assets.js]) {
    router.get(asset.path, (req, res) => {
      res.set('Cache-Control', req.query.v === asset.hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
      res.set('X-Content-Type-Options', 'nosniff');
      res.type(asset.type).send(asset.body);
    });
  }

  const home = (req: Request) => loadHome(registry, { q: queryText(req.query.q), tag: queryText(req.query.tag), type: queryText(req.query.type), offset: pageOffset(req) });
  const search = (req: Request) => loadSearch(registry, { q: queryText(req.query.q), parameter: queryText(req.query.parameter), type: queryText(req.query.type) });
  const addon = (req: Request) => loadAddon(registry, { name: String(req.params.name), version: req.params.version === undefined ? undefined : String(req.params.version), baseUrl: requestBaseUrl(req) });
  const definition = (req: Request) => loadDefinition(registry, { name: String(req.params.name), version: String(req.params.version), definition: String(req.params.definition), type: queryText(req.query.type) });
  const diff = (req: Request) => loadDiff(registry, { name: String(req.params.name), from: queryText(req.query.from), to: queryText(req.query.to) });

  // JSON twins: exactly what each page renders.
  const api = Router();
  api.get('/api/v1/pages/home', async (req, res) => void res.json(await home(req)));
  api.get('/api/v1/pages/search', async (req, res) => void res.json(await search(req)));
  api.get('/api/v1/pages/addons/:name/diff', async (req, res) => void res.json(await diff(req)));
  api.get('/api/v1/pages/addons/:name', async (req, res) => void res.json(await addon(req)));
  api.get('/api/v1/pages/addons/:name/:version', async (req, res) => void res.json(await addon(req)));
  api.get('/api/v1/pages/addons/:name/:version/definitions/:definition', async (req, res) => void res.json(await definition(req)));
  api.get('/api/v1/addons/:name/dependents', async (req, res) => void res.json(await loadDependents(registry, String(req.params.name))));
  router.use(api);

  const pages = Router();
  pages.get('/', async (req, res) => {
    const m = await home(req);
    sendPage(res, 200, { title: 'Addons', description: 'KubeVela addons and X-Definitions', body: homeView(m), jsonTwin: twinUrl('/') + req.url.replace(/^\/[^?]*/, ''), query: m.query.q });
  });
  pages.get('/search', async (req, res) => {
    const m = await search(req);
    sendPage(res, 200, { title: m.query.q ? `Search: ${m.query.q}` : 'Search', body: searchView(m), jsonTwin: twinUrl(req.url), query: m.query.q });
  });
  pages.get('/addons/:name/diff', async (req, res) => {
    const m = await diff(req);
    sendPage(res, 200, { title: `${m.name} diff`, body: diffView(m), jsonTwin: twinUrl(req.url) });
  });
  const addonPage = async (req: Request, res: Response) => {
    const m = await addon(req);
    sendPage(res, 200, { title: `${m.version.name} ${m.version.version}`, description: m.version.metadata.description, body: addonView(m), jsonTwin: twinUrl(req.url) });
  };
  pages.get('/addons/:name', addonPage);
  pages.get('/addons/:name/:version', addonPage);
  pages.get('/addons/:name/:version/definitions/:definition', async (req, res) => {
    const m = await definition(req);
    sendPage(res, 200, { title: `${m.definition.name} (${m.definition.type})`, description: m.definition.description, body: definitionView(m), jsonTwin: twinUrl(req.url) });
  });
  pages.use(htmlErrors);
  router.use(pages);
  return router;
}

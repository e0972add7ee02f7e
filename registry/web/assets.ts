import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/package-root.ts';

/** One static file of the docs pages, with a content hash for cache busting. */
export interface Asset {
  path: string;
  type: string;
  body: Buffer;
  hash: string;
  /** URL pages link to: the path plus `?v=<hash>`. */
  url: string;
}

function load(file: string, type: string): Asset {
  const body = readFileSync(join(packageRoot, 'registry', 'web', 'assets', file));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const path = `/assets/${file}`;
  return { path, type, body, hash, url: `${path}?v=${hash}` };
}

/** The stylesheet and the script every page uses (served by the docs router, never from a CDN). */
export const assets = {
  css: load('docs.css', 'text/css; charset=utf-8'),
  js: load('docs.js', 'text/javascript; charset=utf-8'),
};

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createApp } from '../../registry/app.ts';
import { openRegistry } from '../../registry/registry.ts';

interface Layer {
  route?: { path: string | RegExp; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * Every (method, path) the express app serves, paths in OpenAPI's `{param}` form. A route
 * matched by a pattern (ChartMuseum's `[/CTX]/api[/REPO]/charts`) stands for the documented
 * paths it matches, or for its pattern when it matches none.
 */
function routesOf(stack: Layer[], documentedPaths: string[]): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const path = layer.route.path;
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (!on || method === '_all') continue;
        if (typeof path === 'string') out.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
        else {
          const matched = documentedPaths.filter((p) => path.test(p));
          out.push(...(matched.length ? matched : [path.source]).map((p) => `${method.toUpperCase()} ${p}`));
        }
      }
    } else if (layer.handle?.stack) out.push(...routesOf(layer.handle.stack, documentedPaths));
  }
  return out;
}

describe('schemas/velahub-api.openapi.yaml', () => {
  const doc = parse(readFileSync(new URL('../../schemas/velahub-api.openapi.yaml', import.meta.url), 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
  let dir: string;
  let close: () => Promise<void> = async () => undefined;
  after(async () => {
    await close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is an OpenAPI 3 document', () => {
    assert.match(doc.openapi, /^3\./);
  });

  it('documents every JSON API, index and archive route the server has (and no route it lacks)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'velahub-openapi-'));
    const registry = await openRegistry({ dataDir: dir, memory: true });
    close = () => registry.close();
    const app = createApp({ registry }) as unknown as { router: { stack: Layer[] } };
    const served = routesOf(app.router.stack, Object.keys(doc.paths)).filter((r) => /^\w+ \/(api|index\.yaml|charts|helm\/|healthz|readyz|metrics)/.test(r));
    assert.ok(served.length > 10, `found only ${served.length} routes: the route walk is broken`);
    const undocumented = served.filter((r) => !documented.has(r));
    assert.deepEqual(undocumented, [], 'routes missing from the OpenAPI document');
    // The OCI API under /v2/ is dispatched by one handler, not express routes: the spec's
    // conformance suite (test/oci/conformance.test.ts) checks those paths instead.
    const stale = [...documented].filter((r) => !served.includes(r) && !/^\w+ \/v2\//.test(r));
    assert.deepEqual(stale, [], 'documented routes the server does not serve');
  });
});

/**
 * Every definition of the bundled addons and of the KubeVela community catalog
 * (../shared/kubevela-catalog, read in place) evaluated by both CUE lines, one
 * test per file: inspect (header + the schema KubeVela would store) and a render
 * with parameters built from that schema.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import type { Diagnostic } from '../../../core/diagnostics.ts';
import { bundledAddonsDir } from '../../support/bundled.ts';
import { catalogDir } from '../../support/catalog.ts';
import { engineRunner, testEngines } from '../../support/cue-engines.ts';

// The bundled addons always; the catalog's where this machine has a snapshot (as every catalog test reads it).
const roots = [bundledAddonsDir, ...(catalogDir ? [catalogDir] : [])];
const files = roots.flatMap((root) =>
  existsSync(root)
    ? readdirSync(root)
        .sort()
        .flatMap((addon) => {
          const dir = join(root, addon, 'definitions');
          return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cue')).sort().map((f) => ({ file: `${addon}/definitions/${f}`, path: join(dir, f) })) : [];
        })
    : [],
);

/** What CUE v0.14.1 (KubeVela 1.11) refuses that v0.9.2 (KubeVela 1.10) accepts, by file. */
const refusedBy014: Record<string, RegExp> = {
  'o11y-definitions/definitions/grafana-dashboard-trait.cue': /Addition of lists is superseded by list\.Concat/,
  'o11y-definitions/definitions/import-grafana-dashboard.cue': /Addition of lists is superseded by list\.Concat/,
  'o11y-definitions/definitions/install-datasource-from-config.cue': /imported and not used: "strconv"/,
  'vela-workflow/definitions/read-app.cue': /imported and not used: "encoding\/yaml"/,
};

/** Parameters a schema cannot suggest (JSON in a string, a URL pattern). */
const parameters: Record<string, Record<string, unknown>> = {
  'helm-component/definitions/helm-component.cue': { url: 'https://charts.example.com', chart: 'podinfo' },
  'o11y-definitions/definitions/grafana-dashboard.cue': { uid: 'd1', data: '{}' },
  'o11y-definitions/definitions/grafana-datasource.cue': { uid: 'd1', data: '{}' },
  'vela-workflow/definitions/chat-gpt.cue': { token: { value: 'sk-test' }, prompt: { content: 'Is this app healthy?' } },
};

/** Definitions whose render needs what only a running cluster gives, or that KubeVela itself cannot render. */
const notRenderable: Record<string, { reason: string; error: RegExp }> = {
  'fluxcd/definitions/helm-labels.cue': { reason: 'a trait for a HelmRelease workload, not the sample Deployment', error: /cannot reference optional field: labels/ },
  'loki/definitions/file-logs.cue': { reason: 'marshals a value only a running workflow provides', error: /encoding\/yaml\.Marshal/ },
  'loki/definitions/stdout-logs.cue': { reason: 'reads context.cluster, set only when KubeVela renders for a cluster', error: /undefined field: cluster/ },
  'netlify/definitions/netlify.cue': { reason: 'the catalog template reads parameter.sitename while the parameter is sitname (a bug KubeVela hits too)', error: /undefined field: sitename/ },
  'o11y-definitions/definitions/grafana-dashboard-trait.cue': { reason: 'interpolates a value read from the cluster by a workflow step', error: /invalid interpolation/ },
  'o11y-definitions/definitions/install-kubernetes-api-datasource.cue': { reason: 'a workflow step decoding a token read from the cluster', error: /invalid interpolation/ },
};

type Schema = { type?: string; default?: unknown; enum?: unknown[]; required?: string[]; properties?: Record<string, Schema>; oneOf?: Schema[]; minimum?: number };

/** The smallest parameters the schema accepts: defaults, first enum values, required fields only. */
function sample(s: Schema | undefined): unknown {
  if (!s) return 'x';
  if (s.default !== undefined) return s.default;
  if (s.enum) return s.enum[0];
  if (s.oneOf) return sample(s.oneOf[0]);
  switch (s.type) {
    case 'integer':
    case 'number':
      return Math.max(1, s.minimum ?? 1);
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties?.[k])]));
    default:
      return 'x';
  }
}

// One evaluator per engine; every file is checked on each, and where both engines exist their
// results must be the same, value for value.
const engines = testEngines.map((engine) => ({ engine, cue: new CueEvaluator(engineRunner(engine)) }));
after(() => Promise.all(engines.map((e) => e.cue.close())));

const messages = (err: unknown) => ((err as { data?: Diagnostic[] }).data ?? []).map((d) => d.message).join('\n') || String(err);

/** The checks of one file on one engine; returns what it evaluated, to compare between engines. */
async function check(cue: CueEvaluator, file: string, source: string): Promise<unknown[]> {
  const stable = await cue.inspect(source, file, { line: 'v0.9' });
  assert.ok(stable.header.name, 'no header name');
  assert.ok(stable.kubevelaSchema, `KubeVela 1.10 would store no schema: ${stable.schemaError}`);
  assert.equal((stable.kubevelaSchema as Schema).type, 'object');
  assert.ok(stable.template.trim().length > 0, 'empty template text');
  const seen: unknown[] = [stable];

  const refused = refusedBy014[file];
  if (refused) {
    await assert.rejects(cue.inspect(source, file, { line: 'v0.14' }), (err) => refused.test(messages(err)));
  } else {
    const next = await cue.inspect(source, file, { line: 'v0.14' });
    assert.equal(next.header.name, stable.header.name);
    seen.push(next);
  }

  const params = parameters[file] ?? sample(stable.kubevelaSchema as Schema);
  const cannot = notRenderable[file];
  if (cannot) {
    await assert.rejects(cue.render(source, file, { parameters: params, line: 'v0.9' }), (err) => cannot.error.test(messages(err)), cannot.reason);
    return seen;
  }
  const rendered = await cue.render(source, file, { parameters: params, line: 'v0.9' });
  if (stable.header.type === 'component') assert.ok(rendered.output, 'a component rendered no output');
  return [...seen, rendered];
}

describe(`every bundled and catalog definition, as KubeVela 1.10 and 1.11 evaluate it (${testEngines.join(' and ')})`, () => {
  test('the catalog is there to read', { skip: catalogDir ? false : 'no catalog snapshot on this machine (set VELAHUB_CATALOG)' }, () =>
    assert.ok(files.length > 40, `only ${files.length} definition files found under ${roots.join(', ')}`));

  for (const { file, path } of files) {
    test(file, async () => {
      const source = readFileSync(path, 'utf8');
      const results = [];
      for (const { cue } of engines) results.push(await check(cue, file, source));
      for (let i = 1; i < results.length; i++) assert.deepEqual(results[i], results[0], `${engines[i]!.engine} and ${engines[0]!.engine} differ`);
    });
  }
});

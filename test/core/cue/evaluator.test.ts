import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CueEvaluator, type RenderResult } from '../../../core/cue/evaluator.ts';
import type { Diagnostic } from '../../../core/diagnostics.ts';
import { parameterSchemaFromOpenApi, type JsonSchema } from '../../../core/params/schema.ts';
import { ingressTrait, labelsTrait, webComponent } from '../../support/definitions.ts';
import { engineRunner, testEngines } from '../../support/cue-engines.ts';
import { rejectsCode } from '../../support/errors.ts';

const gateway = ingressTrait('gateway');
const web = webComponent('web');
const labels = labelsTrait('labels');

/** Asserts no message of an error or its diagnostics leaks the evaluator's temp files. */
function assertNoTempPath(err: Error & { data?: unknown }): void {
  const texts = [err.message, ...((err.data as Diagnostic[] | undefined) ?? []).map((d) => `${d.file} ${d.message}`)];
  for (const t of texts) assert.doesNotMatch(t, /\/tmp\/|velahub-cue|definition\.cue|parameter\.cue|header\.cue/, t);
}

// Every test on each engine: the native one must answer exactly as the WebAssembly one does.
for (const engine of testEngines) {
  describe(`${engine} engine`, () => {
    const cue = new CueEvaluator(engineRunner(engine));
    after(() => cue.close());

    describe('CueEvaluator.inspect', () => {
      let inspected: Awaited<ReturnType<CueEvaluator['inspect']>>;
      let schema: JsonSchema;
      const prop = (...path: string[]): JsonSchema => {
        let s: JsonSchema | undefined = schema;
        for (const p of path) s = p === '[]' ? s?.items : s?.properties?.[p];
        assert.ok(s, `no schema at ${path.join('.')}`);
        return s;
      };

      test('yields the header and the OpenAPI document of the parameters', async () => {
        inspected = await cue.inspect(gateway, 'definitions/gateway.cue');
        schema = parameterSchemaFromOpenApi(inspected.openapi!);
        assert.deepEqual(inspected.header, {
          name: 'gateway',
          type: 'trait',
          description: 'Routes traffic to the component',
          annotations: {},
          labels: {},
          attributes: { podDisruptive: false },
        });
        const schemas = (inspected.openapi!.components as { schemas: Record<string, JsonSchema> }).schemas;
        assert.equal(schemas.parameter?.type, 'object');
        assert.deepEqual(Object.keys(schemas.parameter!.properties!).sort(), ['annotations', 'class', 'route']);
      });

      test('the template text keeps imports and #defs, as a Definition CR carries it', () => {
        assert.match(inspected.template, /^import "strings"/);
        assert.match(inspected.template, /^#Route: \{/m);
        assert.match(inspected.template, /^parameter: \{/m);
        assert.match(inspected.template, /^outputs: \{/m);
        assert.doesNotMatch(inspected.template, /"gateway":|context: \{/);
      });

      test('a #Def referenced from a list (route: [...#Route]) is expanded', () => {
        assert.ok(!JSON.stringify(schema).includes('$ref'), 'a $ref is left');
        const route = prop('route');
        assert.equal(route.type, 'array');
        assert.equal(route.items?.type, 'object');
        assert.deepEqual(Object.keys(route.items!.properties!).sort(), ['host', 'internal', 'servicePort']);
        assert.deepEqual(route.items!.required, ['host']);
        assert.equal(prop('route', '[]', 'servicePort').default, 80);
        assert.deepEqual(schema.required, ['route']);
      });

      test('comment markers: +usage, +short, +alias, +ignore, +immutable', () => {
        assert.equal(prop('route').description, 'Routes to expose');
        assert.equal(prop('route')['x-short'], 'r');
        assert.equal(prop('route', '[]', 'host').description, 'Host name to match');
        assert.equal(prop('route', '[]', 'internal')['x-ignore'], true);
        assert.equal(prop('class')['x-immutable'], true);
        assert.equal(prop('class').description, 'Ingress class');
        assert.deepEqual(prop('class').enum, ['nginx', 'traefik']);
        assert.equal(prop('class').default, 'nginx');
        assert.equal(prop('annotations')['x-alias'], 'ann');
        assert.deepEqual(prop('annotations').additionalProperties, { type: 'string' });
        assert.equal(prop('route').title, 'route');
      });

      test('a syntax error is a diagnostic at the line of the user file, with no temp path', async () => {
        const broken = web.replace('description: "Runs a container"', 'description: "Runs a container');
        const err = await rejectsCode(cue.inspect(broken, 'definitions/x.cue'), 'ECUE', 'definitions/x.cue');
        const diagnostics = err.data as Diagnostic[];
        assert.equal(diagnostics[0]?.file, 'definitions/x.cue');
        assert.equal(diagnostics[0]?.line, 3);
        assert.equal(diagnostics[0]?.code, 'cue-error');
        assertNoTempPath(err);
      });

      test('a syntax error deep in the template points at its line', async () => {
        const lines = web.split('\n');
        const at = lines.findIndex((l) => l.includes('replicas: *1 | int'));
        lines[at] = lines[at] + ')';
        const err = await rejectsCode(cue.inspect(lines.join('\n'), 'definitions/web.cue'), 'ECUE');
        assert.equal((err.data as Diagnostic[])[0]?.line, at + 1);
        assertNoTempPath(err);
      });

      const headerRows: Array<{ name: string; source: string; code: string; mentions: string[] }> = [
        { name: 'a bad type', source: web.replace('type: "component"', 'type: "traits"'), code: 'definition-type', mentions: ['"traits"', '"trait"'] },
        { name: 'a name that is not a Kubernetes name', source: web.replace('"web": {', '"Web_App": {'), code: 'definition-name', mentions: ['"Web_App"'] },
        { name: 'no template', source: web.slice(0, web.indexOf('template:')), code: 'definition-no-template', mentions: ['template'] },
        { name: 'two headers', source: `"other": {\n\ttype: "trait"\n}\n${web}`, code: 'definition-header', mentions: ['other', 'web'] },
      ];
      for (const row of headerRows) {
        test(`header problem: ${row.name} → ${row.code}`, async () => {
          const err = await rejectsCode(cue.inspect(row.source, 'definitions/web.cue'), 'ECUE');
          const d = (err.data as Diagnostic[]).find((x) => x.code === row.code);
          assert.ok(d, JSON.stringify(err.data));
          assert.equal(d.file, 'definitions/web.cue');
          for (const m of row.mentions) assert.ok(d.message.includes(m), `${d.message} does not mention ${m}`);
        });
      }
    });

    describe('CueEvaluator.render', () => {
      test('renders outputs for the given parameters, defaults filled in', async () => {
        const result = await cue.render(gateway, 'definitions/gateway.cue', { parameters: { route: [{ host: 'Shop.Example.com' }, { host: 'api', servicePort: 8080 }], class: 'traefik' } });
        assert.deepEqual(Object.keys(result.outputs).sort(), ['route-0', 'route-1']);
        assert.deepEqual(result.outputs['route-0'], {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'example-0', annotations: { 'velahub.dev/class': 'TRAEFIK' } },
          spec: { rules: [{ host: 'shop.example.com', port: 80 }] },
        });
        assert.deepEqual((result.outputs['route-1']!.spec as { rules: unknown }).rules, [{ host: 'api', port: 8080 }]);
        assert.equal(result.output, undefined);
      });

      test("a component's output uses the context given", async () => {
        const result = await cue.render(web, 'definitions/web.cue', { parameters: { image: 'nginx:1.27', port: 8080 }, context: { name: 'shop' } });
        assert.deepEqual(result.output, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'shop' },
          spec: { replicas: 1, template: { spec: { containers: [{ name: 'shop', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] } } },
        });
        assert.deepEqual(result.outputs, {});
      });

      test("a trait's patch is returned, not applied", async () => {
        const result = await cue.render(labels, 'definitions/labels.cue', { parameters: { labels: { team: 'a' } } });
        assert.deepEqual(result.patch, { metadata: { labels: { team: 'a' } } });
        assert.equal(result.output, undefined);
      });

      test('a missing required parameter gives parameter-required naming it', async () => {
        const err = await rejectsCode(cue.render(web, 'definitions/web.cue', { parameters: { replicas: 2 } }), 'ECUE', 'definitions/web.cue', 'parameter "image" is required');
        const d = (err.data as Diagnostic[])[0]!;
        assert.equal(d.code, 'parameter-required', JSON.stringify(err.data));
        assert.equal(d.field, 'image');
        assert.equal(d.file, 'definitions/web.cue');
        assertNoTempPath(err);
      });

      test('a missing field of a list item is named as users write it: route[1].host', async () => {
        const err = await rejectsCode(cue.render(gateway, 'definitions/gateway.cue', { parameters: { route: [{ host: 'a' }, { servicePort: 81 }] } }), 'ECUE', 'parameter "route[1].host" is required');
        assert.equal((err.data as Diagnostic[])[0]?.field, 'route[1].host');
      });

      test('a parameter of the wrong type names the parameter', async () => {
        const err = await rejectsCode(cue.render(web, 'definitions/web.cue', { parameters: { image: 1 } }), 'ECUE', 'parameter.image');
        const d = (err.data as Diagnostic[])[0]!;
        assert.match(d.message, /^parameter\.image: conflicting values/, JSON.stringify(err.data));
        assert.ok(d.line !== undefined && d.line <= web.split('\n').length, 'the line is in the user file');
        assertNoTempPath(err);
      });

      test('an undefined field in the template points at its line', async () => {
        const broken = labels.replace('parameter.labels', 'parameter.lables');
        const err = await rejectsCode(cue.render(broken, 'definitions/labels.cue', { parameters: { labels: {} } }), 'ECUE', 'lables');
        const line = broken.split('\n').findIndex((l) => l.includes('parameter.lables')) + 1;
        assert.equal((err.data as Diagnostic[])[0]?.line, line);
      });
    });

    describe('CueEvaluator.parameterFileSchema', () => {
      test("an addon's parameter.cue (package main) yields its schema", async () => {
        const source = 'package main\n\nparameter: {\n\t// +usage=Namespace to install into\n\tnamespace: *"vela-system" | string\n\t// +usage=Replicas\n\treplicas?: int\n}\n';
        const schema = parameterSchemaFromOpenApi(await cue.parameterFileSchema(source, 'parameter.cue'));
        assert.deepEqual(schema.properties?.namespace, { type: 'string', default: 'vela-system', title: 'namespace', description: 'Namespace to install into' });
        assert.equal(schema.required, undefined);
      });

      test('a parameter.cue without a parameter field is refused naming the file', async () => {
        const err = await rejectsCode(cue.parameterFileSchema('package main\n\nfoo: 1\n', 'parameter.cue'), 'ECUE', 'parameter.cue');
        assert.equal((err.data as Diagnostic[])[0]?.code, 'parameter-missing');
      });
    });

    describe('20 concurrent calls', () => {
      type Call = { name: string; run: () => Promise<unknown> };
      const calls: Call[] = [
        { name: 'inspect gateway', run: () => cue.inspect(gateway, 'definitions/gateway.cue') },
        { name: 'inspect web', run: () => cue.inspect(web, 'definitions/web.cue') },
        { name: 'inspect labels', run: () => cue.inspect(labels, 'definitions/labels.cue') },
        ...Array.from({ length: 7 }, (_, i): Call => ({
          name: `render web #${i}`,
          run: () => cue.render(web, 'definitions/web.cue', { parameters: { image: `registry/app-${i}:v${i}`, replicas: i + 1 }, context: { name: `app-${i}` } }),
        })),
        ...Array.from({ length: 6 }, (_, i): Call => ({
          name: `render gateway #${i}`,
          run: () => cue.render(gateway, 'definitions/gateway.cue', { parameters: { route: Array.from({ length: i + 1 }, (_, j) => ({ host: `h${i}-${j}.example.com`, servicePort: 8000 + j })) } }),
        })),
        ...Array.from({ length: 4 }, (_, i): Call => ({
          name: `render labels #${i}`,
          run: () => cue.render(labels, 'definitions/labels.cue', { parameters: { labels: { index: String(i), [`key-${i}`]: 'x' } } }),
        })),
      ];

      test('each gets its own output, equal to the one computed sequentially', async () => {
        assert.equal(calls.length, 20);
        const sequential: unknown[] = [];
        for (const c of calls) sequential.push(await c.run());
        const concurrent = await Promise.all(calls.map((c) => c.run()));
        calls.forEach((c, i) => assert.deepEqual(concurrent[i], sequential[i], c.name));
        // The outputs really differ from call to call, so a mix-up could not go unseen.
        const images = concurrent.slice(3, 10).map((r) => ((r as RenderResult).output!.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image);
        assert.deepEqual(images, Array.from({ length: 7 }, (_, i) => `registry/app-${i}:v${i}`));
        assert.equal(new Set(concurrent.map((r) => JSON.stringify(r))).size, 20);
      });
    });

    describe('CueEvaluator.inspect remembers results', () => {
      /** An evaluator on one engine worker, and how many engine calls it made so far. */
      const countingEvaluator = (): { counting: CueEvaluator; runs: () => number } => {
        const pool = engineRunner(engine, { size: 1 });
        let calls = 0;
        const run = pool.run.bind(pool);
        pool.run = (line, request, options) => {
          calls++;
          return run(line, request, options);
        };
        return { counting: new CueEvaluator(pool), runs: () => calls };
      };

      test('the same text at the same path is evaluated once; other text or another path is evaluated anew', async () => {
        const { counting, runs } = countingEvaluator();
        try {
          const first = await counting.inspect(labels, 'definitions/labels.cue');
          const perInspect = runs();
          assert.ok(perInspect > 0);
          assert.equal(await counting.inspect(labels, 'definitions/labels.cue'), first);
          assert.equal(runs(), perInspect);
          await counting.inspect(labels, 'definitions/other.cue');
          assert.equal(runs(), 2 * perInspect);
          await counting.inspect(labelsTrait('labels2'), 'definitions/labels.cue');
          assert.equal(runs(), 3 * perInspect);
        } finally {
          await counting.close();
        }
      });

      test('a failed inspection is not remembered: asking again evaluates again', async () => {
        const { counting, runs } = countingEvaluator();
        try {
          const broken = `${labels}\nfoo: {`;
          await rejectsCode(counting.inspect(broken, 'definitions/broken.cue'), 'ECUE');
          const once = runs();
          await rejectsCode(counting.inspect(broken, 'definitions/broken.cue'), 'ECUE');
          assert.equal(runs(), 2 * once);
        } finally {
          await counting.close();
        }
      });
    });
  });
}

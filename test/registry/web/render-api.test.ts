import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { VelahubError } from '../../../core/errors.ts';
import type { RenderResult } from '../../../core/cue/evaluator.ts';
import type { RenderContext } from '../../../core/cue/context.ts';
import { errorHandler } from '../../../registry/http/errors.ts';
import { canonicalJson, renderRoutes, type RenderLimits } from '../../../registry/http/routes/render.ts';
import type { Registry } from '../../../registry/registry.ts';
import type { VersionRecord } from '../../../registry/store/records.ts';

/** One stored version with a trait `demo` taking a required integer `port` and optional `name`. */
function versionRecord(): VersionRecord {
  const schema = { type: 'object', properties: { port: { type: 'integer', title: 'port' }, name: { type: 'string', title: 'name' } }, required: ['port'] };
  return {
    name: 'demo', version: '1.0.0', digest: 'sha256:' + 'a'.repeat(64), size: 1, createdAt: new Date(0).toISOString(),
    metadata: { name: 'demo', version: '1.0.0' }, readme: '', warnings: [], indexEntry: '', deprecated: null, yanked: false, yankReason: null, publishedBy: null,
    derived: { format: 1, definitions: [], previous: null },
    manifest: {
      metadata: { name: 'demo', version: '1.0.0' }, readme: '', warnings: [],
      definitions: [{ name: 'demo', type: 'trait', description: '', file: 'definitions/demo.cue', schematic: 'cue', annotations: {}, labels: {}, attributes: {}, schema, cue: '"demo": {type: "trait"}\ntemplate: {}', template: '' }],
    },
  };
}

const fakeRegistry = {
  store: {
    getVersion: async (name: string, version: string) => (name === 'demo' && version === '1.0.0' ? versionRecord() : undefined),
    listVersions: async (name: string) => (name === 'demo' ? [{ version: '1.0.0' }] : []),
  },
} as unknown as Registry;

type Call = { parameters: unknown; context: Partial<RenderContext> | undefined };

/** An evaluator whose answers the test controls, recording each call. */
class FakeEvaluator {
  calls: Call[] = [];
  respond: (call: Call) => Promise<RenderResult> = async () => ({
    output: { kind: 'Deployment' },
    outputs: { zeta: { kind: 'Service' }, alpha: { kind: 'Ingress' } },
    patch: { spec: { replicas: 2 } },
  });
  render = (_source: string, _file: string, options: { parameters?: unknown; context?: Partial<RenderContext> } = {}): Promise<RenderResult> => {
    const call = { parameters: options.parameters, context: options.context };
    this.calls.push(call);
    return this.respond(call);
  };
}

async function serve(evaluator: FakeEvaluator, limits: Partial<RenderLimits> = {}): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(renderRoutes(fakeRegistry, { evaluator, limits }));
  app.use(errorHandler);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/addons/demo/versions/1.0.0/definitions/demo/render`;
  return { url, server };
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('render API: input and output', () => {
  const evaluator = new FakeEvaluator();
  let url: string;
  let server: Server;
  before(async () => ({ url, server } = await serve(evaluator, { maxBodyBytes: 1024 })));
  after(() => server.close());

  test('objects are output first, then outputs by key; the patch stays a patch', async () => {
    const res = await post(url, { parameters: { port: 80 } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body.objects.map((o: { kind: string }) => o.kind), ['Deployment', 'Ingress', 'Service']);
    assert.deepEqual(body.keys, ['output', 'outputs.alpha', 'outputs.zeta']);
    assert.deepEqual(body.patch, { spec: { replicas: 2 } });
    assert.match(body.yaml, /^# output\nkind: Deployment\n---\n# outputs.alpha\nkind: Ingress\n/);
    assert.equal(body.digest, versionRecord().digest);
  });

  test('identical input (in any key order) is served from the cache', async () => {
    const before = evaluator.calls.length;
    const first = await post(url, { parameters: { port: 81, name: 'x' }, context: { namespace: 'ns', name: 'web' } });
    assert.equal(first.headers.get('x-render-cache'), 'miss');
    const again = await post(url, { context: { name: 'web', namespace: 'ns' }, parameters: { name: 'x', port: 81 } });
    assert.equal(again.headers.get('x-render-cache'), 'hit');
    assert.deepEqual(await again.json(), await first.json());
    assert.equal(evaluator.calls.length, before + 1);
  });

  test('schema problems are 422 with the field of each, before any evaluation', async () => {
    const before = evaluator.calls.length;
    const res = await post(url, { parameters: { port: 'abc', nmae: 'x' } });
    assert.equal(res.status, 422);
    const body = await res.json();
    assert.equal(body.code, 'EINVALID_PARAMETERS');
    assert.deepEqual(body.problems.map((p: { field: string }) => p.field).sort(), ['nmae', 'port']);
    assert.equal(evaluator.calls.length, before);
  });

  test('the context is checked and passed on', async () => {
    await post(url, { parameters: { port: 1 }, context: { name: 'web', clusterVersion: 'v1.21.4' } });
    assert.deepEqual(evaluator.calls.at(-1)!.context, { name: 'web', clusterVersion: { major: 1, minor: 21, gitVersion: 'v1.21.4' } });
    for (const context of [{ name: 'Bad_Name' }, { clusterVersion: 'latest' }, { image: 'x' }, 'x']) {
      const res = await post(url, { parameters: { port: 1 }, context });
      assert.equal(res.status, 400, JSON.stringify(context));
      assert.equal((await res.json()).code, 'EBAD_REQUEST');
    }
  });

  const badBodies: Array<[string, string | object, number, string]> = [
    ['body over the size cap', { parameters: { port: 1, name: 'x'.repeat(2000) } }, 413, 'EPACKAGE_TOO_LARGE'],
    ['not JSON', '{"parameters":', 400, 'EBAD_REQUEST'],
    ['a list', '[]', 400, 'EBAD_REQUEST'],
    ['parameters not an object', { parameters: [1] }, 400, 'EBAD_REQUEST'],
    ['unknown field', { parameters: {}, values: {} }, 400, 'EBAD_REQUEST'],
  ];
  for (const [name, body, status, code] of badBodies) {
    test(`refused: ${name}`, async () => {
      const res = await post(url, body);
      assert.equal(res.status, status);
      assert.equal((await res.json()).code, code);
    });
  }

  test('unknown version or definition is 404', async () => {
    const res = await post(url.replace('/definitions/demo/', '/definitions/nope/'), { parameters: {} });
    assert.equal(res.status, 404);
    assert.equal((await res.json()).code, 'EDEFINITION_NOT_FOUND');
    assert.equal((await post(url.replace('1.0.0', '9.9.9'), { parameters: {} })).status, 404);
  });

  test('a CUE failure is 422 naming the parameter, and cached', async () => {
    const before = evaluator.calls.length;
    const saved = evaluator.respond;
    evaluator.respond = async () => {
      throw new VelahubError('ECUE', 'definitions/demo.cue: failed', { data: [{ severity: 'error', code: 'render-error', file: 'definitions/demo.cue', message: 'outputs.x: conflicting values "parameter.route[0].secretName is required" and false' }] });
    };
    try {
      for (const expected of ['miss', 'hit']) {
        const res = await post(url, { parameters: { port: 443 } });
        assert.equal(res.status, 422);
        assert.equal(res.headers.get('x-render-cache'), expected);
        const body = await res.json();
        assert.equal(body.code, 'EINVALID_PARAMETERS');
        assert.equal(body.problems[0].field, 'route[0].secretName');
      }
      assert.equal(evaluator.calls.length, before + 1);
    } finally {
      evaluator.respond = saved;
    }
  });
});

describe('render API: deeply nested input', () => {
  const evaluator = new FakeEvaluator();
  let url: string;
  let server: Server;
  before(async () => ({ url, server } = await serve(evaluator)));
  after(() => server.close());

  for (const field of ['context', 'parameters'] as const) {
    test(`refused: a ${field} nested 5,000 levels deep is 400 naming the field, not a 500`, async () => {
      const deep = (depth: number) => {
        let json = '{}';
        for (let i = 0; i < depth; i++) json = `{"name":${json}}`;
        return json;
      };
      const before = evaluator.calls.length;
      const body = field === 'context' ? `{"parameters":{"port":1},"context":${deep(5000)}}` : `{"parameters":{"port":1,"name":${deep(5000)}}}`;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400);
      const json = await res.json();
      assert.equal(json.code, 'EBAD_REQUEST');
      assert.match(json.error, new RegExp(`^${field} is nested more than 32 levels deep \\(at ${field}\\.name\\.name`));
      assert.equal(evaluator.calls.length, before);
    });
  }

});

describe('render API: bounded for anonymous callers', () => {
  test('past the queue, callers get 429 with Retry-After; queued ones still render', async () => {
    const evaluator = new FakeEvaluator();
    const gate = deferred();
    evaluator.respond = async () => {
      await gate.promise;
      return { outputs: { s: { kind: 'Service' } } };
    };
    const { url, server } = await serve(evaluator, { concurrency: 1, maxQueue: 1 });
    try {
      const running = post(url, { parameters: { port: 1 } });
      while (evaluator.calls.length < 1) await new Promise((r) => setTimeout(r, 5));
      const queued = post(url, { parameters: { port: 2 } });
      await new Promise((r) => setTimeout(r, 50));
      const refused = await post(url, { parameters: { port: 3 } });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.equal((await refused.json()).code, 'ECUE_BUSY');
      gate.resolve();
      assert.equal((await running).status, 200);
      assert.equal((await queued).status, 200);
    } finally {
      server.close();
    }
  });

  test('a render over the time limit fails with ECUE_TIMEOUT and keeps its slot until it really ends', async () => {
    const evaluator = new FakeEvaluator();
    const gate = deferred();
    evaluator.respond = async () => {
      await gate.promise;
      return { outputs: {} };
    };
    const { url, server } = await serve(evaluator, { concurrency: 1, maxQueue: 0, timeoutMs: 100 });
    try {
      const started = Date.now();
      const slow = await post(url, { parameters: { port: 1 } });
      assert.equal(slow.status, 422);
      const body = await slow.json();
      assert.equal(body.code, 'ECUE_TIMEOUT');
      assert.match(body.error, /longer than 100 ms/);
      assert.ok(Date.now() - started < 2000);
      assert.equal((await post(url, { parameters: { port: 2 } })).status, 429, 'the abandoned render still holds the only slot');
      gate.resolve();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal((await post(url, { parameters: { port: 1 } })).status, 200, 'a timeout is not cached');
    } finally {
      server.close();
    }
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every depth and drops undefined', () => {
    assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, e: null }), '{"b":[{"c":2,"d":1}],"e":null}');
  });
});

/**
 * Helpers for the tests of the addons velahub ships (addons/*): load a definition, render it
 * through the real CUE evaluator, check parameters against its generated schema, and dry-run
 * rendered objects against a real API server.
 *
 * Kept free of test/cluster/env.ts (which registers a node:test hook when imported); the cluster
 * half lives in ./cluster.ts.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RenderContext } from '../../core/cue/context.ts';
import { CueEvaluator, type RenderResult } from '../../core/cue/evaluator.ts';
import type { Diagnostic } from '../../core/diagnostics.ts';
import { VelahubError } from '../../core/errors.ts';
import { inspectDefinitionFile, type DefinitionInfo } from '../../core/package/inspect.ts';
import type { JsonSchema } from '../../core/params/schema.ts';
import { validateParameters } from '../../core/params/validate.ts';
import { kubeRequest } from '../cluster/kube-http.ts';

/** A Kubernetes object as rendered: plain JSON, read field by field in assertions. */
export type Obj = Record<string, any>;

/** A render's objects, typed for field-by-field reading. */
export type Rendered = RenderResult & { output?: Obj; outputs: Record<string, Obj>; patch?: Obj };

/** The repository's addons/ folder. */
export const addonsRoot = fileURLToPath(new URL('../../addons/', import.meta.url));

/** Names of the folders in addons/. */
export async function addonNames(): Promise<string[]> {
  return (await readdir(addonsRoot, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Rendering context for a component named `name` in `namespace` (Kubernetes 1.<minor>). */
export function ctx(name: string, namespace: string, extra: Partial<RenderContext> & { minor?: number } = {}): Partial<RenderContext> {
  const { minor = 29, ...rest } = extra;
  return { name, namespace, clusterVersion: { major: 1, minor, gitVersion: `v1.${minor}.0` }, ...rest };
}

/** One definition of a shipped addon, with its evaluator. */
export class Definition {
  readonly file: string;
  #info?: Promise<DefinitionInfo>;

  constructor(
    readonly cue: CueEvaluator,
    readonly addon: string,
    readonly name: string,
    readonly source: string,
  ) {
    this.file = `addons/${addon}/definitions/${name}.cue`;
  }

  /** Loads addons/<addon>/definitions/<name>.cue. */
  static async load(cue: CueEvaluator, addon: string, name = addon): Promise<Definition> {
    return new Definition(cue, addon, name, await readFile(join(addonsRoot, addon, 'definitions', `${name}.cue`), 'utf8'));
  }

  /** Renders with the given parameters and context. */
  render(parameters: unknown, context: Partial<RenderContext>): Promise<Rendered> {
    return this.cue.render(this.source, this.file, { parameters, context }) as Promise<Rendered>;
  }

  /** The definition as `velahub lint`/publish sees it: header and normalized parameter schema. */
  info(): Promise<DefinitionInfo> {
    this.#info ??= inspectDefinitionFile(this.file, this.source, this.cue).then(({ definition, diagnostics }) => {
      assert.ok(definition, `${this.file} does not inspect: ${JSON.stringify(diagnostics)}`);
      return definition;
    });
    return this.#info;
  }

  async schema(): Promise<JsonSchema> {
    return (await this.info()).schema;
  }
}

/**
 * Starts `p` now and returns it, marked as handled so a rejection nobody awaited yet is no
 * unhandled rejection: tests start their renders up front (the CUE pool works on two at a time)
 * and each test awaits its own, failing on its own.
 */
export function early<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** A CUE evaluator for the whole test file, closed after it. */
export function fileEvaluator(): CueEvaluator {
  const cue = new CueEvaluator();
  after(() => cue.close());
  return cue;
}

/** Renders every parameter set up front ({@link early}), each with `context`, keyed like `params`. */
export function renderEach<K extends string>(def: Definition, params: Readonly<Record<K, unknown>>, context: Partial<RenderContext>): Record<K, Promise<Rendered>> {
  return Object.fromEntries(Object.entries(params).map(([k, p]) => [k, early(def.render(p, context))])) as Record<K, Promise<Rendered>>;
}

/** Asserts every parameter set is valid for the definition's published schema. */
export async function schemaAcceptsEach(def: Definition, params: Readonly<Record<string, unknown>>): Promise<void> {
  const schema = await def.schema();
  for (const p of Object.values(params)) schemaAccepts(schema, p);
}

/** Every object a render produced: the workload first, then the outputs in template order. */
export function objectsOf(r: Rendered): Obj[] {
  return [...(r.output ? [r.output] : []), ...Object.values(r.outputs)];
}

/**
 * Asserts a render fails with ECUE, and that the message users see (the first diagnostic,
 * without temp paths) mentions each of `mentions`. Returns the diagnostics. CUE quotes a failed
 * check's message as a string (`Service \"web\"`): match names inside it with {@link quoted}.
 */
export async function renderFails(p: Promise<unknown>, ...mentions: Array<string | RegExp>): Promise<Diagnostic[]> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    assert.ok(err instanceof VelahubError, `expected a VelahubError ECUE, got ${err instanceof Error ? err.stack : String(err)}`);
    assert.equal(err.code, 'ECUE', err.message);
    for (const m of mentions) {
      const found = typeof m === 'string' ? err.message.includes(m) : m.test(err.message);
      assert.ok(found, `message ${JSON.stringify(err.message)} does not mention ${typeof m === 'string' ? JSON.stringify(m) : String(m)}`);
    }
    assert.doesNotMatch(err.message, /\/tmp\/|velahub-cue|definition\.cue\b/, 'the message points at the addon file, not a temp file');
    const diagnostics = err.data as Diagnostic[];
    assert.ok(Array.isArray(diagnostics) && diagnostics.length > 0, 'ECUE carries its diagnostics');
    assert.ok(diagnostics.every((d) => d.severity === 'error' && d.file.startsWith('addons/')), JSON.stringify(diagnostics));
    return diagnostics;
  }
  assert.fail(`expected the render to fail, but it gave ${JSON.stringify(value)?.slice(0, 400)}`);
}

/**
 * Asserts a render fails with ECUE whose message says parameter `name` (`ports[0].port`) is
 * required, with the diagnostic's field set to it.
 */
export async function renderFailsRequired(p: Promise<unknown>, name: string): Promise<Diagnostic[]> {
  const diagnostics = await renderFails(p, `parameter "${name}" is required`);
  assert.equal(diagnostics[0]!.code, 'parameter-required');
  assert.equal(diagnostics[0]!.field, name);
  return diagnostics;
}

/** Asserts the schema accepts `values` (every parameter set the tests render is valid). */
export function schemaAccepts(schema: JsonSchema, values: unknown): void {
  assert.deepEqual(validateParameters(schema, values), [], `schema rejects ${JSON.stringify(values)}`);
}

/**
 * Asserts the schema rejects `values` with a diagnostic for parameter `field` (and `code` when
 * given) whose message names the parameter. Returns that diagnostic.
 */
export function schemaRejects(schema: JsonSchema, values: unknown, field: string, code?: string): Diagnostic {
  const diagnostics = validateParameters(schema, values);
  const d = diagnostics.find((x) => x.field === field);
  assert.ok(d, `no diagnostic for "${field}" in ${JSON.stringify(diagnostics)}`);
  if (code) assert.equal(d.code, code, d.message);
  assert.ok(d.message.includes(`"${field}"`), `message ${JSON.stringify(d.message)} does not name "${field}"`);
  return d;
}

/** Plural resource names of the kinds the addons render. */
const plurals: Record<string, string> = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  Service: 'services',
  Ingress: 'ingresses',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  HelmRelease: 'helmreleases',
  Rollout: 'rollouts',
  HelmRepository: 'helmrepositories',
};

/** Where a namespaced object lives in the API. */
export function resourcePath(o: Obj, namespace: string): string {
  const apiVersion = String(o.apiVersion);
  const plural = plurals[String(o.kind)];
  assert.ok(plural, `no resource path known for kind ${String(o.kind)}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${namespace}/${plural}/${encodeURIComponent(String(o.metadata?.name))}`;
}

/** A cluster and a namespace of this test file's own. */
export interface Target {
  kc: KubeConfig;
  namespace: string;
}

/**
 * Server-side applies each object with dryRun=All into the target namespace (metadata.namespace
 * set), with fieldValidation=Strict so a field the API does not know is an error rather than
 * silently pruned. The JSON goes over the wire as written (client-node's models would drop
 * unknown fields before the server saw them). Asserts every object is accepted and returns the
 * server's answers, in order.
 */
export async function dryRun(target: Target, objects: readonly Obj[]): Promise<Obj[]> {
  assert.ok(objects.length > 0, 'nothing to dry-run');
  return Promise.all(
    objects.map(async (o) => {
      const body = { ...o, metadata: { ...o.metadata, namespace: target.namespace } };
      const query = new URLSearchParams({ dryRun: 'All', fieldManager: 'velahub-addon-tests', force: 'true', fieldValidation: 'Strict' });
      const res = await kubeRequest(target.kc, {
        method: 'PATCH',
        path: `${resourcePath(o, target.namespace)}?${query}`,
        body,
        contentType: 'application/apply-patch+yaml',
      });
      const message = (res.body as { message?: string } | undefined)?.message ?? JSON.stringify(res.body);
      assert.ok(res.status >= 200 && res.status < 300, `API server refused ${o.kind} ${o.metadata?.name} (HTTP ${res.status}): ${message}`);
      const answer = res.body as Obj;
      assert.equal(answer.kind, o.kind);
      assert.equal(answer.metadata?.namespace, target.namespace);
      return answer;
    }),
  );
}

/** The API server's refusal of one object (for tests proving the dry-run can fail). */
export async function dryRunRefusal(target: Target, o: Obj): Promise<string> {
  try {
    await dryRun(target, [o]);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`the API server accepted ${o.kind} ${o.metadata?.name}`);
}

/**
 * A trait's workload after its patch, for the simple case of a JSON merge (objects merged,
 * anything else replaced). Trait patches using KubeVela's patch strategies are out of scope.
 */
export function withPatch(workload: Obj, patch: Obj | undefined): Obj {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const out: Obj = { ...(a as Obj) };
      for (const [k, v] of Object.entries(b as Obj)) out[k] = merge(out[k], v);
      return out;
    }
    return structuredClone(b);
  };
  return merge(structuredClone(workload), patch) as Obj;
}

/**
 * Evaluates one of a definition's status scripts (healthPolicy, customStatus) as KubeVela does,
 * once per context ({output, outputs}): the script beside `context`. All in one CUE run (each
 * context in a struct of its own). Returns the exported fields (`isHealth`, `message`) per context.
 */
export async function evalStatus(cue: CueEvaluator, script: string, contexts: readonly Obj[]): Promise<Obj[]> {
  const source = contexts.map((c, i) => `"case${i}": {\ncontext: ${JSON.stringify(c)}\n${script}\n}\n`).join('');
  const out = (await cue.exportJson(source, 'status.cue')) as Record<string, Obj>;
  return contexts.map((_, i) => {
    const { context: _c, ...rest } = out[`case${i}`]!;
    return rest;
  });
}

/**
 * A copy without the fields the API server leaves out of its answers when they hold their zero
 * value (0, false, ""), for comparing what was sent with what came back.
 */
export function withoutZeros(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutZeros);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== 0 && x !== false && x !== '').map(([k, x]) => [k, withoutZeros(x)]));
  }
  return v;
}

/** Sorts a list of objects by a key, for assertions where order is not part of the contract. */
export function sortBy<T extends Obj>(list: readonly T[], key: string): T[] {
  return [...list].sort((a, b) => String(a[key]).localeCompare(String(b[key]), 'en', { numeric: true }));
}

/** Matches `"name"` in a message, whether CUE escaped the quotes or not. */
export function quoted(name: string): RegExp {
  return new RegExp(`\\\\?"${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\\\?"`);
}

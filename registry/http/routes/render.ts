import express, { Router, type ErrorRequestHandler } from 'express';
import { LRUCache } from 'lru-cache';
import { stringify } from 'yaml';
import { VelahubError, isVelahubError } from '../../../core/errors.ts';
import type { Diagnostic } from '../../../core/diagnostics.ts';
import type { RenderContext } from '../../../core/cue/context.ts';
import type { CueEvaluator, RenderResult } from '../../../core/cue/evaluator.ts';
import { validateParameters } from '../../../core/params/validate.ts';
import { requireDefinition, requireVersion } from '../../lookups.ts';
import type { Registry } from '../../registry.ts';
import type { VersionRecord } from '../../store/records.ts';
import { checkJsonDepth } from '../json-depth.ts';
import { RenderQueue, type RenderQueueLimits } from '../render-queue.ts';

/** Bounds of the anonymous render endpoint. */
export interface RenderLimits extends RenderQueueLimits {
  /** Largest request body, in bytes (larger: 413). */
  maxBodyBytes: number;
  /** How long one render may take before the caller gets ECUE_TIMEOUT. */
  timeoutMs: number;
  /** Results kept in the LRU cache (at least 1). */
  cacheEntries: number;
}

/** Defaults sized for a small shared server. */
const defaultRenderLimits: RenderLimits = { maxBodyBytes: 64 * 1024, timeoutMs: 15_000, concurrency: 2, maxQueue: 16, cacheEntries: 256 };

/** What the render endpoint answers. */
interface RenderResponse {
  addon: string;
  version: string;
  digest: string;
  definition: { name: string; type: string };
  /** The main workload (`output`) first, then `outputs` sorted by key. */
  objects: Array<Record<string, unknown>>;
  /** The template key each object came from (`output`, `outputs.<key>`), in the same order. */
  keys: string[];
  /** A trait's patch to the workload, shown as a patch: it is not merged. */
  patch?: Record<string, unknown>;
  /** The objects as multi-document YAML. */
  yaml: string;
  /** The patch as YAML, when there is one. */
  patchYaml?: string;
}

/** JSON with object keys sorted, so equal inputs give equal cache keys. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Checks the optional render context and turns it into the evaluator's overrides. */
function parseContext(raw: unknown): Partial<RenderContext> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new VelahubError('EBAD_REQUEST', 'context must be an object: {"name", "namespace", "clusterVersion"}');
  const { name, namespace, clusterVersion, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new VelahubError('EBAD_REQUEST', `context.${unknown[0]} is not accepted: use name, namespace or clusterVersion`);
  const out: Partial<RenderContext> = {};
  for (const [key, value] of [['name', name], ['namespace', namespace]] as const) {
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !dnsLabel.test(value)) throw new VelahubError('EBAD_REQUEST', `context.${key} ${JSON.stringify(value)} is invalid: use a DNS label (lowercase letters, digits, "-")`);
    out[key] = value;
  }
  if (clusterVersion !== undefined && clusterVersion !== '') {
    const m = typeof clusterVersion === 'string' ? /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(clusterVersion.trim()) : null;
    if (!m) throw new VelahubError('EBAD_REQUEST', `context.clusterVersion ${JSON.stringify(clusterVersion)} is invalid: use e.g. "1.29" or "v1.29.3"`);
    out.clusterVersion = { major: Number(m[1]), minor: Number(m[2]), gitVersion: `v${m[1]}.${m[2]}.${m[3] ?? 0}` };
  }
  return out;
}

/** The parameter a CUE render error names (`parameter.route[0].port` → `route[0].port`), if any. */
function fieldOf(message: string): string | undefined {
  return /\bparameter[."]+([A-Za-z_][\w-]*(?:\[\d+\]|\.[A-Za-z_][\w-]*)*)/.exec(message)?.[1];
}

/** A render failure in the terms of the form: problems carry the field they are about when one is named. */
function renderFailure(err: unknown, label: string): VelahubError {
  if (isVelahubError(err, 'ECUE')) {
    const problems = (Array.isArray(err.data) ? (err.data as Diagnostic[]) : []).map((d) => {
      const field = d.field ?? fieldOf(d.message);
      return { ...d, ...(field ? { field } : {}) };
    });
    const first = problems[0]?.message ?? err.message;
    return new VelahubError('EINVALID_PARAMETERS', `rendering ${label} failed: ${first}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { data: problems, hint: 'check the parameters named in problems' });
  }
  return err as VelahubError;
}

function toResponse(base: Omit<RenderResponse, 'objects' | 'keys' | 'yaml' | 'patch' | 'patchYaml'>, result: RenderResult): RenderResponse {
  const entries: Array<[string, Record<string, unknown>]> = [];
  if (result.output) entries.push(['output', result.output]);
  for (const key of Object.keys(result.outputs).sort()) entries.push([`outputs.${key}`, result.outputs[key]!]);
  const objects = entries.map(([, o]) => o);
  const response: RenderResponse = {
    ...base,
    objects,
    keys: entries.map(([k]) => k),
    yaml: entries.map(([key, o]) => `# ${key}\n${stringify(o, { lineWidth: 0 })}`).join('---\n'),
  };
  if (result.patch) {
    response.patch = result.patch;
    response.patchYaml = stringify(result.patch, { lineWidth: 0 });
  }
  return response;
}

/** What the render routes need besides the registry (tests pass a slow evaluator or small limits). */
export interface RenderRouteOptions {
  limits?: Partial<RenderLimits>;
  /** Defaults to the registry's evaluator. */
  evaluator?: Pick<CueEvaluator, 'render'>;
}

type CachedOutcome = { ok: RenderResponse } | { error: VelahubError };

/**
 * POST /api/v1/addons/:name/versions/:version/definitions/:def/render — the
 * JSON twin of the docs' try-it form. Validates the parameters against the
 * stored schema (422 with `problems`, each with its `field`), then renders with
 * the real CUE evaluator. Anonymous, so bounded: body size, time, a queue
 * (429 + Retry-After past it) and an LRU cache keyed by archive digest,
 * definition and canonical input (`X-Render-Cache: hit|miss`).
 */
export function renderRoutes(registry: Registry, options: RenderRouteOptions = {}): Router {
  const limits: RenderLimits = { ...defaultRenderLimits, ...options.limits };
  const evaluator = options.evaluator ?? registry.cue;
  const queue = new RenderQueue(limits);
  const cache = new LRUCache<string, CachedOutcome>({ max: limits.cacheEntries });
  const inFlight = new Map<string, Promise<CachedOutcome>>();
  const versions = new LRUCache<string, VersionRecord>({ max: 32 });
  const router = Router();
  const path = '/api/v1/addons/:name/versions/:version/definitions/:definition/render';

  const tooLarge: ErrorRequestHandler = (err, _req, _res, next) => {
    const e = err as { type?: string; status?: number; length?: number };
    if (e.type === 'entity.too.large') return next(new VelahubError('EPACKAGE_TOO_LARGE', `render input of ${e.length ?? 'more than ' + limits.maxBodyBytes} bytes exceeds the ${limits.maxBodyBytes}-byte limit`));
    if (e.type === 'entity.parse.failed') return next(new VelahubError('EBAD_REQUEST', 'the body is not valid JSON: send {"parameters": {...}}'));
    next(err);
  };

  router.post(path, express.json({ limit: limits.maxBodyBytes, type: () => true }), tooLarge, async (req: express.Request, res: express.Response) => {
    const body: unknown = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new VelahubError('EBAD_REQUEST', 'the body must be a JSON object: {"parameters": {...}, "context": {...}}');
    const { parameters = {}, context: rawContext, ...rest } = body as Record<string, unknown>;
    if (Object.keys(rest).length) throw new VelahubError('EBAD_REQUEST', `field "${Object.keys(rest)[0]}" is not accepted: send parameters and context`);
    if (!parameters || typeof parameters !== 'object' || Array.isArray(parameters)) throw new VelahubError('EBAD_REQUEST', 'parameters must be an object');
    // Before anything walks them: validation and messages recurse through the values.
    checkJsonDepth(parameters, 'parameters');
    checkJsonDepth(rawContext, 'context');
    const context = parseContext(rawContext);

    const name = String(req.params.name);
    const version = String(req.params.version);
    // Published content is immutable, so a version read once serves every later render of it
    // (and keeps its schema objects, whose compiled validators validate.ts caches).
    let v = versions.get(`${name}@${version}`);
    if (!v) {
      v = await requireVersion(registry.store, name, version);
      versions.set(`${name}@${version}`, v);
    }
    const type = typeof req.query.type === 'string' && req.query.type !== '' ? req.query.type : undefined;
    const def = requireDefinition(v, String(req.params.definition), type);
    if (def.schematic !== 'cue') throw new VelahubError('EBAD_REQUEST', `${def.type} "${def.name}" is a ${def.schematic} definition: only CUE definitions can be rendered`);

    const problems = validateParameters(def.schema, parameters);
    if (problems.length) {
      throw new VelahubError('EINVALID_PARAMETERS', `${problems.length} parameter problem(s): ${problems[0]!.message}`, { data: problems, hint: 'fix the parameters named in problems' });
    }

    const key = `${v.digest}\n${def.type}/${def.name}\n${canonicalJson({ parameters, context })}`;
    let outcome = cache.get(key);
    res.set('X-Render-Cache', outcome ? 'hit' : 'miss');
    if (!outcome) {
      let pending = inFlight.get(key);
      if (!pending) {
        const label = `${def.type} "${def.name}"`;
        const base = { addon: v.name, version: v.version, digest: v.digest, definition: { name: def.name, type: def.type } };
        pending = queue.run(() => evaluator.render(def.cue, def.file, { parameters, context }), { timeoutMs: limits.timeoutMs, label })
          .then(
            (result): CachedOutcome => ({ ok: toResponse(base, result) }),
            (err: unknown): CachedOutcome => ({ error: renderFailure(err, label) }),
          )
          .then((o) => {
            // Deterministic outcomes are cached; being busy or slow is not a property of the input.
            if ('ok' in o || o.error.code === 'EINVALID_PARAMETERS') cache.set(key, o);
            return o;
          })
          .finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      outcome = await pending;
    }
    if ('error' in outcome) throw outcome.error;
    res.set('Cache-Control', 'no-store');
    res.json(outcome.ok);
  });
  return router;
}

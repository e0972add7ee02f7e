import { KubeConfig, KubernetesObjectApi, PatchStrategy, VersionApi } from '@kubernetes/client-node';
import { VelahubError } from '../core/errors.ts';

import { describeObject, type KubeObject } from './kube-object.ts';

export { describeObject, type KubeObject } from './kube-object.ts';

/**
 * Retries an idempotent call when the API server says to come back (429, 5xx
 * while it warms up, e.g. "storage is (re)initializing" right after a CRD is
 * created), honouring Retry-After, bounded to a few attempts.
 */
async function retrying<T>(fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const e = err as { code?: number; headers?: Record<string, string> };
      const transient = e.code === 429 || e.code === 500 || e.code === 503 || e.code === 504;
      if (!transient || i >= attempts) throw err;
      const after = Number(e.headers?.['retry-after']);
      await new Promise((r) => setTimeout(r, Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : 200 * 2 ** i));
    }
  }
}

/** The field manager velahub's server-side applies use. */
export const fieldManager = 'velahub';

/**
 * The few cluster operations the installer needs, over @kubernetes/client-node,
 * with API errors turned into ECLUSTER errors that name the context, the object
 * and the API server's own message.
 */
export class Kube {
  readonly context: string;
  readonly objects: KubernetesObjectApi;
  readonly kc: KubeConfig;

  constructor(kc: KubeConfig, context?: string) {
    const copy = new KubeConfig();
    copy.loadFromString(kc.exportConfig());
    if (context) {
      if (!copy.getContextObject(context)) {
        throw new VelahubError('EUSAGE', `kubeconfig has no context ${JSON.stringify(context)}: it has ${copy.getContexts().map((c) => c.name).join(', ') || 'none'}`, { path: '--context' });
      }
      copy.setCurrentContext(context);
    }
    this.kc = copy;
    this.context = copy.getCurrentContext();
    this.objects = KubernetesObjectApi.makeApiClient(copy);
  }

  #error(err: unknown, action: string, o?: Pick<KubeObject, 'kind' | 'metadata'>): VelahubError {
    const e = err as { code?: number; body?: unknown; message?: string };
    let message = e.message ?? String(err);
    let body = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        /* keep the text */
      }
    }
    if (body && typeof body === 'object' && 'message' in body) message = String((body as { message: unknown }).message);
    // client-node's discovery miss carries the whole HTTP exchange: say what it means instead.
    const unserved = /Failed to fetch resource metadata for ([^:]+): HTTP-Code: 404/.exec(message);
    if (unserved) message = `the API server does not serve ${unserved[1]} (is its CRD installed, at that version?)`;
    const what = o ? ` ${describeObject(o)}` : '';
    return new VelahubError('ECLUSTER', `${this.context}: ${action}${what} failed${e.code ? ` (HTTP ${e.code})` : ''}: ${message}`, { data: { status: e.code, context: this.context }, cause: err });
  }

  /** Reads an object; undefined when it does not exist. */
  async get(ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<KubeObject | undefined> {
    try {
      return (await retrying(() => this.objects.read({ apiVersion: ref.apiVersion!, kind: ref.kind!, metadata: { name: ref.metadata.name, namespace: ref.metadata.namespace } }))) as KubeObject;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw this.#error(err, 'reading', ref);
    }
  }

  /** Server-side applies an object as velahub; `force` takes over conflicting fields. */
  async apply(o: KubeObject, opts: { dryRun?: boolean; force?: boolean } = {}): Promise<KubeObject> {
    try {
      return (await retrying(() => this.objects.patch(o, undefined, opts.dryRun ? 'All' : undefined, fieldManager, opts.force ?? true, PatchStrategy.ServerSideApply))) as KubeObject;
    } catch (err) {
      throw this.#error(err, opts.dryRun ? 'validating' : 'applying', o);
    }
  }

  /**
   * Sets an object's ownerReferences to exactly `refs` (a JSON merge patch replaces the list,
   * which server-side apply cannot do for references another manager wrote), on the condition
   * that the object is still at `live`'s resourceVersion.
   */
  async setOwnerReferences(live: KubeObject, refs: NonNullable<KubeObject['metadata']['ownerReferences']>, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const patch = { apiVersion: live.apiVersion, kind: live.kind, metadata: { name: live.metadata.name, namespace: live.metadata.namespace, resourceVersion: live.metadata.resourceVersion, ownerReferences: refs } };
    try {
      return (await this.objects.patch(patch as KubeObject, undefined, opts.dryRun ? 'All' : undefined, fieldManager, undefined, PatchStrategy.MergePatch)) as KubeObject;
    } catch (err) {
      throw this.#error(err, 'taking over', live);
    }
  }

  /** Replaces an object with earlier content (rollback); resourceVersion taken from the live one. */
  async restore(previous: KubeObject): Promise<void> {
    const live = await this.get(previous);
    const { managedFields: _m, resourceVersion: _r, uid: _u, creationTimestamp: _c, generation: _g, ...meta } = previous.metadata;
    const body = { ...previous, metadata: { ...meta, resourceVersion: live?.metadata.resourceVersion } } as KubeObject;
    delete (body as { status?: unknown }).status;
    try {
      if (live) await this.objects.replace(body);
      else await this.objects.create({ ...body, metadata: { ...meta } } as KubeObject);
    } catch (err) {
      throw this.#error(err, 'restoring', previous);
    }
  }

  /** Deletes an object; true when it existed. */
  async delete(ref: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<boolean> {
    try {
      await this.objects.delete({ apiVersion: ref.apiVersion!, kind: ref.kind!, metadata: { name: ref.metadata.name, namespace: ref.metadata.namespace } }, undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return false;
      throw this.#error(err, 'deleting', ref);
    }
  }

  /**
   * Lists objects of a kind in a namespace (all when no namespace), optionally by label selector.
   * Items carry apiVersion and kind (the API server leaves them out of built-in kinds' list items).
   */
  async list(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<KubeObject[]> {
    try {
      const r = await retrying(() => this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector));
      return r.items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? kind })) as KubeObject[];
    } catch (err) {
      if ((err as { code?: number }).code === 404) return [];
      if (String((err as Error).message).includes('Unrecognized API version and kind')) return [];
      throw this.#error(err, `listing ${kind}`);
    }
  }

  /** The API server's `/version` gitVersion (e.g. `v1.29.3-eks-1234`). */
  async kubernetesVersion(): Promise<string> {
    try {
      return (await this.kc.makeApiClient(VersionApi).getCode()).gitVersion;
    } catch (err) {
      throw this.#error(err, 'reading /version');
    }
  }
}

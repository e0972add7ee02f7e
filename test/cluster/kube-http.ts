/**
 * Raw JSON requests to an API server with a KubeConfig's credentials.
 *
 * The fixtures need this because @kubernetes/client-node's object API re-serializes known kinds
 * through its generated models: a wire-format CRD loses `x-kubernetes-*` keys on the way (the
 * model spells them `x_kubernetes_*`), except inside `items`/`additionalProperties`, which pass
 * through untouched. Sending the JSON as written avoids that trap.
 */
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { TestEnvError } from './errors.ts';

/** What came back: the status and the parsed JSON body (or the text when it isn't JSON). */
export interface KubeResponse {
  status: number;
  body: unknown;
}

/** One HTTP request; `body` is sent as JSON. Never throws on HTTP errors, only on transport ones. */
export async function kubeRequest(
  kc: KubeConfig,
  req: { method: string; path: string; body?: unknown; contentType?: string; timeoutMs?: number },
): Promise<KubeResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new TestEnvError('TESTENV_NO_CLUSTER', `kubeconfig context "${kc.getCurrentContext()}" has no cluster`);
  const url = new URL(req.path, cluster.server);
  const opts: RequestOptions = { method: req.method, headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  opts.headers = {
    ...opts.headers,
    accept: 'application/json',
    ...(payload === undefined ? {} : { 'content-type': req.contentType ?? 'application/json' }),
  };
  opts.timeout = req.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const r = request(url, opts, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('error', reject);
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (e.g. /readyz answers "ok"): keep the text.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    r.on('timeout', () => r.destroy(new Error(`${req.method} ${req.path} timed out after ${opts.timeout}ms`)));
    r.on('error', reject);
    r.end(payload);
  });
}

/** Server-side apply of a wire-format object to its resource path; throws unless 2xx. */
export async function applyRaw(
  kc: KubeConfig,
  path: string,
  obj: object,
  opts: { fieldManager?: string; force?: boolean } = {},
): Promise<unknown> {
  const query = new URLSearchParams({ fieldManager: opts.fieldManager ?? 'velahub-testenv', force: String(opts.force ?? true) });
  const res = await kubeRequest(kc, {
    method: 'PATCH',
    path: `${path}?${query}`,
    body: obj,
    contentType: 'application/apply-patch+yaml',
  });
  if (res.status < 200 || res.status >= 300) {
    throw new TestEnvError('TESTENV_COMMAND_FAILED', `apply to ${path} answered HTTP ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

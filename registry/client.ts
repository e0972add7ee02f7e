import { VelahubError, remoteError } from '../core/errors.ts';
import type { AddonSummary, DefinitionSummary, Page, TokenRecord } from './store/records.ts';
import type { VersionDetail } from './api-models.ts';
import type { addonDocument } from './read-documents.ts';
import type { PublishResult } from './publish.ts';
import type { ChartPublishResult } from './charts/publish-chart.ts';
import type { ChartDetail, ChartVersionDetail } from './charts/chart-models.ts';
import type { ChartSummary } from './store/chart-store.ts';

/**
 * A client of velahub's HTTP API. Errors from the server come back as
 * VelahubErrors with the server's code; an unreachable server is EUNREACHABLE.
 */
export class RegistryClient {
  readonly baseUrl: string;
  readonly token?: string;

  constructor(baseUrl: string, token?: string) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new VelahubError('EUSAGE', `registry URL ${JSON.stringify(baseUrl)} is invalid: expected e.g. http://localhost:8080`, { path: '--registry' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new VelahubError('EUSAGE', `registry URL ${JSON.stringify(baseUrl)} must use http or https`, { path: '--registry' });
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
  }

  async #request(method: string, path: string, body?: { data: Uint8Array | string; type: string }): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = body.type;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body?.data as BodyInit | undefined, signal: AbortSignal.timeout(120_000) });
    } catch (err) {
      throw new VelahubError('EUNREACHABLE', `cannot reach the registry at ${this.baseUrl}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { hint: 'check --registry / VELAHUB_REGISTRY and that the server is running' });
    }
    if (!res.ok) {
      let payload: { error?: string; code?: string; hint?: string; problems?: unknown } = {};
      try {
        payload = (await res.json()) as typeof payload;
      } catch {
        /* not JSON: keep the status line */
      }
      const code = payload.code ?? (res.status === 401 ? 'EUNAUTHORIZED' : res.status === 403 ? 'EFORBIDDEN' : res.status === 404 ? 'ENOT_FOUND' : 'EREGISTRY');
      throw remoteError(code, payload.error ?? `${method} ${path}: HTTP ${res.status}`, { hint: payload.hint, data: payload.problems });
    }
    return res;
  }

  async #json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.#request(method, path, body === undefined ? undefined : { data: JSON.stringify(body), type: 'application/json' });
    return (await res.json()) as T;
  }

  /** Publishes an archive; resolves to created (201) or unchanged (200). */
  async publish(archive: Uint8Array): Promise<PublishResult> {
    const res = await this.#request('POST', '/api/v1/packages', { data: archive, type: 'application/gzip' });
    return (await res.json()) as PublishResult;
  }

  /** Searches addons by text, tag or definition type. */
  searchAddons(q: { text?: string; tag?: string; type?: string; limit?: number }): Promise<Page<AddonSummary>> {
    return this.#json('GET', `/api/v1/addons?${query({ q: q.text, tag: q.tag, type: q.type, limit: q.limit })}`);
  }

  /** Searches definitions by text, type or parameter name. */
  searchDefinitions(q: { text?: string; type?: string; parameter?: string; limit?: number }): Promise<Page<DefinitionSummary>> {
    return this.#json('GET', `/api/v1/definitions?${query({ q: q.text, type: q.type, parameter: q.parameter, limit: q.limit })}`);
  }

  /** One addon and its versions. */
  addon(name: string): Promise<NonNullable<Awaited<ReturnType<typeof addonDocument>>>> {
    return this.#json('GET', `/api/v1/addons/${encodeURIComponent(name)}`);
  }

  /** One version's details. */
  version(name: string, version: string): Promise<VersionDetail> {
    return this.#json('GET', `/api/v1/addons/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`);
  }

  /** Downloads an archive by its index path. */
  async download(path: string): Promise<Buffer> {
    const res = await this.#request('GET', path.startsWith('/') ? path : `/${path}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** Deprecates a version (message) or lifts it (null). */
  deprecate(name: string, version: string, message: string | null): Promise<unknown> {
    const path = `/api/v1/addons/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/deprecation`;
    return message === null ? this.#json('DELETE', path) : this.#json('PUT', path, { message });
  }

  /** Yanks a version (or restores it with `undo`). */
  yank(name: string, version: string, reason: string | null, undo = false): Promise<unknown> {
    const path = `/api/v1/addons/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/yank`;
    return undo ? this.#json('DELETE', path) : this.#json('PUT', path, { reason });
  }

  /** The token this client sends, as the registry knows it (scope and pattern; never the secret). */
  whoami(): Promise<Pick<TokenRecord, 'id' | 'scope' | 'pattern' | 'description' | 'createdAt'>> {
    return this.#json('GET', '/api/v1/whoami');
  }

  /** Creates a token (admin). */
  createToken(input: { scope: string; pattern?: string; description?: string }): Promise<TokenRecord & { token: string }> {
    return this.#json('POST', '/api/v1/tokens', input);
  }

  /** Lists tokens (admin). */
  listTokens(): Promise<{ items: TokenRecord[] }> {
    return this.#json('GET', '/api/v1/tokens');
  }

  /** Revokes a token (admin). */
  revokeToken(id: string): Promise<unknown> {
    return this.#json('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
  }

  /** Uploads a Helm chart archive to the chart repository (ChartMuseum's POST /helm/api/charts). */
  async pushChart(archive: Uint8Array): Promise<ChartPublishResult> {
    const res = await this.#request('POST', '/helm/api/charts', { data: archive, type: 'application/gzip' });
    return (await res.json()) as ChartPublishResult;
  }

  /** Lists the charts (newest version of each), optionally filtered by a text. */
  listCharts(q: { text?: string; limit?: number; offset?: number } = {}): Promise<Page<ChartSummary>> {
    return this.#json('GET', `/api/v1/charts?${query({ q: q.text, limit: q.limit, offset: q.offset })}`);
  }

  /** A chart and its versions. */
  chart(name: string): Promise<ChartDetail> {
    return this.#json('GET', `/api/v1/charts/${encodeURIComponent(name)}`);
  }

  /** One chart version's details: values, values table, dependencies, digest, example Application. */
  chartVersion(name: string, version: string): Promise<ChartVersionDetail> {
    return this.#json('GET', `/api/v1/charts/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`);
  }

  /** Deletes a chart version (admin token). */
  deleteChart(name: string, version: string): Promise<{ name: string; version: string; deleted: true }> {
    return this.#json('DELETE', `/helm/api/charts/${encodeURIComponent(name)}/${encodeURIComponent(version)}`);
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

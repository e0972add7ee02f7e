/**
 * The registry's express app (createApp) on a real 127.0.0.1 port over a
 * temp data dir and an in-memory PGlite, for tests that go over HTTP; plus
 * raw HTTP helpers that show exactly what the server sent (no decompression).
 */
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CueEvaluator } from '../../core/cue/evaluator.ts';
import type { PackageLimits } from '../../core/package/files.ts';
import { createApp } from '../../registry/app.ts';
import { openRegistry, type Registry, type RegistryOptions } from '../../registry/registry.ts';
import { createToken } from '../../registry/tokens.ts';

/** What stored state looks like, to prove a refused request changed nothing. */
export interface StoreSnapshot {
  revision: number;
  versions: Array<{ name: string; version: string; digest: string; yanked: boolean; deprecated: string | null }>;
  /** Every file under the blob folder (temp files included), as `path sha256-of-its-bytes`. */
  blobFiles: string[];
  /** Every row of every table, all columns, in primary-key order: the database byte for byte. */
  tables: Record<string, unknown[]>;
}

/** The store's tables and the columns that order their rows. */
const tableOrder: Record<string, string> = {
  addons: 'name',
  versions: 'name, version',
  definitions: 'addon, version, type, name',
  tokens: 'id',
  catalog_state: 'id',
  schema_migrations: 'id',
  chart_versions: 'name, version',
  chart_state: 'id',
  oci_blobs: 'repo, digest',
  oci_manifests: 'repo, digest',
  oci_tags: 'repo, tag',
  oci_uploads: 'id',
  oci_upload_chunks: 'id, start',
};

/** A JSON response: status, headers and parsed body. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A running test registry. */
export interface TestServer {
  url: string;
  registry: Registry;
  dataDir: string;
  /** An admin token (its secret). */
  adminToken: string;
  /** Creates a token straight in the store and returns its secret. */
  token(input: { scope: string; pattern?: string }): Promise<{ secret: string; id: string }>;
  /** fetch against the server; `token` becomes a Bearer header. */
  fetch(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** fetch and parse the JSON body. */
  json(path: string, init?: RequestInit & { token?: string }): Promise<JsonResponse>;
  /** POST /api/v1/packages with the archive (token `null`: none). */
  publish(archive: Uint8Array, token?: string | null): Promise<JsonResponse>;
  snapshot(): Promise<StoreSnapshot>;
  /** Every archive a `publish` call got a 201 for, to check against GNU tar. */
  accepted: Buffer[];
  close(): Promise<void>;
}

async function filesUnder(dir: string, root = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full, root)));
    else out.push(`${relative(root, full)} ${createHash('sha256').update(await readFile(full)).digest('hex')}`);
  }
  return out.sort();
}

/** Starts createApp on 127.0.0.1:0 with a temp data dir, in-memory PGlite, the given evaluator and limits (and OCI upload bounds, private reads). */
export async function startTestServer(options: { cue: CueEvaluator; limits?: PackageLimits; ociUploads?: RegistryOptions['ociUploads']; private?: boolean }): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'velahub-registry-'));
  const registry = await openRegistry({ dataDir, memory: true, cue: options.cue, limits: options.limits, ociUploads: options.ociUploads });
  const adminToken = (await createToken(registry.store, { scope: 'admin', description: 'test admin' })).token;
  const app = createApp({ registry, private: options.private });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const accepted: Buffer[] = [];
  const doFetch = (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${url}${path}`, { ...rest, headers });
  };
  const json = async (path: string, init?: RequestInit & { token?: string }): Promise<JsonResponse> => {
    const res = await doFetch(path, init);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    return { status: res.status, headers: res.headers, body };
  };

  return {
    url,
    registry,
    dataDir,
    adminToken,
    async token(input) {
      const { token, record } = await createToken(registry.store, input);
      return { secret: token, id: record.id };
    },
    fetch: doFetch,
    json,
    accepted,
    async publish(archive, token = adminToken) {
      const res = await json('/api/v1/packages', { method: 'POST', body: new Uint8Array(archive), headers: { 'content-type': 'application/gzip' }, token: token ?? undefined });
      if (res.status === 201) accepted.push(Buffer.from(archive));
      return res;
    },
    async snapshot() {
      const rows = await registry.store.db.query<{ name: string; version: string; digest: string; yanked: boolean; deprecated: string | null }>(
        'SELECT name, version, digest, yanked, deprecated FROM versions ORDER BY name, version',
      );
      return {
        revision: await registry.store.catalogRevision(),
        versions: rows.rows.map((r) => ({ name: r.name, version: r.version, digest: r.digest, yanked: Boolean(r.yanked), deprecated: r.deprecated ?? null })),
        blobFiles: await filesUnder(join(dataDir, 'blobs')),
        tables: Object.fromEntries(
          await Promise.all(
            Object.entries(tableOrder).map(async ([table, order]) => [table, (await registry.store.db.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows] as const),
          ),
        ),
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await registry.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Small package bounds, so hostile archives are cheap to build. */
export const smallLimits: PackageLimits = { maxFiles: 40, maxTotalBytes: 256 * 1024, maxFileBytes: 64 * 1024, maxPathLength: 255 };


/** A response exactly as sent: status, headers and undecoded body bytes. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** GET with node:http, so Content-Encoding and 304s are seen as sent. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { openRegistry, type Registry } from './registry.ts';
import { createApp } from './app.ts';
import { createHotReads, type HotReads } from './http/hot-reads.ts';
import { publishFolderTree } from './seed.ts';
import { createToken } from './tokens.ts';
import { withStartupLock } from './store/startup-lock.ts';
import { collectGarbage, defaultGcAgeMs } from './gc.ts';
import { CUE_ENGINE_ENV, parseEngineSetting, poolEngineFor } from '../core/cue/engine-choice.ts';

/** Options of `velahub serve`. */
export interface ServeOptions {
  port: number;
  host?: string;
  dataDir: string;
  databaseUrl?: string;
  /** `--blob-store` URL; default: files under the data folder. */
  blobStore?: string;
  baseUrl?: string;
  /** Folder of addons published when the store is empty. */
  seedDir?: string;
  /** Admin token to accept (VELAHUB_ADMIN_TOKEN); otherwise one is generated on first start. */
  adminToken?: string;
  /** One more header that may carry a token (what `vela addon push --auth-header NAME` sends). */
  authHeader?: string;
  /** Every read needs a token of read scope or higher; /healthz, /readyz and /metrics stay open. */
  private?: boolean;
  logger?: Logger;
  /** Where human-readable start-up lines go. */
  say?: (line: string) => void;
}

/** A running registry server. */
export interface RunningServer {
  url: string;
  registry: Registry;
  server: Server;
  /** The admin token generated on this start, when one was. */
  generatedAdminToken?: string;
  close(): Promise<void>;
}

/**
 * Opens the store, seeds it with the bundled addons when empty, makes sure an
 * admin token exists, and listens. The token secret is printed once and only its
 * hash is stored.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const say = options.say ?? ((l: string) => process.stdout.write(l + '\n'));
  const logger = options.logger ?? pino({ level: process.env.VELAHUB_LOG_LEVEL ?? 'info' });
  const cueEngine = poolEngineFor(parseEngineSetting(process.env[CUE_ENGINE_ENV]));
  const registry = await openRegistry({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, blobStore: options.blobStore, prestartCue: true, cueEngine });
  let generatedAdminToken: string | undefined;
  let generatedId: string | undefined;
  let server: Server;
  let hot: HotReads | undefined;
  try {
    // Replicas starting together take turns: one creates the admin token and seeds, the others find it done.
    await withStartupLock(options.databaseUrl, async () => {
      if (options.adminToken) {
        if (!(await registry.store.findToken(registry.store.tokenHash(options.adminToken)))) {
          await createToken(registry.store, { scope: 'admin', description: 'VELAHUB_ADMIN_TOKEN', secret: options.adminToken });
        }
      } else if (!(await registry.store.listTokens()).some((t) => t.scope === 'admin' && !t.revokedAt)) {
        const created = await createToken(registry.store, { scope: 'admin', description: 'generated on first start' });
        generatedAdminToken = created.token;
        generatedId = created.record.id;
      }
      if (options.seedDir && (await registry.store.isEmpty())) {
        say(`Publishing the bundled addons from ${options.seedDir} ...`);
        await publishFolderTree(registry, options.seedDir, (done, total, r) => say(`  [${done}/${total}] ${r.name}@${r.version} ${r.digest.slice(0, 19)}`));
      }
    });
    hot = createHotReads({ registry, logger, private: options.private });
    const app = createApp({ registry, logger, countRequests: hot.countRequests, authHeader: options.authHeader, private: options.private });
    const front = hot;
    // The hot reads (index.yaml, archives, addon/version JSON) are answered by plain node:http
    // from prepared bytes; everything else goes on to the express app.
    const s = createServer((req, res) => front.handle(req, res, app));
    server = await new Promise<Server>((resolve, reject) => {
      s.once('error', reject);
      s.listen(options.port, options.host ?? '0.0.0.0', () => {
        s.off('error', reject);
        resolve(s);
      });
    });
  } catch (err) {
    // Leave nothing half-done: a token nobody saw would lock the admin out of the next start.
    if (generatedId) await registry.store.revokeToken(generatedId).catch(() => undefined);
    hot?.close();
    await registry.close().catch(() => undefined);
    throw err;
  }
  // Blobs left by crashes between a blob write and its commit are collected hourly.
  const gc = setInterval(() => {
    collectGarbage(registry).then(
      (r) => r.removed.length && logger.info({ removed: r.removed }, 'gc: removed unreferenced blobs'),
      (err: unknown) => logger.error({ err }, 'gc failed'),
    );
  }, defaultGcAgeMs);
  gc.unref();
  const port = (server.address() as AddressInfo).port;
  const url = options.baseUrl ?? `http://localhost:${port}`;
  say(`velahub registry listening on ${url} (data: ${options.dataDir}, database: ${registry.store.db.backend}, blobs: ${registry.blobStore}, CUE engine: ${cueEngine})${options.private ? '; private: every read needs a token' : ''}`);
  const credentials = options.private ? ' --username velahub --password TOKEN' : '';
  say(`  KubeVela: vela addon registry add velahub --type helm --endpoint ${url}${credentials}`);
  say(`  Helm charts: helm repo add velahub ${url}/helm${credentials}`);
  // OCI clients name the registry by host (and need --plain-http over HTTP).
  const host = url.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const plain = url.startsWith('http://') ? ' --plain-http' : '';
  say(`  OCI: helm registry login ${host}${plain} -u velahub -p TOKEN; helm push CHART.tgz oci://${host}/charts${plain}`);
  if (generatedAdminToken) say(`  Admin token (shown once, stored hashed): ${generatedAdminToken}`);
  return {
    url,
    registry,
    server,
    generatedAdminToken,
    async close() {
      clearInterval(gc);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      hot?.close();
      await registry.close();
    },
  };
}

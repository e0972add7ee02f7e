/**
 * A running velahub registry for installer tests and benches: temp data folder, free port,
 * in-process PGlite, optionally seeded with the bundled addons. No cluster and no node:test
 * hooks here, so a bench can import it without starting a test run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { packFiles } from '../../core/package/archive.ts';
import type { PackageFiles } from '../../core/package/files.ts';
import type { RegistrySource } from '../../installer/registry-index.ts';
import { publishArchive, type PublishResult } from '../../registry/publish.ts';
import { startServer, type RunningServer } from '../../registry/server.ts';
import type { TokenRecord } from '../../registry/store/records.ts';
import { bundledAddonsDir } from './bundled.ts';

const adminToken: TokenRecord = { id: 'installer-tests', description: 'installer tests', scope: 'admin', pattern: null, createdAt: new Date(0).toISOString(), revokedAt: null };

/** Files of an addon as text, keyed by path inside the addon folder. */
export type Tree = Record<string, string>;

/** A running registry for one test file. */
export interface TestRegistry {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  server: RunningServer;
  /** This registry as the installer's source, under `name`. */
  source(name?: string): RegistrySource;
  /** Packs and publishes an addon built in code. */
  publish(tree: Tree): Promise<PublishResult>;
  /** Publishes an archive as it is (e.g. a catalog addon packed by test/support/catalog.ts). */
  publishArchive(data: Uint8Array): Promise<PublishResult>;
  /** Deprecates a version through the registry's HTTP API, as `velahub deprecate` does. */
  deprecate(name: string, version: string, message: string): Promise<void>;
  /** Yanks a version through the registry's HTTP API, as `velahub yank` does. */
  yank(name: string, version: string, reason: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a velahub registry on 127.0.0.1 (free port, temp data dir, in-process PGlite), seeded
 * with the bundled addons unless `seed` is false.
 */
export async function startTestRegistry(opts: { seed?: boolean } = {}): Promise<TestRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'velahub-installer-registry-'));
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    seedDir: opts.seed === false ? undefined : bundledAddonsDir,
    logger: pino({ level: 'silent' }),
    say: () => {},
  });
  const port = (server.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  const admin = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${server.generatedAdminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`PUT ${path} answered HTTP ${res.status}: ${await res.text()}`);
  };
  return {
    url,
    server,
    source: (name = 'test') => ({ name, url }),
    async publish(tree) {
      const files: PackageFiles = new Map(Object.entries(tree).map(([p, t]) => [p, Buffer.from(t)]));
      const meta = /^name:\s*(\S+)[\s\S]*?^version:\s*(\S+)/m.exec(tree['metadata.yaml'] ?? '');
      if (!meta) throw new Error('fixture metadata.yaml needs name: and version: lines, in that order');
      const archive = packFiles(meta[1]!, files, { name: meta[1]!, version: meta[2]! });
      return publishArchive(server.registry, archive.data, adminToken);
    },
    publishArchive: (data) => publishArchive(server.registry, data, adminToken),
    deprecate: (name, version, message) => admin(`/api/v1/addons/${name}/versions/${version}/deprecation`, { message }),
    yank: (name, version, reason) => admin(`/api/v1/addons/${name}/versions/${version}/yank`, { reason }),
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

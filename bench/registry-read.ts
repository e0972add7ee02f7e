/**
 * Read throughput and latency of a running registry under concurrency, with autocannon as the
 * load generator: index.yaml and the JSON API, against /healthz (no work) as the baseline in the
 * same run, and with If-None-Match (304, no body) against a full 200.
 *
 * The registry runs in a child process (this file with --serve) on 127.0.0.1 with its own temp
 * data dir: seeded with the bundled addons, then filled with generated metadata-only addons to
 * --catalog versions so index.yaml has a realistic size. Every scenario is bounded in time
 * (--duration seconds) and in count (--max-requests); loopback only. Server and load generator
 * share the machine's CPUs, so compare rows of one run (each against the /healthz baseline).
 *
 *   npx tsx bench/registry-read.ts [--connections 16] [--duration 5] [--max-requests 100000] [--catalog 200]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '16' },
    duration: { type: 'string', default: '5' },
    'max-requests': { type: 'string', default: '100000' },
    catalog: { type: 'string', default: '200' },
    serve: { type: 'string' },
  },
});

const addonsDir = fileURLToPath(new URL('../addons/', import.meta.url));
const thisFile = fileURLToPath(import.meta.url);

/** Child mode: start the registry, fill it, print `{"url": ...}` on one line, run until killed. */
async function serve(dataDir: string, catalog: number): Promise<void> {
  const { pino } = await import('pino');
  const { startServer } = await import('../registry/server.ts');
  const { publishArchive } = await import('../registry/publish.ts');
  const { packFiles } = await import('../core/package/archive.ts');
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, seedDir: addonsDir, say: () => {}, logger: pino({ level: 'silent' }) });
  const admin = { id: 'bench', description: 'read benchmark', scope: 'admin' as const, pattern: null, createdAt: new Date(0).toISOString(), revokedAt: null };
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  let next = await server.registry.store.countVersions();
  const fill = async (): Promise<void> => {
    for (let i = next++; i < catalog; i = next++) {
      const name = `fill-${String(Math.floor(i / 10)).padStart(4, '0')}`;
      const version = `1.0.${i % 10}`;
      const files = new Map([
        ['metadata.yaml', text(`name: ${name}\nversion: ${version}\ndescription: Generated addon for the read benchmark\ntags: [Bench]\n`)],
        ['README.md', text(`# ${name}\n`)],
      ]);
      await publishArchive(server.registry, packFiles(name, files, { name, version }).data, admin);
    }
  };
  await Promise.all(Array.from({ length: 4 }, fill));
  await server.registry.indexYaml();
  const { port } = server.server.address() as import('node:net').AddressInfo;
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, versions: await server.registry.store.countVersions() }) + '\n');
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

interface Scenario {
  label: string;
  path: string;
  /** Send the ETag of a first GET back as If-None-Match. */
  conditional?: boolean;
  expect: number;
}

const scenarios: Scenario[] = [
  { label: '/healthz (baseline: no work)', path: '/healthz', expect: 200 },
  { label: '/index.yaml', path: '/index.yaml', expect: 200 },
  { label: '/index.yaml If-None-Match', path: '/index.yaml', conditional: true, expect: 304 },
  { label: 'API addon search ?q=trait', path: '/api/v1/addons?q=trait', expect: 200 },
  { label: 'API one addon', path: '/api/v1/addons/hpa-trait', expect: 200 },
  { label: 'API one version', path: '/api/v1/addons/hpa-trait/versions/1.0.0', expect: 200 },
  { label: 'API one version If-None-Match', path: '/api/v1/addons/hpa-trait/versions/1.0.0', conditional: true, expect: 304 },
  { label: 'archive /charts/hpa-trait-1.0.0.tgz', path: '/charts/hpa-trait-1.0.0.tgz', expect: 200 },
  // The machine may be shared: the baseline again at the end shows how much it drifted.
  { label: '/healthz again (drift check)', path: '/healthz', expect: 200 },
];

async function bench(): Promise<void> {
  const connections = Number(args.connections);
  const duration = Number(args.duration);
  const maxRequests = Number(args['max-requests']);
  const catalog = Number(args.catalog);
  if (![connections, duration, maxRequests, catalog].every((n) => Number.isInteger(n) && n > 0) || duration > 60 || maxRequests < connections) {
    console.error('usage: npx tsx bench/registry-read.ts [--connections 16] [--duration 5 (<= 60)] [--max-requests 100000] [--catalog 200]');
    process.exit(2);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'velahub-bench-read-'));
  process.stderr.write(`starting the registry (seed: bundled addons, CUE-validated; then fill to ${catalog} versions)...\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', thisFile, '--serve', dataDir, '--catalog', String(catalog)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const ready = await new Promise<{ url: string; versions: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the registry did not start within 10 minutes')), 10 * 60_000);
      child.once('exit', (code) => reject(new Error(`the registry exited with code ${code} before it was ready`)));
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; versions: number });
      });
    });
    const indexBytes = (await (await fetch(`${ready.url}/index.yaml`)).text()).length;
    console.log(`velahub read benchmark: autocannon, ${connections} connections, ${duration} s or ${maxRequests} requests per row, Accept-Encoding: gzip`);
    console.log(`registry on ${ready.url} (child process), ${ready.versions} versions, index.yaml ${(indexBytes / 1024).toFixed(0)} KiB uncompressed`);
    console.log(`(node ${process.version}, ${cpus().length} CPUs shared by server and load generator, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);

    const rows: string[][] = [];
    for (const s of scenarios) {
      const headers: Record<string, string> = { 'accept-encoding': 'gzip' };
      const first = await fetch(ready.url + s.path, { headers });
      await first.arrayBuffer();
      if (first.status !== 200) throw new Error(`GET ${s.path} answered ${first.status}, expected 200`);
      if (s.conditional) {
        const etag = first.headers.get('etag');
        if (!etag) throw new Error(`GET ${s.path} sent no ETag`);
        headers['if-none-match'] = etag;
      }
      process.stderr.write(`  ${s.label}...\n`);
      // One second of warm-up (JIT, connection pool, caches), not counted.
      await autocannon({ url: ready.url + s.path, connections, duration: 1, maxOverallRequests: maxRequests, headers, timeout: 10 });
      const r = await autocannon({ url: ready.url + s.path, connections, duration, maxOverallRequests: maxRequests, headers, timeout: 10 });
      const codes = Object.entries(r.statusCodeStats ?? {}).map(([code, v]) => `${code}×${(v as { count: number }).count}`).join(' ');
      const wrong = Object.keys(r.statusCodeStats ?? {}).some((code) => Number(code) !== s.expect);
      rows.push([
        s.label,
        r.requests.average.toFixed(0),
        r.latency.p50.toFixed(1),
        r.latency.p99.toFixed(1),
        r.latency.max.toFixed(0),
        (r.throughput.average / 1024 / 1024).toFixed(2),
        `${codes}${r.errors ? ` errors×${r.errors}` : ''}${wrong ? ` (expected ${s.expect})` : ''}`,
      ]);
    }
    const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'MB/s', 'responses'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const row of rows) console.log(line(row));
  } finally {
    await cleanup();
  }
}

if (args.serve !== undefined) await serve(args.serve, Number(args.catalog));
else await bench();

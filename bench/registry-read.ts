/**
 * Hot-read throughput and latency, in one run, against baselines serving the same bytes:
 *
 *   1. plain node:http serving velahub's own index.yaml (gzip, ETag, 304), addon JSON and archive
 *      from memory — the runtime's ceiling;
 *   2. an express 5 hello-world (200 and 304) — what express alone costs;
 *   3. velahub, 1 replica: index.yaml full and 304, an archive, an addon's JSON, a chart archive
 *      from /helm/charts/ and the same chart over OCI (its manifest by tag, its layer blob);
 *   4. velahub, 2 replicas on the same PostgreSQL and blob folder, the load split over both.
 *
 * Every server is a child process (this file with --serve / --baseline) on 127.0.0.1; autocannon
 * runs here. Server(s) and load generator share the machine's CPUs, so compare rows of one run;
 * 2 replicas on 2 cores cannot double. Rows are bounded in time (--duration) and count
 * (--max-requests); loopback only. Prints figures and the issue's targets as ratios; asserts nothing.
 *
 *   npx tsx bench/registry-read.ts [--connections 32] [--duration 5] [--max-requests 300000] [--catalog 2000]
 *
 * Needs Debian's postgresql (as the tests do) for the shared database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '5' },
    'max-requests': { type: 'string', default: '300000' },
    catalog: { type: 'string', default: '2000' },
    serve: { type: 'string' },
    'database-url': { type: 'string' },
    'blob-store': { type: 'string' },
    fill: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    bytes: { type: 'string' },
  },
});

const addonsDir = fileURLToPath(new URL('../addons/', import.meta.url));
const thisFile = fileURLToPath(import.meta.url);

/** What every server child prints on one line once it listens. */
interface Ready {
  url: string;
  versions?: number;
}

const announce = (ready: Ready): void => void process.stdout.write(JSON.stringify(ready) + '\n');

/** Child mode: one velahub replica (the first also seeds and fills the catalog). */
async function serveReplica(dataDir: string): Promise<void> {
  const { pino } = await import('pino');
  const { startServer } = await import('../registry/server.ts');
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: args['database-url'],
    blobStore: args['blob-store'],
    seedDir: args.fill ? addonsDir : undefined,
    adminToken: 'bench-admin-token',
    say: () => {},
    logger: pino({ level: 'silent' }),
  });
  if (args.fill) await fill(server.registry, Number(args.catalog));
  await server.registry.indexYaml();
  const { port } = server.server.address() as import('node:net').AddressInfo;
  announce({ url: `http://127.0.0.1:${port}`, versions: await server.registry.store.countVersions() });
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Generated metadata-only addons (no CUE work) up to `catalog` versions, so index.yaml has a realistic size. */
async function fill(registry: import('../registry/registry.ts').Registry, catalog: number): Promise<void> {
  const { publishArchive } = await import('../registry/publish.ts');
  const { packFiles } = await import('../core/package/archive.ts');
  const admin = { id: 'bench', description: 'read benchmark', scope: 'admin' as const, pattern: null, createdAt: new Date(0).toISOString(), revokedAt: null };
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  let next = await registry.store.countVersions();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < catalog; i = next++) {
      const name = `fill-${String(Math.floor(i / 10)).padStart(4, '0')}`;
      const version = `1.0.${i % 10}`;
      const files = new Map([
        ['metadata.yaml', text(`name: ${name}\nversion: ${version}\ndescription: Generated addon for the read benchmark\ntags: [Bench]\n`)],
        ['README.md', text(`# ${name}\n`)],
      ]);
      await publishArchive(registry, packFiles(name, files, { name, version }).data, admin);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  // One application chart in the template center, read over /helm and over OCI.
  const { publishChart } = await import('../registry/charts/publish-chart.ts');
  const { chartArchive } = await import('../test/support/charts.ts');
  if (!(await registry.charts.get(benchChart.name, benchChart.version))) {
    await publishChart({ charts: registry.charts, blobs: registry.blobs, oci: registry.oci }, chartArchive(benchChart.name, benchChart.version), admin);
  }
}

/** The chart the OCI rows read: its archive from /helm/charts/, its manifest and layer from /v2/. */
const benchChart = { name: 'bench-web', version: '1.0.0' };

/** The bytes the plain-Node baseline serves: exactly what velahub served, captured by the parent. */
interface Captured {
  index: string;
  addonJson: string;
  archive: string;
}

/** Child mode: the baselines. `plain` serves captured bytes as a minimal node:http server would; `express` is hello-world. */
async function serveBaseline(kind: string, bytesFile: string | undefined): Promise<void> {
  if (kind === 'express') {
    const { default: express } = await import('express');
    const app = express();
    app.set('etag', 'strong');
    app.get('/hello', (_req, res) => {
      res.send('hello world');
    });
    const s = app.listen(0, '127.0.0.1', () => announce({ url: `http://127.0.0.1:${(s.address() as import('node:net').AddressInfo).port}` }));
    return;
  }
  const captured = JSON.parse(await readFile(bytesFile!, 'utf8')) as Captured;
  const entry = (body: Buffer, type: string) => {
    const gzip = gzipSync(body);
    return { body, gzip, type, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
  };
  const routes = new Map([
    ['/index.yaml', entry(Buffer.from(captured.index, 'base64'), 'application/x-yaml')],
    ['/addon.json', entry(Buffer.from(captured.addonJson, 'base64'), 'application/json; charset=utf-8')],
    ['/archive.tgz', entry(Buffer.from(captured.archive, 'base64'), 'application/gzip')],
  ]);
  const server = createServer((req, res) => {
    const r = routes.get(req.url ?? '');
    if (!r) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === r.etag) {
      res.writeHead(304, { ETag: r.etag }).end();
      return;
    }
    const gz = r.type !== 'application/gzip' && (req.headers['accept-encoding'] ?? '').includes('gzip');
    const body = gz ? r.gzip : r.body;
    res.writeHead(200, { 'Content-Type': r.type, 'Content-Length': body.length, ETag: r.etag, ...(gz ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => announce({ url: `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}` }));
}

/** Starts this file as a child in a server mode; resolves with its announcement. */
function child(extra: string[], waitMs: number): { proc: ChildProcess; ready: Promise<Ready> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', thisFile, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${extra.join(' ')} did not start within ${waitMs / 1000} s`)), waitMs);
    proc.once('exit', (code) => reject(new Error(`${extra.join(' ')} exited with code ${code} before it was ready`)));
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as Ready);
    });
  });
  return { proc, ready };
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

/** One measured row: requests per second and latency percentiles, over one or several servers at once. */
interface Row {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  mbps: number;
  responses: string;
}

async function measure(label: string, urls: string[], path: string, opts: { conditional?: boolean; expect: number }): Promise<Row> {
  const connections = Number(args.connections);
  const duration = Number(args.duration);
  const maxRequests = Number(args['max-requests']);
  const headers: Record<string, string> = { 'accept-encoding': 'gzip' };
  const first = await fetch(urls[0] + path, { headers });
  await first.arrayBuffer();
  if (first.status !== 200) throw new Error(`GET ${path} answered ${first.status}, expected 200`);
  if (opts.conditional) headers['if-none-match'] = first.headers.get('etag') ?? '';
  process.stderr.write(`  ${label}...\n`);
  const per = Math.max(1, Math.floor(connections / urls.length));
  const run = (d: number) =>
    Promise.all(urls.map((u) => autocannon({ url: u + path, connections: per, duration: d, maxOverallRequests: Math.floor(maxRequests / urls.length), headers, timeout: 10 })));
  // One second of warm-up (JIT, connections, caches), not counted.
  await run(1);
  const results = await Promise.all(await run(duration));
  const codes = new Map<string, number>();
  for (const r of results) for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) codes.set(code, (codes.get(code) ?? 0) + (v as { count: number }).count);
  const wrong = [...codes.keys()].some((c) => Number(c) !== opts.expect);
  const errors = results.reduce((n, r) => n + r.errors + r.timeouts, 0);
  return {
    label,
    rps: results.reduce((n, r) => n + r.requests.average, 0),
    // Several servers at once: the worse of their percentiles.
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    max: Math.max(...results.map((r) => r.latency.max)),
    mbps: results.reduce((n, r) => n + r.throughput.average, 0) / 1024 / 1024,
    responses: `${[...codes].map(([c, n]) => `${c}×${n}`).join(' ')}${errors ? ` errors×${errors}` : ''}${wrong ? ` (expected ${opts.expect})` : ''}`,
  };
}

function table(rows: Row[]): void {
  const cells = rows.map((r) => [r.label, r.rps.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), r.max.toFixed(0), r.mbps.toFixed(2), r.responses]);
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'MB/s', 'responses'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 || i === 6 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

async function bench(): Promise<void> {
  const nums = [args.connections, args.duration, args['max-requests'], args.catalog].map(Number);
  if (!nums.every((n) => Number.isInteger(n) && n > 0) || nums[1]! > 60 || nums[2]! < nums[0]!) {
    console.error('usage: npx tsx bench/registry-read.ts [--connections 32] [--duration 5 (<= 60)] [--max-requests 300000] [--catalog 2000]');
    process.exit(2);
  }
  const { startPostgres } = await import('../test/support/postgres.ts');
  const work = await mkdtemp(join(tmpdir(), 'velahub-bench-read-'));
  const children: ChildProcess[] = [];
  const pgServer = await startPostgres();
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled(children.map(stopChild));
    await pgServer.stop();
    await rm(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const databaseUrl = await pgServer.freshDatabase();
    // Both replicas read one blob folder: on one machine that is what a shared bucket is to them.
    const blobStore = pathToFileURL(join(work, 'blobs')).href;
    const replica = (n: number, fillIt: boolean) => {
      const c = child(['--serve', join(work, `replica-${n}`), '--database-url', databaseUrl, '--blob-store', blobStore, '--catalog', args.catalog!, ...(fillIt ? ['--fill'] : [])], 30 * 60_000);
      children.push(c.proc);
      return c.ready;
    };
    process.stderr.write(`starting replica 1 (seed: the bundled addons, CUE-validated; then fill to ${args.catalog} versions)...\n`);
    const a = await replica(1, true);
    const b = await replica(2, false);

    // Capture velahub's own bytes for the plain-Node baseline.
    const addonPath = '/api/v1/addons/hpa-trait';
    const archivePath = '/charts/hpa-trait-1.0.0.tgz';
    const grab = async (p: string) => Buffer.from(await (await fetch(a.url + p)).arrayBuffer()).toString('base64');
    const captured: Captured = { index: await grab('/index.yaml'), addonJson: await grab(addonPath), archive: await grab(archivePath) };
    const bytesFile = join(work, 'captured.json');
    await writeFile(bytesFile, JSON.stringify(captured));
    const plainChild = child(['--baseline', 'plain', '--bytes', bytesFile], 60_000);
    const expressChild = child(['--baseline', 'express'], 60_000);
    children.push(plainChild.proc, expressChild.proc);
    const [plain, hello] = await Promise.all([plainChild.ready, expressChild.ready]);

    const indexBytes = Buffer.from(captured.index, 'base64').length;
    console.log(`velahub read benchmark: autocannon, ${args.connections} connections, ${args.duration} s or ${args['max-requests']} requests per row, Accept-Encoding: gzip`);
    console.log(`${a.versions} versions, index.yaml ${(indexBytes / 1024).toFixed(0)} KiB (gzip ${(gzipSync(Buffer.from(captured.index, 'base64')).length / 1024).toFixed(0)} KiB); PostgreSQL ${databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
    console.log(`(node ${process.version}, ${cpus().length} CPUs shared by servers and load generator, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})\n`);

    // The chart's OCI manifest and its layer (the very archive /helm/charts/ serves).
    const manifestPath = `/v2/charts/${benchChart.name}/manifests/${benchChart.version}`;
    const manifest = (await (await fetch(a.url + manifestPath)).json()) as { layers: Array<{ digest: string }> };
    const chartArchivePath = `/helm/charts/${benchChart.name}-${benchChart.version}.tgz`;
    const blobPath = `/v2/charts/${benchChart.name}/blobs/${manifest.layers[0]!.digest}`;

    const rows: Row[] = [];
    const velahub = (label: string, urls: string[]) => [
      () => measure(`${label}: index.yaml`, urls, '/index.yaml', { expect: 200 }),
      () => measure(`${label}: index.yaml If-None-Match`, urls, '/index.yaml', { conditional: true, expect: 304 }),
      () => measure(`${label}: archive`, urls, archivePath, { expect: 200 }),
      () => measure(`${label}: addon JSON`, urls, addonPath, { expect: 200 }),
      () => measure(`${label}: chart archive /helm/charts/`, urls, chartArchivePath, { expect: 200 }),
      () => measure(`${label}: OCI manifest by tag`, urls, manifestPath, { expect: 200 }),
      () => measure(`${label}: OCI blob (the chart layer)`, urls, blobPath, { expect: 200 }),
    ];
    const plan = [
      () => measure('plain node: index.yaml', [plain.url], '/index.yaml', { expect: 200 }),
      () => measure('plain node: index.yaml If-None-Match', [plain.url], '/index.yaml', { conditional: true, expect: 304 }),
      () => measure('plain node: archive', [plain.url], '/archive.tgz', { expect: 200 }),
      () => measure('plain node: addon JSON', [plain.url], '/addon.json', { expect: 200 }),
      () => measure('express hello-world', [hello.url], '/hello', { expect: 200 }),
      () => measure('express hello-world If-None-Match', [hello.url], '/hello', { conditional: true, expect: 304 }),
      ...velahub('velahub ×1', [a.url]),
      ...velahub('velahub ×2', [a.url, b.url]),
    ];
    for (const step of plan) rows.push(await step());
    // The OCI target compares two rows measured a minute apart on a machine others share: measure
    // the pair once more, in the other order, and compare the sums.
    rows.push(await measure('velahub ×1: OCI blob (the chart layer), again', [a.url], blobPath, { expect: 200 }));
    rows.push(await measure('velahub ×1: chart archive /helm/charts/, again', [a.url], chartArchivePath, { expect: 200 }));
    table(rows);

    const find = (label: string) => rows.find((r) => r.label === label)!;
    const ratio = (v: string, base: string) => find(v).rps / find(base).rps;
    console.log('\ntargets (issue #15), velahub ×1 against plain node in this run:');
    const full = ratio('velahub ×1: index.yaml', 'plain node: index.yaml');
    const notModified = ratio('velahub ×1: index.yaml If-None-Match', 'plain node: index.yaml If-None-Match');
    const jsonP99 = find('velahub ×1: addon JSON').p99;
    console.log(`  index.yaml full     ${full.toFixed(2)}× (target ≥ 0.8×: ${full >= 0.8 ? 'met' : 'not met'})`);
    console.log(`  index.yaml 304      ${notModified.toFixed(2)}× (target ≥ 0.5×: ${notModified >= 0.5 ? 'met' : 'not met'})`);
    console.log(`  addon JSON p99      ${jsonP99.toFixed(1)} ms at ${args.connections} connections (target < 20 ms: ${jsonP99 < 20 ? 'met' : 'not met'})`);
    console.log(`  archive             ${ratio('velahub ×1: archive', 'plain node: archive').toFixed(2)}×`);
    const both = (label: string) => find(label).rps + find(`${label}, again`).rps;
    const blob = both('velahub ×1: OCI blob (the chart layer)') / both('velahub ×1: chart archive /helm/charts/');
    console.log(`  OCI blob pull       ${blob.toFixed(2)}× the /helm/charts/ archive download, both measured twice (issue #23 target ≥ 0.8×: ${blob >= 0.8 ? 'met' : 'not met'}); manifest ${ratio('velahub ×1: OCI manifest by tag', 'velahub ×1: chart archive /helm/charts/').toFixed(2)}×`);
    console.log(`  2 replicas / 1      index.yaml ${ratio('velahub ×2: index.yaml', 'velahub ×1: index.yaml').toFixed(2)}×, 304 ${ratio('velahub ×2: index.yaml If-None-Match', 'velahub ×1: index.yaml If-None-Match').toFixed(2)}× (same 2 CPUs, shared with the load generator)`);
  } finally {
    await cleanup();
  }
}

if (args.serve !== undefined) await serveReplica(args.serve);
else if (args.baseline !== undefined) await serveBaseline(args.baseline, args.bytes);
else await bench();

/**
 * `velahub chart push|list|info|pull|delete` against a running registry (createApp on a loopback
 * port). One push spawns the real binary; the rest run the same CLI in process through run()
 * with --registry/--token. Exit codes follow cli/report.ts; every refusal names what was wrong.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { sha256 } from '../../../core/package/archive.ts';
import { tempDir, writeTree } from '../../support/addons.ts';
import { chartArchive, chartTree } from '../../support/charts.ts';
import { assertFailed, describeRun, velahub, velahubInProcess, type CliResult, type ExpectedFailure } from '../../support/cli.ts';
import { listArchive } from '../../support/tar.ts';
import { startTestServer, type TestServer } from '../../support/registry-server.ts';

const cue = new CueEvaluator();
let srv: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

/** Runs the CLI in process in the temp dir, against the test registry with the admin token unless `token` is given. */
function cli(args: string[], token?: string): Promise<CliResult> {
  return velahubInProcess([...args, '--registry', srv.url, '--token', token ?? srv.adminToken], { cwd: tmp.dir });
}

before(async () => {
  srv = await startTestServer({ cue });
  tmp = await tempDir('velahub-cli-chart-');
  process.env.VELAHUB_CONFIG = join(tmp.dir, 'config.yaml');
  delete process.env.VELAHUB_REGISTRY;
  delete process.env.VELAHUB_TOKEN;
  // A chart folder as `helm create` leaves it: with a .helmignore and litter it names.
  await writeTree(join(tmp.dir, 'shop'), { ...chartTree('shop', '1.0.0'), '.helmignore': '*.swp\nci/\n', 'values.yaml.swp': 'x', 'ci/test-values.yaml': 'message: ci\n' });
  await writeTree(join(tmp.dir, 'broken'), chartTree('broken', '1.0.0', { 'Chart.yaml': 'apiVersion: v2\nname: broken\nversion: latest\n', 'templates/configmap.yaml': null }));
  await writeFile(join(tmp.dir, 'shop-1.1.0.tgz'), chartArchive('shop', '1.1.0'));
  await writeFile(join(tmp.dir, 'notes.txt'), 'not a chart');
});
after(async () => {
  await srv?.close();
  await cue.close();
  await tmp?.cleanup();
});

describe('chart push, update, list, info, pull, delete', () => {
  test('push DIR (spawned binary): validated, packed without what .helmignore names, uploaded', async () => {
    const r = await velahub(['chart', 'push', 'shop'], { cwd: tmp.dir, env: { VELAHUB_CONFIG: join(tmp.dir, 'config.yaml'), VELAHUB_REGISTRY: srv.url, VELAHUB_TOKEN: srv.adminToken } });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^Uploaded chart shop@1\.0\.0 \(sha256:[0-9a-f]{64}\)\n$/);
    const archive = Buffer.from(await (await srv.fetch('/helm/charts/shop-1.0.0.tgz')).arrayBuffer());
    assert.deepEqual((await listArchive(archive)).filter((e) => e.type === 'File').map((e) => e.path).sort(), ['shop/.helmignore', 'shop/Chart.yaml', 'shop/README.md', 'shop/templates/configmap.yaml', 'shop/values.yaml']);
  });

  test('push DIR again: exit 0, "already uploaded", nothing changed', async () => {
    const r = await cli(['chart', 'push', 'shop']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^chart shop@1\.0\.0 is already uploaded with identical content/);
  });

  test('push CHART.tgz -o json (the update: a new version): the bytes as they are', async () => {
    const r = await cli(['chart', 'push', 'shop-1.1.0.tgz', '-o', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    const result = JSON.parse(r.stdout) as { status: string; name: string; version: string; digest: string };
    assert.deepEqual({ ...result, size: undefined, saved: undefined }, { status: 'created', name: 'shop', version: '1.1.0', digest: sha256(await readFile(join(tmp.dir, 'shop-1.1.0.tgz'))), size: undefined, saved: undefined });
  });

  test('list: table, json and yaml', async () => {
    const table = await cli(['chart', 'list']);
    assert.equal(table.code, 0, describeRun(table));
    assert.match(table.stdout, /^NAME\s+VERSION\s+APP VERSION\s+VERSIONS\s+DESCRIPTION\nshop\s+1\.1\.0\s+1\.16\.0\s+2\s+The shop chart\n$/);
    const json = JSON.parse((await cli(['chart', 'list', '-o', 'json'])).stdout) as Array<{ name: string; latest: string }>;
    assert.deepEqual(json.map((c) => [c.name, c.latest]), [['shop', '1.1.0']]);
    const yaml = parse((await cli(['chart', 'list', '-o', 'yaml', '--query', 'nothing-like-it'])).stdout) as unknown[];
    assert.deepEqual(yaml, []);
  });

  test('info NAME: the newest version, its Application and the versions; info NAME@VERSION -o yaml: that version', async () => {
    const r = await cli(['chart', 'info', 'shop']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^shop@1\.1\.0 {2}\(app 1\.16\.0\)\n/);
    assert.match(r.stdout, new RegExp(`repository: +${srv.url}/helm\\n`));
    assert.match(r.stdout, /type: helm-component/);
    assert.match(r.stdout, /VERSION\s+APP VERSION\s+UPLOADED\n1\.1\.0 .*\n1\.0\.0 /);
    const v = parse((await cli(['chart', 'info', 'shop@1.0.0', '-o', 'yaml'])).stdout) as { version: string; parameterSource: string; parameters: Array<{ path: string }> };
    assert.equal(v.version, '1.0.0');
    assert.equal(v.parameterSource, 'values.yaml');
    assert.deepEqual(v.parameters.map((t) => t.path), ['', 'image']);
  });

  test('pull NAME@VERSION -d DIR: the archive, digest checked', async () => {
    const r = await cli(['chart', 'pull', 'shop@1.0.0', '-d', '.', '-o', 'json']);
    assert.equal(r.code, 0, describeRun(r));
    const summary = JSON.parse(r.stdout) as { file: string; digest: string };
    assert.equal(summary.file, 'shop-1.0.0.tgz');
    assert.equal(sha256(await readFile(join(tmp.dir, 'shop-1.0.0.tgz'))), summary.digest);
    assert.equal(summary.digest, (await srv.json('/api/v1/charts/shop/versions/1.0.0')).body.digest);
  });

  test('pull NAME: the newest version', async () => {
    const r = await cli(['chart', 'pull', 'shop']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^Pulled shop@1\.1\.0 to shop-1\.1\.0\.tgz \(sha256:/);
  });

  test('delete NAME@VERSION with a publish token is refused (exit 4); with the admin token it is deleted', async () => {
    const { secret, id } = await srv.token({ scope: 'publish', pattern: 'shop' });
    const refused = await cli(['chart', 'delete', 'shop@1.0.0'], secret);
    assertFailed(refused, { code: 'EFORBIDDEN', exit: 4, mentions: [id] });
    const r = await cli(['chart', 'delete', 'shop@1.0.0']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /^Deleted chart shop@1\.0\.0: it left \/helm\/index\.yaml; releases already installed from it are not touched\n$/);
    const again = await cli(['chart', 'push', join(tmp.dir, 'shop')]);
    assertFailed(again, { code: 'ECONFLICT', exit: 4, mentions: ['shop@1.0.0'] });
  });
});

describe('bad input: an exit code and a message naming what is wrong', () => {
  const rows: Array<{ args: string[]; failure: ExpectedFailure & { exit: number } }> = [
    { args: ['chart', 'push', 'no-such-dir'], failure: { code: 'ENOENT', exit: 3, mentions: ['no-such-dir'] } },
    { args: ['chart', 'push', 'notes.txt'], failure: { code: 'EUSAGE', exit: 2, mentions: ['notes.txt'] } },
    { args: ['chart', 'push', 'broken'], failure: { code: 'EINVALID', exit: 1, mentions: ['broken', '\nChart.yaml: error: field "version"', '\ntemplates/: error: '] } },
    { args: ['chart', 'push', 'shop', '-o', 'xml'], failure: { code: 'EUSAGE', exit: 2, mentions: ['-o "xml"'] } },
    { args: ['chart', 'list', '-o', 'wide'], failure: { code: 'EUSAGE', exit: 2, mentions: ['-o "wide"'] } },
    { args: ['chart', 'info', 'Shop_App'], failure: { code: 'EUSAGE', exit: 2, mentions: ['"Shop_App"'] } },
    { args: ['chart', 'info', 'shop@one'], failure: { code: 'EUSAGE', exit: 2, mentions: ['"one"'] } },
    { args: ['chart', 'info', 'no-such-chart'], failure: { code: 'ENOT_FOUND', exit: 3, mentions: ['"no-such-chart"'] } },
    { args: ['chart', 'pull', 'shop@9.9.9'], failure: { code: 'ENOT_FOUND', exit: 3, mentions: ['shop@9.9.9', '1.1.0'] } },
    { args: ['chart', 'pull', 'shop', '-d', 'no-such-dir'], failure: { code: 'EUSAGE', exit: 2, mentions: ['--destination "no-such-dir"'] } },
    { args: ['chart', 'delete', 'shop'], failure: { code: 'EUSAGE', exit: 2, mentions: ['"shop"'] } },
    { args: ['chart', 'delete', 'shop@9.9.9'], failure: { code: 'ENOT_FOUND', exit: 3, mentions: ['shop@9.9.9', '1.1.0'] } },
  ];
  for (const row of rows) {
    test(`velahub ${row.args.join(' ')}: exit ${row.failure.exit}`, async () => {
      assertFailed(await cli(row.args), row.failure);
    });
  }

  test('no registry configured: exit 2 naming --registry', async () => {
    const r = await velahubInProcess(['chart', 'list'], { cwd: tmp.dir });
    assertFailed(r, { code: 'EUSAGE', exit: 2, mentions: ['--registry', 'VELAHUB_REGISTRY'] });
  });
});

/**
 * The registry commands against a running registry (createApp on a loopback
 * port): publish, search, info, deprecate, yank and token.
 *
 * The main flows spawn the real binary (`node bin/velahub.js`) with
 * VELAHUB_REGISTRY / VELAHUB_TOKEN and VELAHUB_CONFIG in a temp dir. Each spawn
 * costs seconds of CPU (the CLI loads every command's dependencies), so the
 * table of refusals runs the same CLI in process through run(), with
 * --registry/--token flags. Exit codes are asserted (cli/report.ts), not wording.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { run } from '../../cli/main.ts';
import { CueEvaluator } from '../../core/cue/evaluator.ts';
import type { ErrorCode } from '../../core/error-codes.ts';
import { tempDir, writeTree } from '../support/addons.ts';
import { captureOutput } from '../support/capture.ts';
import { assertFailed, describeRun, velahub, type CliResult } from '../support/cli.ts';
import { addonTree, traitCue } from '../support/packages.ts';
import { startTestServer, type TestServer } from '../support/registry-server.ts';

const cue = new CueEvaluator();
let srv: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let configPath: string;

/** Spawns velahub with the registry and admin token in the environment (override or blank them per call). */
function spawned(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return velahub(args, { cwd: tmp.dir, env: { VELAHUB_CONFIG: configPath, VELAHUB_REGISTRY: srv.url, VELAHUB_TOKEN: srv.adminToken, ...env } });
}

/** Runs the CLI in this process (cwd: the temp dir given as absolute paths in args). */
async function inProcess(args: string[]): Promise<CliResult> {
  const { value, stdout, stderr } = await captureOutput(() => run(args));
  return { code: value, stdout, stderr };
}

async function indexEntries(name: string): Promise<Array<{ version: string; deprecated?: boolean }>> {
  const doc = parse(await (await srv.fetch('/index.yaml')).text()) as { entries: Record<string, Array<{ version: string; deprecated?: boolean }>> };
  return doc.entries[name] ?? [];
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const gatewayCue = traitCue('cli-gateway', 'route: [...{domain: string, path: *"/" | string}]');

before(async () => {
  srv = await startTestServer({ cue });
  tmp = await tempDir('velahub-cli-registry-');
  configPath = join(tmp.dir, 'config', 'velahub.yaml');
  // In-process runs read the config path from the environment too; never a developer's real one.
  process.env.VELAHUB_CONFIG = configPath;
  delete process.env.VELAHUB_REGISTRY;
  delete process.env.VELAHUB_TOKEN;
  await writeTree(join(tmp.dir, 'cli-gateway'), addonTree('cli-gateway', '1.0.0', { files: { 'definitions/cli-gateway.cue': gatewayCue } }));
  await writeTree(join(tmp.dir, 'cli-changed'), addonTree('cli-gateway', '1.0.0', { readme: '# changed\n', files: { 'definitions/cli-gateway.cue': gatewayCue } }));
  await writeTree(join(tmp.dir, 'cli-plain'), addonTree('cli-plain', '1.0.0'));
});
after(async () => {
  await srv?.close();
  await cue.close();
  await tmp?.cleanup();
});

describe('velahub (spawned) against a running registry', () => {
  test('publish FOLDER: exit 0, published, then served', async () => {
    const r = await spawned(['publish', 'cli-gateway']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /cli-gateway@1\.0\.0/);
    assert.deepEqual((await indexEntries('cli-gateway')).map((e) => e.version), ['1.0.0']);
  });

  test('publish FOLDER again: exit 0, "already published", nothing changed', async () => {
    const before = await srv.snapshot();
    const r = await spawned(['publish', 'cli-gateway']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /already published/);
    assert.deepEqual(await srv.snapshot(), before);
  });

  describe('reading', { concurrency: 2 }, () => {
    test('search --parameter domain -o json: the trait taking route[].domain', async () => {
      const r = await spawned(['search', '--parameter', 'domain', '-o', 'json']);
      assert.equal(r.code, 0, describeRun(r));
      const page = JSON.parse(r.stdout) as { items: Array<{ addon: string; name: string; type: string; version: string }>; total: number };
      assert.deepEqual(page.items.map((d) => [d.addon, d.name, d.type, d.version]), [['cli-gateway', 'cli-gateway', 'trait', '1.0.0']]);
      assert.equal(page.total, 1);
    });

    test('info NAME -o yaml: the addon, its versions and the latest version details', async () => {
      const r = await spawned(['info', 'cli-gateway', '-o', 'yaml']);
      assert.equal(r.code, 0, describeRun(r));
      const info = parse(r.stdout) as { name: string; distTags: { latest: string }; versions: Array<{ version: string }>; latestVersion: { definitions: Array<{ name: string; type: string }> } };
      assert.equal(info.name, 'cli-gateway');
      assert.equal(info.distTags.latest, '1.0.0');
      assert.deepEqual(info.versions.map((v) => v.version), ['1.0.0']);
      assert.deepEqual(info.latestVersion.definitions.map((d) => [d.type, d.name]), [['trait', 'cli-gateway']]);
    });
  });

  test('deprecate NAME@VERSION MESSAGE: the index entry is deprecated', async () => {
    const r = await spawned(['deprecate', 'cli-gateway@1.0.0', 'use cli-gateway 2']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal((await indexEntries('cli-gateway'))[0]?.deprecated, true);
    assert.equal((await srv.json('/api/v1/addons/cli-gateway/versions/1.0.0')).body.deprecated, 'use cli-gateway 2');
  });

  test('yank NAME@VERSION: gone from index.yaml, still downloadable', async () => {
    const r = await spawned(['yank', 'cli-gateway@1.0.0', '--reason', 'testing']);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(await indexEntries('cli-gateway'), []);
    assert.equal((await srv.fetch('/charts/cli-gateway-1.0.0.tgz')).status, 200);
  });

  test('token create (secret once), token list (no secrets), token revoke; the revoked token is then refused', async () => {
    const created = await spawned(['token', 'create', '--scope', 'publish', '--pattern', 'cli-*', '--description', 'ci', '-o', 'json']);
    assert.equal(created.code, 0, describeRun(created));
    const token = JSON.parse(created.stdout) as { id: string; token: string; scope: string; pattern: string };
    assert.equal(token.scope, 'publish');
    assert.equal(token.pattern, 'cli-*');
    assert.match(token.token, /^vh_/);

    const listed = await spawned(['token', 'list', '-o', 'json']);
    assert.equal(listed.code, 0, describeRun(listed));
    const items = JSON.parse(listed.stdout) as Array<{ id: string; revokedAt: string | null }>;
    assert.ok(items.some((t) => t.id === token.id && t.revokedAt === null));
    assert.ok(!listed.stdout.includes(token.token), 'the list shows no secret');

    const revoked = await spawned(['token', 'revoke', token.id]);
    assert.equal(revoked.code, 0, describeRun(revoked));
    assert.ok((await srv.registry.store.listTokens()).find((t) => t.id === token.id)?.revokedAt);
    const refused = await inProcess(['publish', join(tmp.dir, 'cli-plain'), '--registry', srv.url, '--token', token.token]);
    assertFailed(refused, { code: 'EUNAUTHORIZED', exit: 4 });
  });

  describe('refused', { concurrency: 2 }, () => {
    test('an unreachable registry: exit 4, the message names the URL', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const r = await spawned(['search', 'x'], { VELAHUB_REGISTRY: url });
      assertFailed(r, { code: 'EUNREACHABLE', exit: 4, mentions: [url] });
    });

    test('a missing token (EUNAUTHORIZED): exit 4, nothing stored', async () => {
      const before = await srv.snapshot();
      const r = await spawned(['publish', 'cli-plain'], { VELAHUB_TOKEN: '' });
      assertFailed(r, { code: 'EUNAUTHORIZED', exit: 4 });
      assert.deepEqual(await srv.snapshot(), before);
    });
  });
});

describe('refusals and their exit codes (the CLI in process)', () => {
  const dir = (name: string) => join(tmp.dir, name);
  let tokens: { read: string; other: string };
  before(async () => {
    tokens = { read: (await srv.token({ scope: 'read' })).secret, other: (await srv.token({ scope: 'publish', pattern: 'other-*' })).secret };
  });

  type Row = { name: string; args: () => string[]; auth?: 'admin' | 'read' | 'other' | 'none'; registry?: () => Promise<string> | string; code: number; error: ErrorCode };
  const rows: Row[] = [
    { name: 'publish: other content under a published version (ECONFLICT)', args: () => ['publish', dir('cli-changed')], code: 4, error: 'ECONFLICT' },
    { name: 'publish: an unknown token (EUNAUTHORIZED)', args: () => ['publish', dir('cli-plain'), '--token', 'vh_unknown'], code: 4, error: 'EUNAUTHORIZED' },
    { name: 'publish: a read token (EFORBIDDEN)', args: () => ['publish', dir('cli-plain')], auth: 'read', code: 4, error: 'EFORBIDDEN' },
    { name: 'publish: a token for other names (EFORBIDDEN)', args: () => ['publish', dir('cli-plain')], auth: 'other', code: 4, error: 'EFORBIDDEN' },
    { name: 'publish: no registry configured (EUSAGE)', args: () => ['publish', dir('cli-plain')], registry: () => '', code: 2, error: 'EUSAGE' },
    { name: 'publish: a registry URL that is not http(s) (EUSAGE)', args: () => ['publish', dir('cli-plain')], registry: () => 'ftp://127.0.0.1/', code: 2, error: 'EUSAGE' },
    { name: 'publish: a folder that does not exist (ENOENT)', args: () => ['publish', dir('no-such-folder')], code: 3, error: 'ENOENT' },
    { name: 'publish: an unreachable registry (EUNREACHABLE)', args: () => ['publish', dir('cli-plain')], registry: async () => `http://127.0.0.1:${await closedPort()}`, code: 4, error: 'EUNREACHABLE' },
    { name: 'info: an unknown addon (ENOT_FOUND)', args: () => ['info', 'no-such-addon'], code: 3, error: 'ENOT_FOUND' },
    { name: 'info: an unknown version (ENOT_FOUND)', args: () => ['info', 'cli-gateway@9.9.9'], code: 3, error: 'ENOT_FOUND' },
    { name: 'info: a reference that is not NAME[@VERSION] (EUSAGE)', args: () => ['info', 'Bad_Name'], code: 2, error: 'EUSAGE' },
    { name: 'search: an unknown definition type (EBAD_REQUEST from the server)', args: () => ['search', '--type', 'widget'], code: 1, error: 'EBAD_REQUEST' },
    { name: 'deprecate: no message (EUSAGE)', args: () => ['deprecate', 'cli-gateway@1.0.0'], code: 2, error: 'EUSAGE' },
    { name: 'deprecate: no token (EUNAUTHORIZED)', args: () => ['deprecate', 'cli-gateway@1.0.0', 'x'], auth: 'none', code: 4, error: 'EUNAUTHORIZED' },
    { name: 'yank: no version (EUSAGE)', args: () => ['yank', 'cli-gateway'], code: 2, error: 'EUSAGE' },
    { name: 'yank: a missing version (ENOT_FOUND)', args: () => ['yank', 'cli-gateway@9.9.9'], code: 3, error: 'ENOT_FOUND' },
    { name: 'yank: a token for other names (EFORBIDDEN)', args: () => ['yank', 'cli-gateway@1.0.0', '--undo'], auth: 'other', code: 4, error: 'EFORBIDDEN' },
    { name: 'token create: an unknown scope (EUSAGE from the server)', args: () => ['token', 'create', '--scope', 'root'], code: 2, error: 'EUSAGE' },
    { name: 'token create: a publish token without a pattern (EUSAGE from the server)', args: () => ['token', 'create', '--scope', 'publish'], code: 2, error: 'EUSAGE' },
    { name: 'token list: a publish token (EFORBIDDEN)', args: () => ['token', 'list'], auth: 'other', code: 4, error: 'EFORBIDDEN' },
    { name: 'token revoke: an unknown id (ENOT_FOUND)', args: () => ['token', 'revoke', 'tok_nope'], code: 3, error: 'ENOT_FOUND' },
  ];
  for (const row of rows) {
    test(`${row.name}: exit ${row.code}, nothing stored or changed`, async () => {
      const registry = row.registry ? await row.registry() : srv.url;
      const token = row.auth === 'none' ? undefined : row.auth === 'read' ? tokens.read : row.auth === 'other' ? tokens.other : srv.adminToken;
      const args = row.args();
      const flags = [...(registry ? ['--registry', registry] : []), ...(token && !args.includes('--token') ? ['--token', token] : [])];
      const before = await srv.snapshot();
      const tokensBefore = await srv.registry.store.listTokens();
      const r = await inProcess([...args, ...flags]);
      assertFailed(r, { code: row.error, exit: row.code });
      assert.deepEqual(await srv.snapshot(), before);
      assert.deepEqual(await srv.registry.store.listTokens(), tokensBefore);
    });
  }

  test('deprecate --undo and yank --undo restore the version (exit 0)', async () => {
    const flags = ['--registry', srv.url, '--token', srv.adminToken];
    assert.equal((await inProcess(['deprecate', 'cli-gateway@1.0.0', '--undo', ...flags])).code, 0);
    assert.equal((await inProcess(['yank', 'cli-gateway@1.0.0', '--undo', ...flags])).code, 0);
    const entries = await indexEntries('cli-gateway');
    assert.deepEqual(entries.map((e) => e.version), ['1.0.0']);
    assert.equal(entries[0]?.deprecated, undefined);
  });

  test('the config file gives the registry and token when neither flag nor environment does', async () => {
    await mkdir(join(tmp.dir, 'config'), { recursive: true });
    await writeFile(configPath, `registry: ${srv.url}\ntoken: ${srv.adminToken}\n`, { mode: 0o600 });
    try {
      const r = await inProcess(['token', 'list', '-o', 'json']);
      assert.equal(r.code, 0, describeRun(r));
      assert.ok(Array.isArray(JSON.parse(r.stdout)));
      assert.doesNotMatch(r.stderr, /readable by others/);
    } finally {
      await writeFile(configPath, '');
    }
  });
});

describe('velahub login / logout (in process)', () => {
  test('login checks the token with the registry and saves registry and token in a 0600 config file', async () => {
    const loginConfig = join(tmp.dir, 'login', 'config.yaml');
    process.env.VELAHUB_CONFIG = loginConfig;
    try {
      const r = await inProcess(['login', '--registry', srv.url, '--token', srv.adminToken]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, /as tok_\w+ \(admin\)/);
      const saved = parse(await readFile(loginConfig, 'utf8')) as { registry: string; token: string };
      assert.deepEqual(saved, { registry: srv.url.replace(/\/+$/, ''), token: srv.adminToken });
      assert.equal((await stat(loginConfig)).mode & 0o777, 0o600);
      // The saved defaults are used without flags or environment.
      const search = await inProcess(['search', '--parameter', 'domain', '-o', 'json']);
      assert.equal(search.code, 0, describeRun(search));
      const out = await inProcess(['logout']);
      assert.equal(out.code, 0, describeRun(out));
      assert.equal((parse(await readFile(loginConfig, 'utf8')) as { token?: string }).token, undefined);
    } finally {
      process.env.VELAHUB_CONFIG = configPath;
    }
  });

  test('a token the registry does not know exits 4 and saves nothing', async () => {
    const loginConfig = join(tmp.dir, 'login-bad', 'config.yaml');
    process.env.VELAHUB_CONFIG = loginConfig;
    try {
      const r = await inProcess(['login', '--registry', srv.url, '--token', 'vh_not-a-real-token']);
      assertFailed(r, { code: 'EUNAUTHORIZED', exit: 4 });
      await assert.rejects(stat(loginConfig), /ENOENT/);
    } finally {
      process.env.VELAHUB_CONFIG = configPath;
    }
  });
});

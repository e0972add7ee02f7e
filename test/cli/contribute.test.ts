/**
 * The contribute-upstream commands as a user runs them (`node bin/velahub.js ...`):
 * `export` against a real registry server into a temporary catalog-shaped folder, and
 * `adopt` against a real control plane.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { parse } from 'yaml';
import { prepareCatalogExport } from '../../core/package/catalog-export.ts';
import { packFiles } from '../../core/package/archive.ts';
import { definitionToCR } from '../../core/package/definition-cr.ts';
import type { AddonManifest, DefinitionInfo } from '../../core/package/inspect.ts';
import { Kube, type KubeObject } from '../../installer/kube.ts';
import { RegistryClient } from '../../registry/client.ts';
import { startServer, type RunningServer } from '../../registry/server.ts';
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { addonTree, packageFiles, writeTree, type FileTree } from '../support/addons.ts';
import { assertFailed } from '../support/cli.ts';

const bin = fileURLToPath(new URL('../../bin/velahub.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A CLI run that loads CUE takes a while on a busy machine; none may take forever. */
const runTimeoutMs = 240_000;
const suite = { timeout: 900_000 };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const describeRun = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

let work: string;

/** Runs `velahub ...args` with a config of its own (and `env`), killed after {@link runTimeoutMs}. */
function velahub(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env };
    for (const k of ['VELAHUB_TOKEN', 'VELAHUB_REGISTRY', 'KUBECONFIG']) delete base[k];
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env: { ...base, NO_COLOR: '1', FORCE_COLOR: '0', VELAHUB_CONFIG: join(work, 'config.yaml'), VELAHUB_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: signal ? `${stderr}\n[killed by ${signal} after ${runTimeoutMs / 1000}s]` : stderr });
    });
  });
}

/** Every file under `dir` with its bytes, keyed by relative path. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile()) out[relative(dir, full)] = (await readFile(full)).toString('base64');
    else if (e.isDirectory()) out[`${relative(dir, full)}/`] = '';
  }
  return out;
}

async function catalog(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, 'addons'), { recursive: true });
  await mkdir(join(dir, 'experimental', 'addons'), { recursive: true });
  return dir;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'velahub-contribute-'));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const description = 'Traits of the platform team';
const readme = '# team-traits\n\nTraits of the platform team.\n';

/** team-traits at `version`: a trait and a component; 1.0.0 also has an example 1.1.0 dropped. */
function teamTraits(version: string): FileTree {
  return addonTree('team-traits', {
    'metadata.yaml': `name: team-traits\nversion: ${version}\ndescription: ${description}\ntags:\n  - Team\n`,
    'README.md': readme,
    ...(version === '1.0.0' ? { 'examples/old.yaml': 'apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: old\n' } : {}),
  });
}

describe('velahub export', suite, () => {
  let server: RunningServer;
  let dataDir: string;
  let env: Record<string, string>;
  const adminToken = `vh_admin_${randomBytes(16).toString('hex')}`;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'velahub-contribute-registry-'));
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminToken, logger: pino({ level: 'silent' }), say: () => {} });
    const url = server.url.replace('localhost', '127.0.0.1');
    const client = new RegistryClient(url, adminToken);
    for (const version of ['1.0.0', '1.1.0']) {
      const r = await client.publish(packFiles('team-traits', packageFiles(teamTraits(version)), { name: 'team-traits', version }).data);
      assert.equal(r.status, 'created');
    }
    env = { VELAHUB_REGISTRY: url };
  }, { timeout: 300_000 });
  after(async () => {
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('a new addon goes to experimental/addons/NAME: metadata, README with parameter tables, definitions, no Chart.yaml; prints the pull request', async () => {
    const dir = await catalog('new');
    const r = await velahub(['export', 'team-traits', '--catalog', dir], env);
    assert.equal(r.code, 0, describeRun(r));

    const files = await snapshot(dir);
    assert.deepEqual(Object.keys(files).filter((p) => !p.endsWith('/')).sort(), [
      'experimental/addons/team-traits/README.md',
      'experimental/addons/team-traits/definitions/labels.cue',
      'experimental/addons/team-traits/definitions/web.cue',
      'experimental/addons/team-traits/metadata.yaml',
    ], 'the latest (1.1.0) has no example; no Chart.yaml, nothing in addons/, no temp folder left');
    const folder = join(dir, 'experimental/addons/team-traits');
    assert.deepEqual(parse(await readFile(join(folder, 'metadata.yaml'), 'utf8')), { name: 'team-traits', version: '1.1.0', description, tags: ['Team'] });
    const writtenReadme = await readFile(join(folder, 'README.md'), 'utf8');
    assert.ok(writtenReadme.startsWith(readme), 'the author\'s README text comes first');
    assert.match(writtenReadme, /^\| NAME \| DESCRIPTION \| TYPE \| REQUIRED \| DEFAULT \|/m);
    assert.match(writtenReadme, /^\| image \| Container image \|/m);
    assert.equal(await readFile(join(folder, 'definitions/labels.cue'), 'utf8'), teamTraits('1.1.0')['definitions/labels.cue']);

    // The pull request as printed: the git commands, the title, and the body prepareCatalogExport writes.
    const pr = { title: '[Addon] Add team-traits 1.1.0', branch: 'add-team-traits-1.1.0' };
    const defs = [{ name: 'labels', type: 'trait' }, { name: 'web', type: 'component' }] as DefinitionInfo[];
    // (A README with tables, so that only the pull request is computed here.)
    const manifest = { metadata: { name: 'team-traits', version: '1.1.0', description, tags: ['Team'] }, readme: '| NAME | DESCRIPTION |', definitions: defs, warnings: [] } as AddonManifest;
    const expected = prepareCatalogExport({ files: new Map(), manifest }).pullRequest;
    assert.deepEqual({ title: expected.title, branch: expected.branch }, pr);
    assert.equal(
      r.stdout,
      `Wrote ${join(dir, 'experimental/addons/team-traits')}/ (add)\n\n` +
        `Pull request:\n  git -C ${dir} checkout -b ${pr.branch}\n  git -C ${dir} add experimental/addons/team-traits\n  git -C ${dir} commit -s -m "${pr.title}"\n\n` +
        `Title: ${pr.title}\n\n${expected.body}\n`,
    );
  });

  test('the bundled bizworks-rollout exports to the catalog layout, and what is written lints clean with --strict', async () => {
    const published = await velahub(['publish', join(repoRoot, 'addons/bizworks-rollout')], { ...env, VELAHUB_TOKEN: adminToken });
    assert.equal(published.code, 0, describeRun(published));
    const dir = await catalog('rollout');
    const r = await velahub(['export', 'bizworks-rollout', '--catalog', dir], env);
    assert.equal(r.code, 0, describeRun(r));
    const folder = join(dir, 'experimental/addons/bizworks-rollout');
    assert.deepEqual((await readdir(folder, { recursive: true })).sort(), [
      'README.md',
      'definitions',
      'definitions/bizworks-rollout.cue',
      'examples',
      'examples/shop-batches.yaml',
      'examples/shop-canary.yaml',
      'metadata.yaml',
    ]);
    assert.deepEqual(parse(await readFile(join(folder, 'metadata.yaml'), 'utf8')).dependencies, [{ name: 'kruise-rollout' }]);
    const lint = await velahub(['lint', '--strict', folder], env);
    assert.equal(lint.code, 0, describeRun(lint));
  });

  describe('an addon the catalog has in addons/ at 1.0.0', () => {
    let dir: string;
    before(async () => {
      dir = await catalog('existing');
      const { 'Chart.yaml': _chart, ...tree } = teamTraits('1.0.0');
      await writeTree(join(dir, 'addons/team-traits'), tree);
      await writeFile(join(dir, 'addons/README.md'), 'catalog index\n');
    });

    test('exporting 1.0.0 again is refused (exit 1) and nothing changes, byte for byte', async () => {
      const before = await snapshot(dir);
      const r = await velahub(['export', 'team-traits@1.0.0', '--catalog', dir], env);
      assertFailed(r, { code: 'EVERSION_NOT_BUMPED', exit: 1, mentions: ['addons/team-traits', '1.0.0'] });
      assert.equal(r.stdout, '');
      assert.deepEqual(await snapshot(dir), before);
    });

    test('exporting 1.1.0 updates it in place (change update, from 1.0.0) and removes the files 1.1.0 no longer has', async () => {
      const r = await velahub(['export', 'team-traits@1.1.0', '--catalog', dir, '-o', 'json'], env);
      assert.equal(r.code, 0, describeRun(r));
      const out = JSON.parse(r.stdout) as { folder: string; change: string; previousVersion?: string; files: string[]; pullRequest: { title: string; branch: string; body: string } };
      assert.deepEqual(
        { folder: out.folder, change: out.change, previousVersion: out.previousVersion, files: [...out.files].sort() },
        { folder: 'addons/team-traits', change: 'update', previousVersion: '1.0.0', files: ['README.md', 'definitions/labels.cue', 'definitions/web.cue', 'metadata.yaml'] },
      );
      assert.deepEqual({ title: out.pullRequest.title, branch: out.pullRequest.branch }, { title: '[Addon] Update team-traits to 1.1.0', branch: 'update-team-traits-1.1.0' });
      assert.ok(out.pullRequest.body.split('\n').includes('Updates team-traits from 1.0.0 to 1.1.0.'), out.pullRequest.body);

      const files = Object.keys(await snapshot(dir)).filter((p) => !p.endsWith('/')).sort();
      assert.deepEqual(files, ['addons/README.md', 'addons/team-traits/README.md', 'addons/team-traits/definitions/labels.cue', 'addons/team-traits/definitions/web.cue', 'addons/team-traits/metadata.yaml'], 'examples/old.yaml is gone; nothing went to experimental/');
      assert.equal((parse(await readFile(join(dir, 'addons/team-traits/metadata.yaml'), 'utf8')) as { version: string }).version, '1.1.0');
    });
  });

  test('refusals before anything is fetched: not a catalog (exit 2), --experimental with --stable (exit 2), an unknown version (exit 3)', async () => {
    const notCatalog = join(work, 'not-a-catalog');
    await mkdir(notCatalog, { recursive: true });
    const a = await velahub(['export', 'team-traits', '--catalog', notCatalog], env);
    assertFailed(a, { code: 'EUSAGE', exit: 2, mentions: [notCatalog] });
    assert.deepEqual(await readdir(notCatalog), []);

    const dir = await catalog('refusals');
    const b = await velahub(['export', 'team-traits', '--catalog', dir, '--experimental', '--stable'], env);
    assertFailed(b, { code: 'EUSAGE', exit: 2, mentions: ['--experimental', '--stable'] });

    const c = await velahub(['export', 'team-traits@9.9.9', '--catalog', dir], env);
    assertFailed(c, { code: 'ENOT_FOUND', exit: 3, mentions: ['team-traits@9.9.9', '1.0.0'] });
    assert.deepEqual(Object.keys(await snapshot(dir)).sort(), ['addons/', 'experimental/', 'experimental/addons/']);
  });
});

describe('velahub adopt', suite, () => {
  let kubeconfig: string;
  let context: string;
  let ns: string;

  before(async () => {
    const [kc] = await testClusters(1);
    context = kc!.getCurrentContext();
    kubeconfig = join(work, 'kubeconfig');
    await writeFile(kubeconfig, kc!.exportConfig(), { mode: 0o600 });
    ns = uniqueNamespace('adopt-cli');
    await ensureNamespace(kc!, ns);
    const kube = new Kube(kc!);
    const template = 'patch: metadata: labels: parameter.labels\nparameter: {\n\t// +usage=Labels to add\n\tlabels: [string]: string\n}\n';
    for (const name of ['team-labels', 'other-labels']) {
      const cr = definitionToCR({ name, type: 'trait', description: `The ${name} trait`, annotations: {}, labels: {}, attributes: { podDisruptive: false } }, template, ns);
      await kube.apply(cr as unknown as KubeObject);
    }
    const hpa = definitionToCR(
      { name: 'team-hpa', type: 'trait', description: 'Autoscaling', annotations: {}, labels: {}, attributes: { podDisruptive: false } },
      'outputs: hpa: {\n\tapiVersion: "autoscaling/v2"\n\tkind: "HorizontalPodAutoscaler"\n\tspec: maxReplicas: parameter.max\n}\nparameter: {\n\t// +usage=Most replicas\n\tmax: *10 | int\n}\n',
      ns,
    );
    await kube.apply(hpa as unknown as KubeObject);
  }, { timeout: 300_000 });

  const kubeFlags = () => ['--kubeconfig', kubeconfig, '--context', context, '-n', ns];

  test('--select writes an addon folder DESTINATION/NAME that lints clean (exit 0)', async () => {
    const out = join(work, 'team-traits');
    // With a trailing slash, as shell completion writes it: the folder is still written whole.
    const r = await velahub(['adopt', ...kubeFlags(), '--select', 'team-hpa,team-labels', '-d', `${work}/`, '--name', 'team-traits', '--description', 'Team traits']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stderr, new RegExp(`^${context}: adopting TraitDefinition team-hpa, TraitDefinition team-labels$`, 'm'));
    assert.match(r.stdout, new RegExp(`It lints clean\\. Next: velahub publish ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.deepEqual((await readdir(out, { recursive: true })).sort(), ['README.md', 'definitions', 'definitions/team-hpa.cue', 'definitions/team-labels.cue', 'metadata.yaml']);
    assert.deepEqual((await readdir(work)).filter((n) => n.includes('velahub-tmp')), [], 'no temp folder left');
    assert.deepEqual(parse(await readFile(join(out, 'metadata.yaml'), 'utf8')), { name: 'team-traits', version: '1.0.0', description: 'Team traits', tags: ['trait'], system: { kubernetes: '>=1.23' } });
    assert.match(await readFile(join(out, 'README.md'), 'utf8'), /^\| max \| Most replicas \| `int` \| false \| 10 \|/m);

    const lint = await velahub(['lint', '--strict', out]);
    assert.equal(lint.code, 0, describeRun(lint));
  });

  test('refusals: an existing output folder (exit 1), a missing --name with no terminal (exit 2), an unknown --select (exit 3)', async () => {
    const existing = join(work, 'exists');
    await mkdir(existing);
    const a = await velahub(['adopt', ...kubeFlags(), '-d', work, '--name', 'exists', '--description', 'x']);
    assertFailed(a, { code: 'EEXIST', exit: 1, mentions: [existing] });
    assert.deepEqual(await readdir(existing), []);

    const b = await velahub(['adopt', ...kubeFlags(), '-d', work, '--description', 'x']);
    assertFailed(b, { code: 'EUSAGE', exit: 2, mentions: ['--name'] });

    const c = await velahub(['adopt', ...kubeFlags(), '--select', 'team-labels,nope', '-d', work, '--name', 'no-select', '--description', 'x']);
    assertFailed(c, { code: 'ENOT_FOUND', exit: 3, mentions: ['nope'] });

    const d = await velahub(['adopt', ...kubeFlags(), '-d', join(work, 'no-such-parent'), '--name', 'x', '--description', 'x']);
    assertFailed(d, { code: 'EUSAGE', exit: 2, mentions: ['--destination'] });

    const e = await velahub(['adopt', ...kubeFlags(), '-d', work, '-o', join(work, 'both'), '--name', 'x', '--description', 'x']);
    assertFailed(e, { code: 'EUSAGE', exit: 2, mentions: ['-o', '-d'] });
    assert.deepEqual((await readdir(work)).filter((n) => ['no-name', 'no-select', 'no-such-parent', 'both', 'x'].includes(n)), [], 'nothing written');
  });

  test('the old -o DIR still writes exactly DIR for one release, with a deprecation warning naming -d', async () => {
    const out = join(work, 'legacy-folder');
    const r = await velahub(['adopt', ...kubeFlags(), '--select', 'team-labels', '-o', out, '--name', 'legacy', '--description', 'x']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stderr, /^warning: adopt -o DIR is deprecated .*-d PARENT/m);
    assert.ok((await readdir(out)).includes('metadata.yaml'), describeRun(r));
  });
});

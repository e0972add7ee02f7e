/**
 * `velahub --version` and `--help` start in milliseconds only while they load no heavy module:
 * each command's definition imports commander and small modules, its action the rest. This
 * runs them in a child process that records every module it resolves, and fails naming the
 * heavy ones it finds (the fix: move that import into the action, with import()).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/addons.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tracer = fileURLToPath(new URL('../support/trace-imports.mjs', import.meta.url));

/** Packages and modules a start-up must not load: clients, servers, databases, the CUE engine, parsers. */
const heavy = [
  /node_modules\/@kubernetes\//,
  /node_modules\/@aws-sdk\//,
  /node_modules\/@electric-sql\//,
  /node_modules\/(express|pg|tar|yaml|js-yaml|ajv|semver|marked|sanitize-html|pino|prom-client)\//,
  /\/core\/cue\//,
  /\/registry\/(server|app|store)/,
  /\/installer\/(kube|enable|apply)\.ts/,
];

describe('velahub start-up', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  for (const argv of [['--version'], ['--help'], ['show', '--help'], ['enable', '--help']]) {
    test(`velahub ${argv.join(' ')} loads no heavy module`, () => {
      const trace = join(tmp.dir, `${argv.join('_')}.txt`);
      const r = spawnSync(process.execPath, ['--import', tracer, '--import', 'tsx', 'cli/main.ts', ...argv], {
        cwd: root,
        env: { ...process.env, VELAHUB_TRACE_IMPORTS: trace, VELAHUB_CLI_MAIN: '1' },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      const loaded = [...new Set(readFileSync(trace, 'utf8').split('\n').filter(Boolean))];
      assert.ok(loaded.some((u) => u.endsWith('/cli/main.ts')), 'the trace recorded the CLI');
      assert.deepEqual(loaded.filter((u) => heavy.some((h) => h.test(u))), []);
    });
  }
  test('velahub show of a CUE definition loads no HCL parser (a WebAssembly module only Terraform definitions need)', () => {
    const trace = join(tmp.dir, 'show.txt');
    const r = spawnSync(process.execPath, ['--import', tracer, '--import', 'tsx', 'cli/main.ts', 'show', 'addons/hpa-trait', 'hpa-trait'], {
      cwd: root,
      env: { ...process.env, VELAHUB_TRACE_IMPORTS: trace, VELAHUB_CLI_MAIN: '1' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const loaded = readFileSync(trace, 'utf8').split('\n');
    assert.ok(loaded.some((u) => u.endsWith('/core/package/inspect.ts')), 'the trace recorded the inspection');
    assert.deepEqual(loaded.filter((u) => /@cdktf\/hcl2json|\/core\/terraform\//.test(u)), []);
  });
});

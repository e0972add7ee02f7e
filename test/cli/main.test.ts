import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { run } from '../../cli/main.ts';
import { tempDir } from '../support/addons.ts';
import { captureOutput } from '../support/capture.ts';
import { assertFailed, describeRun, velahub } from '../support/cli.ts';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('velahub (bin/velahub.js)', () => {
  test('an unknown flag exits 2 naming it', async () => {
    const r = await velahub(['lint', '--bogus-flag', 'x']);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /--bogus-flag/);
    assert.equal(r.stdout, '');
  });

  test('an unknown command exits 2 with a suggestion', async () => {
    const r = await velahub(['lnit']);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /lnit/);
    assert.match(r.stderr, /lint|init/);
  });

  test('--help of a subcommand exits 0', async () => {
    const r = await velahub(['lint', '--help']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /--strict/);
  });

  test('serve --auth-header refuses a header that cannot carry a token, before starting, exit 2', async () => {
    for (const bad of ['Authorization', 'X Token', 'Content-Type']) {
      const r = await velahub(['serve', '--auth-header', bad, '--port', '0', '--no-seed']);
      assertFailed(r, { code: 'EUSAGE', exit: 2, mentions: [`--auth-header ${JSON.stringify(bad)}`] });
    }
  });

  test('--version prints the package version and exits 0', async () => {
    const r = await velahub(['--version']);
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(r.stdout.trim(), version);
  });
});

describe('run() in process', () => {
  test('an unknown flag of a subcommand resolves to 2 instead of exiting the process', async () => {
    const { value, stderr } = await captureOutput(() => run(['show', '--bogus-flag', 'x']));
    assert.equal(value, 2);
    assert.match(stderr, /--bogus-flag/);
  });

  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  test('resolves to the exit code: usage errors are 2, and the error is printed once', async () => {
    const { value, stdout, stderr } = await captureOutput(() => run(['init', 'Bad_Name', '-d', tmp.dir]));
    assert.equal(value, 2);
    assert.equal(stdout, '');
    assertFailed({ code: value, stdout, stderr }, { code: 'EUSAGE', exit: 2, mentions: ['"Bad_Name"'] });
    assert.equal(stderr.match(/^Error \[/gm)?.length, 1, stderr);
    assert.ok(stderr.startsWith('Error ['), stderr);
  });

  test('a failing run does not leak its exit code into the next run or the process', async () => {
    const outer = process.exitCode; // node:test sets it when an earlier test failed
    const failed = await captureOutput(() => run(['lint', `${tmp.dir}/does-not-exist`]));
    assert.equal(failed.value, 1, failed.stderr);
    assert.match(failed.stderr, /does-not-exist/);
    assert.equal(process.exitCode, outer);
    const ok = await captureOutput(() => run(['init', 'fresh', '--trait', '-d', tmp.dir]));
    assert.equal(ok.value, 0, ok.stderr);
    assert.match(ok.stdout, /Created .*fresh/);
  });
});

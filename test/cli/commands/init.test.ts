import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../../cli/main.ts';
import type { ErrorCode } from '../../../core/error-codes.ts';
import { tempDir } from '../../support/addons.ts';
import { captureOutput } from '../../support/capture.ts';
import { assertFailed, describeRun, velahubInProcess as velahub } from '../../support/cli.ts';

describe('velahub init', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  test('init NAME --trait and init NAME (component) give addons that lint clean', async () => {
    const trait = await velahub(['init', 'my-trait', '--trait'], { cwd: tmp.dir });
    assert.equal(trait.code, 0, describeRun(trait));
    assert.match(trait.stdout, /Next: velahub lint/);
    const component = await velahub(['init', 'my-comp', '-d', tmp.dir]);
    assert.equal(component.code, 0, describeRun(component));

    const files = async (dir: string) => (await readdir(join(tmp.dir, dir), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(join(tmp.dir, dir).length + 1)).sort();
    assert.deepEqual(await files('my-trait'), ['README.md', 'definitions/my-trait.cue', 'examples/example.yaml', 'metadata.yaml']);
    assert.match(await readFile(join(tmp.dir, 'my-trait/definitions/my-trait.cue'), 'utf8'), /type: "trait"/);
    assert.match(await readFile(join(tmp.dir, 'my-comp/definitions/my-comp.cue'), 'utf8'), /type: "component"/);

    const lint = await velahub(['lint', '--strict', 'my-trait', 'my-comp'], { cwd: tmp.dir });
    assert.equal(lint.code, 0, describeRun(lint));
    assert.equal(lint.stderr, '');
    assert.equal(lint.stdout, 'my-trait: 0 error(s), 0 warning(s)\nmy-comp: 0 error(s), 0 warning(s)\n');
  });

  // `error` is the VelahubError code; a row without one is refused by the flag parser (commander).
  const refusals: Array<{ name: string; args: string[]; code: number; error?: ErrorCode; mentions: string[] }> = [
    { name: 'an invalid addon name', args: ['init', 'My_Addon'], code: 2, error: 'EUSAGE', mentions: ['"My_Addon"'] },
    { name: '--component with --trait', args: ['init', 'both', '--component', '--trait'], code: 2, error: 'EUSAGE', mentions: ['--trait'] },
    { name: 'a folder that exists', args: ['init', 'taken'], code: 1, error: 'EEXIST', mentions: ['taken'] },
    { name: 'no name', args: ['init'], code: 2, mentions: ['name'] },
  ];
  for (const row of refusals) {
    test(`refuses ${row.name} (exit ${row.code})`, async () => {
      await captureOutput(() => run(['init', 'taken', '-d', tmp.dir]));
      const { value, stdout, stderr } = await captureOutput(() => run([...row.args, '-d', tmp.dir]));
      assert.equal(stdout, '');
      if (row.error) assertFailed({ code: value, stdout, stderr }, { code: row.error, exit: row.code, mentions: row.mentions });
      else {
        assert.equal(value, row.code, stderr);
        for (const m of row.mentions) assert.ok(stderr.includes(m), `${JSON.stringify(stderr)} does not mention ${m}`);
      }
    });
  }
});

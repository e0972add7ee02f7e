/**
 * The flag conventions every command follows: `-o, --output <format>` is the output format
 * (`text` a silent alias of `table`), `-d, --destination <dir>` the folder a file is written to;
 * the flags they replaced (`package -o FILE`, `package --format`, `convert -o FILE`, `init --dir`)
 * keep working one release with a warning naming the new flag.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addonTree, tempDir, writeTree } from '../../support/addons.ts';
import { describeRun, velahubInProcess as velahub, type CliResult } from '../../support/cli.ts';
import { labelsTrait } from '../../support/definitions.ts';

/** Asserts a usage error: exit 2, one error line led by EUSAGE and naming `flag`. */
function assertUsage(r: CliResult, flag: string): void {
  assert.equal(r.code, 2, describeRun(r));
  assert.match(r.stderr, /^Error \[EUSAGE\]: /, describeRun(r));
  assert.ok(r.stderr.includes(flag), `the error names ${flag}\n${describeRun(r)}`);
}

describe('flag conventions', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const cli = (...args: string[]) => velahub(args, { cwd: tmp.dir });
  before(async () => {
    tmp = await tempDir();
    await writeTree(join(tmp.dir, 'demo'), addonTree('demo'));
    await writeFile(join(tmp.dir, 'team-labels.cue'), labelsTrait('team-labels'));
    await writeFile(join(tmp.dir, 'a-file'), 'not a folder\n');
    await mkdir(join(tmp.dir, 'out'));
  });
  after(() => tmp.cleanup());

  describe('-o, --output <format>', () => {
    test('help texts name table as the human format and its default, never text', async () => {
      for (const command of [['lint'], ['package'], ['show'], ['search'], ['info'], ['list'], ['status'], ['enable'], ['plan'], ['upgrade'], ['export'], ['publish'], ['token', 'create'], ['chart', 'push'], ['registry', 'list']]) {
        const r = await cli(...command, '--help');
        assert.equal(r.code, 0, describeRun(r));
        assert.match(r.stdout, /-o, --output <format> +output format: table, json/, command.join(' '));
        assert.match(r.stdout, /\(default:\s+"table"\)/, command.join(' '));
        assert.doesNotMatch(r.stdout, /\btext\b.*json/, command.join(' '));
      }
    });

    test('-o text is a silent alias of -o table, where the default was text and where it was table', async () => {
      for (const command of [['lint', 'team-labels.cue'], ['show', 'team-labels.cue']]) {
        const [byDefault, table, text] = [await cli(...command), await cli(...command, '-o', 'table'), await cli(...command, '--output', 'text')];
        assert.equal(byDefault.code, 0, describeRun(byDefault));
        assert.deepEqual(table, byDefault, command.join(' '));
        assert.deepEqual(text, byDefault, command.join(' '));
      }
    });

    test('an unknown format exits 2 naming -o and the formats the command has', async () => {
      for (const [args, formats] of [
        [['lint', 'demo', '-o', 'xml'], 'table, json, yaml'],
        [['show', 'demo', '-o', 'html'], 'table, json, yaml, markdown'],
        [['render', 'demo', 'web', '-o', 'table'], 'yaml, json'],
        [['package', 'demo', '-o', 'markdown'], 'table, json, yaml'],
        [['registry', 'list', '-o', 'wide'], 'table, json, yaml'],
        // Refused while the flags are parsed (outputOption), before a cluster or registry is asked.
        [['plan', 'demo', '-o', 'xml'], 'table, json, yaml'],
        [['enable', 'demo', '-o', 'xml'], 'table, json, yaml'],
        [['upgrade', 'demo', '-o', 'xml'], 'table, json, yaml'],
        [['export', 'demo', '--catalog', 'out', '-o', 'xml'], 'table, json, yaml'],
      ] as const) {
        const r = await cli(...args);
        assertUsage(r, '-o');
        assert.ok(r.stderr.includes(`use one of ${formats}`), describeRun(r));
      }
    });
  });

  describe('package -d, --destination <dir>', () => {
    test('writes NAME-VERSION.tgz into the folder, and -o sets the summary format', async () => {
      const r = await cli('package', 'demo', '-d', 'out', '-o', 'json');
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stderr, '');
      const summary = JSON.parse(r.stdout) as { file: string; size: number };
      assert.equal(summary.file, join('out', 'demo-1.0.0.tgz'));
      assert.equal((await stat(join(tmp.dir, 'out', 'demo-1.0.0.tgz'))).size, summary.size);
    });

    test('a destination that is missing or not a folder exits 2 naming --destination, before packing', async () => {
      for (const dest of ['no-such-dir', 'a-file']) assertUsage(await cli('package', 'demo', '-d', dest), '--destination');
    });

    test('the deprecated -o FILE still writes FILE, with a warning naming -d', async () => {
      const r = await cli('package', 'demo', '-o', 'old-style.tgz');
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /^warning: package -o FILE \(old-style\.tgz\) is deprecated and will be removed in the next release: pass -d DIR; the archive is named NAME-VERSION\.tgz\n$/);
      assert.match(r.stdout, /^file: +old-style\.tgz$/m);
      await stat(join(tmp.dir, 'old-style.tgz'));
    });

    test('the deprecated --format still sets the format, with a warning naming -o', async () => {
      const r = await cli('package', 'demo', '--format', 'yaml');
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /^warning: package --format is deprecated .*: pass -o FORMAT\n$/);
      assert.match(r.stdout, /^file: demo-1\.0\.0\.tgz$/m);
    });

    test('old and new flags for one thing together exit 2', async () => {
      assertUsage(await cli('package', 'demo', '-o', 'x.tgz', '-d', '.'), '-d');
      assertUsage(await cli('package', 'demo', '-o', 'json', '--format', 'yaml'), '--format');
      assertUsage(await cli('package', 'demo', '--format', 'xml'), '--format "xml" is not supported here: use one of table, json, yaml');
    });
  });

  describe('convert -d, --destination <dir>', () => {
    test('writes FILE with the other extension into the folder; stdout stays empty', async () => {
      const r = await cli('convert', 'team-labels.cue', '-d', 'out');
      assert.equal(r.code, 0, describeRun(r));
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `Wrote ${join('out', 'team-labels.yaml')}\n`);
      assert.match(await readFile(join(tmp.dir, 'out', 'team-labels.yaml'), 'utf8'), /^kind: TraitDefinition$/m);
    });

    test('the deprecated -o FILE still writes FILE, with a warning naming -d', async () => {
      const r = await cli('convert', 'team-labels.cue', '-o', 'cr.yaml');
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /^warning: convert -o FILE \(cr\.yaml\) is deprecated and will be removed in the next release: pass -d DIR .*\nWrote cr\.yaml\n$/);
      assert.match(await readFile(join(tmp.dir, 'cr.yaml'), 'utf8'), /^kind: TraitDefinition$/m);
    });

    test('a destination that is not a folder, or -o with -d, exits 2', async () => {
      for (const dest of ['no-such-dir', 'a-file']) assertUsage(await cli('convert', 'team-labels.cue', '-d', dest), '--destination');
      assertUsage(await cli('convert', 'team-labels.cue', '-o', 'cr.yaml', '-d', 'out'), '-d');
    });
  });

  test('help shows -d, --destination and hides the deprecated flags', async () => {
    for (const [command, hidden] of [['package', '--format'], ['convert', '--output'], ['init', '--dir']] as const) {
      const r = await cli(command, '--help');
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, /-d, --destination <dir>/, command);
      assert.ok(!r.stdout.includes(hidden), `${command} --help hides ${hidden}`);
    }
  });

  test('init --dir, the old name of -d, still works with a warning', async () => {
    const r = await cli('init', 'old-dir', '--dir', 'out');
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stderr, /^warning: init --dir is deprecated .*: pass -d DIR \(--destination\)\n$/);
    await stat(join(tmp.dir, 'out', 'old-dir', 'metadata.yaml'));
  });
});

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { printNote, printOut, printWarning, reportError } from '../../cli/report.ts';
import { errorCodes, exitCodes } from '../../core/error-codes.ts';
import { remoteError, VelahubError } from '../../core/errors.ts';
import { captureOutput } from '../support/capture.ts';

const report = (err: unknown) => captureOutput(async () => reportError(err));

test("reportError prints the code, the message and the throw's own hint, and exits with the catalogue's status", async () => {
  const { value, stdout, stderr } = await report(new VelahubError('ENOT_FOUND', 'addon "x" not found', { hint: 'try y' }));
  assert.equal(value, exitCodes.notFound);
  assert.equal(stdout, '');
  assert.equal(stderr, 'Error [ENOT_FOUND]: addon "x" not found\nHint: try y\n');
});

test("reportError shows the code's default hint when the throw has none", async () => {
  const { value, stderr } = await report(new VelahubError('EUSAGE', '--x is invalid'));
  assert.equal(value, exitCodes.usage);
  assert.equal(stderr, `Error [EUSAGE]: --x is invalid\nHint: ${errorCodes.EUSAGE.hint}\n`);
});

test('reportError exits 1 without a hint for a code a newer registry sent that this version does not know', async () => {
  const { value, stderr } = await report(remoteError('ESOMETHING_NEW', 'refused'));
  assert.equal(value, exitCodes.invalid);
  assert.equal(stderr, 'Error [ESOMETHING_NEW]: refused\n');
});

test('reportError shows anything else as a bug, with its stack, exit 70', async () => {
  const { value, stderr } = await report(new TypeError('boom'));
  assert.equal(value, exitCodes.internal);
  assert.match(stderr, /^Internal error .*\nTypeError: boom\n/);
});

test('printOut writes the result to stdout, printNote and printWarning write to stderr in one wording', async () => {
  const { stdout, stderr } = await captureOutput(async () => {
    printOut('result\n');
    printNote('Publishing x ...\n');
    printWarning('something is off');
  });
  assert.equal(stdout, 'result\n');
  assert.equal(stderr, 'Publishing x ...\nwarning: something is off\n');
});

test('only cli/report.ts writes to the process streams: every command goes through the one reporter', async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const files = (await readdir(join(root, 'cli'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => relative(root, join(e.parentPath, e.name)));
  assert.ok(files.length > 20, `found only ${files.length} files under cli/`);
  const offences: string[] = [];
  for (const file of files.filter((f) => f !== join('cli', 'report.ts'))) {
    const text = await readFile(join(root, file), 'utf8');
    for (const m of text.matchAll(/\b(process\.(stdout|stderr)\.write|console\.(log|error|warn|info))\b/g)) offences.push(`${file}: ${m[0]}`);
  }
  assert.deepEqual(offences, []);
});

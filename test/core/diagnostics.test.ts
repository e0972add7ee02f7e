import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorsOf, formatDiagnostic, hasErrors, refusal, sortDiagnostics, type Diagnostic } from '../../core/diagnostics.ts';

const d = (over: Partial<Diagnostic>): Diagnostic => ({ severity: 'error', code: 'x', file: 'metadata.yaml', message: 'bad', ...over });

describe('formatDiagnostic', () => {
  const rows: Array<[Diagnostic, string]> = [
    [d({ line: 3, column: 7 }), 'metadata.yaml:3:7: error: bad'],
    [d({ line: 3 }), 'metadata.yaml:3: error: bad'],
    [d({ column: 7 }), 'metadata.yaml: error: bad'],
    [d({ severity: 'warning', hint: 'do this' }), 'metadata.yaml: warning: bad (do this)'],
  ];
  for (const [diag, text] of rows) test(text, () => assert.equal(formatDiagnostic(diag), text));
});

describe('hasErrors', () => {
  test('errors always count; warnings only in strict mode', () => {
    assert.equal(hasErrors([d({ severity: 'warning' })]), false);
    assert.equal(hasErrors([d({ severity: 'warning' })], true), true);
    assert.equal(hasErrors([d({})]), true);
    assert.equal(hasErrors([], true), false);
  });
});

describe('sortDiagnostics', () => {
  test('by file, then line, then column; stable input untouched', () => {
    const input = [d({ file: 'b', line: 1 }), d({ file: 'a', line: 9 }), d({ file: 'a', line: 2, column: 5 }), d({ file: 'a', line: 2, column: 1 }), d({ file: 'a' })];
    const sorted = sortDiagnostics(input);
    assert.deepEqual(sorted.map((x) => `${x.file}:${x.line ?? ''}:${x.column ?? ''}`), ['a::', 'a:2:1', 'a:2:5', 'a:9:', 'b:1:']);
    assert.equal(input[0]!.file, 'b');
  });
});

describe('errorsOf and refusal', () => {
  const list = [d({ file: 'definitions/a.cue', line: 4, column: 2, message: 'unknown field', hint: 'remove it' }), d({ severity: 'warning', message: 'no README' }), d({ file: 'metadata.yaml', message: 'name is missing' })];

  test('errorsOf keeps the errors, in order, and leaves warnings out', () => {
    assert.deepEqual(errorsOf(list).map((x) => x.message), ['unknown field', 'name is missing']);
  });

  test('refusal: EINVALID naming each error with its place and hint, every diagnostic as data', () => {
    const err = refusal('web@1.0.0', list);
    assert.equal(err.code, 'EINVALID');
    assert.equal(err.message, 'web@1.0.0 was refused: 2 error(s): definitions/a.cue:4:2: unknown field (remove it); metadata.yaml: name is missing');
    assert.deepEqual(err.data, list);
  });
});

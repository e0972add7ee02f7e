import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cueErrorsToDiagnostics, explainCueVersionGaps } from '../../../core/cue/cue-errors.ts';

const map = { tempName: 'definition.cue', file: 'definitions/web.cue', userLines: 30 };

describe('cueErrorsToDiagnostics', () => {
  test("a position in the user's lines becomes the user's file and line", () => {
    const stderr = 'template.output.spec.replicas: conflicting values "x" and int:\n    /tmp/velahub-cue-AbC123/definition.cue:15:14\n';
    assert.deepEqual(cueErrorsToDiagnostics(stderr, map), [
      { severity: 'error', code: 'cue-error', file: 'definitions/web.cue', line: 15, column: 14, message: 'template.output.spec.replicas: conflicting values "x" and int' },
    ]);
  });

  test('positions in text velahub appended (past the user lines) are dropped', () => {
    const stderr = 'expected \'}\', found \'EOF\':\n    /tmp/velahub-cue-AbC123/definition.cue:31:1\n';
    const [d] = cueErrorsToDiagnostics(stderr, map);
    assert.equal(d?.line, undefined);
    assert.equal(d?.message, "expected '}', found 'EOF'");
  });

  test('the first user position wins; relative and ./ paths are understood', () => {
    const stderr = 'x: incomplete value:\n    ./definition.cue:31:2\n    ./definition.cue:7:3\n    definition.cue:9:1\n';
    const [d] = cueErrorsToDiagnostics(stderr, map);
    assert.equal(d?.line, 7);
    assert.equal(d?.column, 3);
  });

  test('no temp path or temp name survives in a message', () => {
    const stderr = 'cannot find package /tmp/velahub-cue-Zz9/x: in /tmp/velahub-cue-Zz9/definition.cue\n';
    const [d] = cueErrorsToDiagnostics(stderr, map);
    assert.doesNotMatch(d!.message, /velahub-cue|definition\.cue/);
    assert.match(d!.message, /definitions\/web\.cue/);
  });

  test('continuation lines join the message; duplicates are dropped; the code is kept', () => {
    const stderr = 'a: conflicting values:\n    more detail\n    /tmp/velahub-cue-1/definition.cue:3:1\na: conflicting values:\n    more detail\n    /tmp/velahub-cue-1/definition.cue:3:1\nb: other\n';
    const list = cueErrorsToDiagnostics(stderr, map, 'render-error');
    assert.deepEqual(list.map((d) => [d.code, d.message, d.line]), [
      ['render-error', 'a: conflicting values more detail', 3],
      ['render-error', 'b: other', undefined],
    ]);
  });

  test('empty stderr gives no diagnostics', () => assert.deepEqual(cueErrorsToDiagnostics('', map), []));
});

describe('explainCueVersionGaps', () => {
  test("names CUE 0.6's required-field syntax and drops the parser's follow-on EOF error", () => {
    const out = explainCueVersionGaps([
      { severity: 'error', code: 'cue-error', file: 'definitions/x.cue', line: 6, column: 7, message: "expected label or ':', found '!'" },
      { severity: 'error', code: 'cue-error', file: 'definitions/x.cue', message: "expected '}', found 'EOF'" },
    ]);
    assert.equal(out.length, 1);
    assert.match(out[0]!.hint!, /name!: T.*CUE 0\.6/);
  });

  test('keeps an EOF error that is the only syntax error (a real missing brace)', () => {
    const only = [{ severity: 'error' as const, code: 'cue-error', file: 'x.cue', message: "expected '}', found 'EOF'" }];
    assert.deepEqual(explainCueVersionGaps(only), only);
  });

  test('explains cycle errors as a CUE 0.4 limitation', () => {
    const [d] = explainCueVersionGaps([{ severity: 'error', code: 'cue-error', file: 'x.cue', message: 'template.output: structural cycle' }]);
    assert.match(d!.hint!, /CUE 0\.4/);
  });
});

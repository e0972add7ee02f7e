import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainCueErrors } from '../../../core/cue/cue-errors.ts';
import type { Diagnostic } from '../../../core/diagnostics.ts';

const d = (message: string, line?: number): Diagnostic => ({ severity: 'error', code: 'cue-error', file: 'x.cue', message, ...(line ? { line } : {}) });

describe('explainCueErrors', () => {
  test('list addition refused by CUE v0.14 gets a hint naming the line and list.Concat', () => {
    const [out] = explainCueErrors([d('outputs.a: Addition of lists is superseded by list.Concat; see https://cuelang.org/e/v0.11-list-arithmetic', 4)], 'v0.14');
    assert.match(out!.hint!, /v0\.14\.1/);
    assert.match(out!.hint!, /KubeVela 1\.11/);
    assert.match(out!.hint!, /list\.Concat/);
  });

  test('an error with no known cause is left as it is', () => {
    const only = [d('a: conflicting values 1 and 2', 3)];
    assert.deepEqual(explainCueErrors(only, 'v0.9'), only);
  });

  test("the parser's follow-on EOF error after a syntax error is dropped", () => {
    const out = explainCueErrors([d("expected operand, found '}'", 7), d("expected '}', found 'EOF'")], 'v0.9');
    assert.deepEqual(out.map((x) => x.message), ["expected operand, found '}'"]);
  });
});

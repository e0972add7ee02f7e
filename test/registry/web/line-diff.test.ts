import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffLines } from '../../../registry/web/line-diff.ts';

const lines = (n: number, change: Record<number, string> = {}) => Array.from({ length: n }, (_, i) => change[i + 1] ?? `line ${i + 1}`).join('\n');

describe('diffLines', () => {
  test('equal texts give no hunk', () => {
    assert.deepEqual(diffLines('a\nb\n', 'a\nb'), { hunks: [], added: 0, removed: 0 });
  });

  test('one changed line gives one hunk with 3 lines of context and line numbers', () => {
    const d = diffLines(lines(10), lines(10, { 5: 'changed' }));
    assert.equal(d.hunks.length, 1);
    assert.equal(d.added, 1);
    assert.equal(d.removed, 1);
    const h = d.hunks[0]!;
    assert.equal(h.fromStart, 2);
    assert.equal(h.toStart, 2);
    assert.deepEqual(h.lines.map((l) => l.op + l.text), [' line 2', ' line 3', ' line 4', '-line 5', '+changed', ' line 6', ' line 7', ' line 8']);
  });

  test('changes far apart make separate hunks, close ones merge', () => {
    assert.equal(diffLines(lines(30), lines(30, { 2: 'x', 25: 'y' })).hunks.length, 2);
    assert.equal(diffLines(lines(30), lines(30, { 2: 'x', 8: 'y' })).hunks.length, 1);
  });

  test('added and removed lines at the edges', () => {
    const d = diffLines('a\nb', 'new\na\nb\nend');
    assert.deepEqual(d.hunks[0]!.lines.map((l) => l.op + l.text), ['+new', ' a', ' b', '+end']);
    assert.deepEqual(diffLines('', 'x').hunks[0]!.lines, [{ op: '+', text: 'x', to: 1 }]);
    assert.deepEqual(diffLines('x', '').hunks[0]!.lines, [{ op: '-', text: 'x', from: 1 }]);
  });

  test('two large unrelated texts are not diffed past the bound', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    const started = Date.now();
    const d = diffLines(a, b);
    assert.match(d.truncated ?? '', /more than 4000 lines/);
    assert.ok(Date.now() - started < 5000);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closest, editDistance } from '../../../core/package/did-you-mean.ts';

describe('editDistance', () => {
  const rows: Array<[string, string, number]> = [
    ['', '', 0],
    ['abc', 'abc', 0],
    ['descripton', 'description', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ];
  for (const [a, b, n] of rows) test(`${a} ↔ ${b} = ${n}`, () => {
    assert.equal(editDistance(a, b), n);
    assert.equal(editDistance(b, a), n);
  });
});

describe('closest', () => {
  const keys = ['name', 'version', 'description', 'dependencies', 'tags'];
  const rows: Array<[string, string | undefined]> = [
    ['descripton', 'description'],
    ['verison', 'version'],
    ['Tags', 'tags'],
    ['dependency', 'dependencies'],
    ['maintainers', undefined],
    ['x', undefined],
  ];
  for (const [word, expected] of rows) test(`${word} → ${expected}`, () => assert.equal(closest(word, keys), expected));
});

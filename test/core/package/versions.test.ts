import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVersion, parseRange, releaseOf } from '../../../core/package/versions.ts';

describe('parseRange', () => {
  const ok: Array<[string, string, boolean]> = [
    ['>=1.0.0, <2.0.0', '1.5.0', true],
    ['>=1.0.0, <2.0.0', '2.0.0', false],
    ['>=1.6.0', '1.10.2', true],
    ['>=1.22', '1.29.3', true],
    ['~1.2.0', '1.2.9', true],
    ['^1.2.0', '2.0.0', false],
  ];
  for (const [range, version, satisfied] of ok) {
    test(`"${range}" ${satisfied ? 'accepts' : 'rejects'} ${version}`, () => assert.equal(parseRange(range)?.test(version), satisfied));
  }
  for (const bad of ['', ' , ', '>=abc', '~>1.x.y', 'newest']) test(`"${bad}" is not a range`, () => assert.equal(parseRange(bad), null));
});

describe('isVersion', () => {
  for (const v of ['1.0.0', 'v1.0.0', '1.2.3-rc.1']) test(`${v} is a version`, () => assert.equal(isVersion(v), true));
  for (const v of ['1.0', 'latest', '']) test(`"${v}" is not`, () => assert.equal(isVersion(v), false));
});

describe('releaseOf', () => {
  const rows: Array<[string, string | null]> = [
    ['v1.29.3-eks-14c7a48', '1.29.3'],
    ['v1.28.2+k3s1', '1.28.2'],
    ['1.10', '1.10.0'],
    ['v1.10.0', '1.10.0'],
    ['latest', null],
  ];
  for (const [input, expected] of rows) test(`${input} → ${expected}`, () => assert.equal(releaseOf(input), expected));
});

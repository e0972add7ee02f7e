import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalVersion, isVersion, parseRange, releaseOf, versionProblem } from '../../../core/package/versions.ts';

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
  for (const v of ['1.0', 'latest', '', ' 3.0.0', '3.0.0 ', '3.0.0\n', '=3.0.0', 'V3.0.0', 'v 3.0.0', '01.0.0']) test(`${JSON.stringify(v)} is not`, () => assert.equal(isVersion(v), false));
});

describe('canonicalVersion: what versions are compared and made unique by', () => {
  const rows: Array<[string, string | undefined]> = [
    ['3.0.0', '3.0.0'],
    ['v3.0.0', '3.0.0'],
    ['3.0.0+build1', '3.0.0'],
    ['v3.0.0+build.7', '3.0.0'],
    ['1.2.3-rc.1', '1.2.3-rc.1'],
    ['v1.2.3-rc.1+b', '1.2.3-rc.1'],
    [' 3.0.0', undefined],
    ['latest', undefined],
  ];
  for (const [input, expected] of rows) test(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(canonicalVersion(input), expected));
});

describe('versionProblem', () => {
  test('whitespace is named, with the version to write instead', () => {
    assert.equal(versionProblem('version', ' 3.0.0'), 'version " 3.0.0" contains whitespace: write it as "3.0.0"');
  });
  test('otherwise the expected form, leading v included', () => {
    assert.match(versionProblem('version', 'one'), /^version "one" is not a semantic version: expected MAJOR\.MINOR\.PATCH, e\.g\. "1\.0\.0" \(a leading "v" is kept, as in "v1\.9\.5"\)$/);
  });
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

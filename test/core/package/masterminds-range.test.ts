/**
 * Ranges as KubeVela reads them (Masterminds semver v3), through parseRange: the operators npm
 * semver lacks (`!=`, `=>`, `=<`), commas, a leading `v`, and what each range admits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mastermindsToNpm } from '../../../core/package/masterminds-range.ts';
import { parseRange } from '../../../core/package/versions.ts';
import { systemSatisfied } from '../../../core/resolve/resolve.ts';

const admits = (range: string, version: string) => parseRange(range)!.test(version);

describe('core/package/masterminds-range', () => {
  test('rewrites to npm syntax', () => {
    assert.equal(mastermindsToNpm('>=1.0.0, <2.0.0'), '>=1.0.0 <2.0.0');
    assert.equal(mastermindsToNpm('=> 1.2, =< v1.4'), '>=1.2 <=1.4');
    assert.equal(mastermindsToNpm('>=1.0.0, !=1.2.0'), '>=1.0.0 <1.2.0 || >=1.0.0 >1.2.0');
    assert.equal(mastermindsToNpm('~> 1.2 || ^2'), '~1.2 || ^2');
    assert.equal(mastermindsToNpm('1.2 - 1.4.5'), '1.2 - 1.4.5');
  });

  test('admits what Masterminds admits', () => {
    assert.ok(admits('>=1.0.0, !=1.2.0', '1.3.0'));
    assert.ok(!admits('>=1.0.0, !=1.2.0', '1.2.0'));
    assert.ok(admits('=>1.2.0', '1.2.0'));
    assert.ok(!admits('=<1.2.0', '1.2.1'));
    assert.ok(admits('>=v1.6.0', '1.10.3'));
    assert.ok(!admits('>=1.0.0', '1.1.0-beta.1'), 'a prerelease only when the range names one');
  });

  test('what is not a range is refused', () => {
    assert.equal(parseRange('newest'), null);
    assert.equal(parseRange('>=1.0.0 ||'), null);
    assert.equal(parseRange(''), null);
  });

  test('system.vela: a vela-core tag that is not a version skips the check, a prerelease counts as its release', () => {
    assert.equal(systemSatisfied('latest', '>=1.9.0'), undefined);
    assert.equal(systemSatisfied('v1.10.0-beta.1', '>=1.9.0'), true);
    assert.equal(systemSatisfied('v1.8.2', '>=1.9.0, !=1.9.3'), false);
    assert.equal(systemSatisfied('v1.9.4', '>=1.9.0, !=1.9.3'), true);
  });
});

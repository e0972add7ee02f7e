/**
 * Parameters kept across re-enables as `vela addon enable` merges them (MergeAddonInstallArgs:
 * mergo with override): maps merged field by field, lists and scalars replaced.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeParameters } from '../../installer/addon-parameters.ts';

describe('installer/addon-parameters', () => {
  test('the given values override, nested maps merge, lists are replaced', () => {
    assert.deepEqual(
      mergeParameters({ replicas: 3, resources: { cpu: '20m', memory: '64Mi' }, clusters: ['a', 'b'] }, { resources: { memory: '1Gi' }, clusters: ['c'] }),
      { replicas: 3, resources: { cpu: '20m', memory: '1Gi' }, clusters: ['c'] },
    );
    assert.deepEqual(mergeParameters({}, { a: 1 }), { a: 1 });
    assert.deepEqual(mergeParameters({ a: { b: 1 } }, { a: 'x' }), { a: 'x' });
  });
});

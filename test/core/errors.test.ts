import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VelahubError, isVelahubError } from '../../core/errors.ts';

test('VelahubError carries code, hint, path, data and cause', () => {
  const cause = new Error('root');
  const err = new VelahubError('ENOT_FOUND', 'foo failed', { hint: 'retry', path: 'a/b', data: [1], cause });
  assert.equal(err.code, 'ENOT_FOUND');
  assert.equal(err.message, 'foo failed');
  assert.equal(err.hint, 'retry');
  assert.equal(err.path, 'a/b');
  assert.deepEqual(err.data, [1]);
  assert.equal(err.cause, cause);
  assert.equal(err.name, 'VelahubError');
  assert.ok(err instanceof Error);
});

test('isVelahubError checks the type and, optionally, the code', () => {
  const err = new VelahubError('ENOT_FOUND', 'x');
  assert.equal(isVelahubError(err), true);
  assert.equal(isVelahubError(err, 'ENOT_FOUND'), true);
  assert.equal(isVelahubError(err, 'EUSAGE'), false);
  assert.equal(isVelahubError(new Error('x')), false);
  assert.equal(isVelahubError({ code: 'EFOO' }), false);
});

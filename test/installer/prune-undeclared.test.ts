/**
 * The paths of an API server's "field not declared in schema" errors (server-side apply against a
 * structural CRD), as the installer reads them to leave those fields out. The apply itself is
 * tested on the real API server in kubevela-contract.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { undeclaredPaths } from '../../installer/prune-undeclared.ts';

describe('installer/prune-undeclared', () => {
  test('fields and list indexes, every one the message names', () => {
    const message =
      'failed to create typed patch object (ns/addon-chartmuseum; core.oam.dev/v1beta1, Kind=Application): errors:\n  .spec.components[0].traits[0].enabled: field not declared in schema\n  .spec.components[0].traits[1].enabled: field not declared in schema';
    assert.deepEqual(undeclaredPaths(message), ['.spec.components[0].traits[0].enabled', '.spec.components[0].traits[1].enabled']);
    assert.deepEqual(undeclaredPaths('.spec.appliesToWorkloads: field not declared in schema'), ['.spec.appliesToWorkloads']);
    assert.deepEqual(undeclaredPaths('spec.workload: Required value'), []);
  });
});

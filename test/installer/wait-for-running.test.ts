/**
 * What `velahub enable` says while it waits for an addon to run: the components and traits
 * vela-core reports unhealthy, each with its definition's status message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unhealthyParts } from '../../installer/wait-for-running.ts';

describe('unhealthyParts', () => {
  test('lists unhealthy components and traits with their messages, healthy ones not at all', () => {
    assert.deepEqual(
      unhealthyParts([
        { name: 'web', healthy: false, message: 'InstallFailed: Helm install failed for release web (chart version 1.0.0)', traits: [{ type: 'bizworks-ingress', healthy: true }] },
        { name: 'cache', healthy: true, message: 'ReconciliationSucceeded', traits: [{ type: 'hpa-trait', healthy: false, message: 'no metrics yet' }] },
        { name: 'db', healthy: false },
      ]),
      ['web: InstallFailed: Helm install failed for release web (chart version 1.0.0)', 'cache trait hpa-trait: no metrics yet', 'db'],
    );
  });

  test('nothing reported yet (no status, no services, or all healthy) is an empty list', () => {
    assert.deepEqual(unhealthyParts(undefined), []);
    assert.deepEqual(unhealthyParts([]), []);
    assert.deepEqual(unhealthyParts([{ name: 'web', healthy: true }]), []);
  });
});

/**
 * The version `velahub export` takes when it has no cluster to fit: the asked one exactly, else
 * the highest release across every reachable registry (the highest prerelease when only those exist).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pickVersion } from '../../../core/resolve/pick-version.ts';
import type { Candidate, RegistrySnapshot } from '../../../core/resolve/types.ts';
import { throwsCode } from '../../support/errors.ts';

function cand(registry: string, name: string, version: string): Candidate {
  return { name, version, registry, digest: `sha256:${registry}-${version}`, url: `https://${registry}.example/charts/${name}-${version}.tgz`, dependencies: [], system: {}, definitions: [] };
}

function snap(name: string, versions: string[], error?: string): RegistrySnapshot {
  return { name, addons: new Map(versions.length ? [['web', versions.map((v) => cand(name, 'web', v))]] : []), ...(error ? { error } : {}) };
}

describe('pickVersion', () => {
  const table: Array<{ name: string; snapshots: RegistrySnapshot[]; version?: string; want: [string, string] }> = [
    { name: 'the highest release, prereleases passed over', snapshots: [snap('a', ['1.0.0', '1.2.0', '2.0.0-rc.1'])], want: ['a', '1.2.0'] },
    { name: 'across registries, not the first that has it', snapshots: [snap('a', ['1.0.0']), snap('b', ['1.1.0'])], want: ['b', '1.1.0'] },
    { name: 'the asked version exactly, a prerelease too', snapshots: [snap('a', ['1.0.0', '2.0.0-rc.1'])], version: '2.0.0-rc.1', want: ['a', '2.0.0-rc.1'] },
    { name: 'only prereleases: the highest one, as resolve takes', snapshots: [snap('a', ['2.0.0-rc.1', '2.0.0-rc.2', '1.0.0-alpha'])], want: ['a', '2.0.0-rc.2'] },
    { name: 'a version that is not semver is passed over, not a crash', snapshots: [snap('a', ['latest', '1.0.0'])], want: ['a', '1.0.0'] },
    { name: 'an unreachable registry is skipped', snapshots: [snap('down', [], 'ECONNREFUSED'), snap('b', ['1.0.0'])], want: ['b', '1.0.0'] },
  ];
  for (const row of table) {
    test(row.name, () => {
      const c = pickVersion(row.snapshots, 'web', row.version);
      assert.deepEqual([c.registry, c.version], row.want);
    });
  }

  test('no registry has it: ENOT_FOUND', () => {
    throwsCode(() => pickVersion([snap('a', [])], 'web'), 'ENOT_FOUND');
  });

  test('the asked version is not published: ENOT_FOUND', () => {
    throwsCode(() => pickVersion([snap('a', ['1.0.0'])], 'web', '9.9.9'), 'ENOT_FOUND');
  });

  test('nothing semantic to choose from: ENOT_FOUND naming what there is', () => {
    assert.throws(() => pickVersion([snap('a', ['latest'])], 'web'), /web has no semantic version to export: available latest/);
  });
});

import semver from 'semver';
import { VelahubError } from '../errors.ts';
import type { Candidate, RegistrySnapshot } from './types.ts';

/**
 * One published version of an addon, with no cluster to fit: the asked
 * version exactly, else the highest release (never a prerelease) that any
 * reachable registry offers. Not {@link resolve}'s rule, which picks within a
 * range from the first registry that has the addon and weighs dependencies,
 * system requirements, yanked and deprecated versions.
 */
export function pickVersion(snapshots: RegistrySnapshot[], name: string, version?: string): Candidate {
  const versions = snapshots.flatMap((s) => (s.error ? [] : s.addons.get(name) ?? []));
  if (versions.length === 0) throw new VelahubError('ENOT_FOUND', `no registry offers ${name}`);
  const candidate = version ? versions.find((v) => v.version === version) : versions.filter((v) => !semver.prerelease(v.version)).sort((a, b) => semver.rcompare(a.version, b.version))[0];
  if (!candidate) throw new VelahubError('ENOT_FOUND', `${name}@${version} not found: available ${versions.map((v) => v.version).join(', ')}`);
  return candidate;
}

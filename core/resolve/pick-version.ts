import semver from 'semver';
import { VelahubError } from '../errors.ts';
import type { Candidate, RegistrySnapshot } from './types.ts';

/**
 * One published version of an addon, with no cluster to fit: the asked
 * version exactly, else the highest release that any reachable registry
 * offers (the highest prerelease when nothing else is published, as resolve
 * does when no version is asked). Not {@link resolve}'s rule, which picks within a
 * range from the first registry that has the addon and weighs dependencies,
 * system requirements, yanked and deprecated versions.
 */
export function pickVersion(snapshots: RegistrySnapshot[], name: string, version?: string): Candidate {
  const versions = snapshots.flatMap((s) => (s.error ? [] : s.addons.get(name) ?? []));
  if (versions.length === 0) throw new VelahubError('ENOT_FOUND', `no registry offers ${name}`);
  const available = versions.map((v) => v.version).join(', ');
  if (version) {
    const asked = versions.find((v) => v.version === version);
    if (!asked) throw new VelahubError('ENOT_FOUND', `${name}@${version} not found: available ${available}`);
    return asked;
  }
  const ordered = versions.filter((v) => semver.valid(v.version)).sort((a, b) => semver.rcompare(a.version, b.version));
  const candidate = ordered.find((v) => !semver.prerelease(v.version)) ?? ordered[0];
  if (!candidate) throw new VelahubError('ENOT_FOUND', `${name} has no semantic version to export: available ${available}`);
  return candidate;
}

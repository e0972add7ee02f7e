import semver from 'semver';

/**
 * Which stored version comes where: shared by the addon and chart stores and
 * by readers that pick a default version.
 */

/** The newest version: highest release, prereleases only when there is nothing else. */
export function newestVersion(versions: readonly string[]): string | undefined {
  const sorted = [...versions].sort(semver.rcompare);
  return sorted.find((v) => semver.prerelease(v) === null) ?? sorted[0];
}

/**
 * The highest of `versions` below `version` in any major, or undefined: what the diff page
 * compares a version with by default (yanked versions count). Versions that are not semver are skipped.
 */
export function versionBelow(versions: readonly string[], version: string): string | undefined {
  return versions.filter((v) => semver.valid(v) && semver.lt(v, version)).sort(semver.rcompare)[0];
}

/** Orders by name, then newest version first: the order of index.yaml's entries. */
export function byNameThenNewest(a: { name: string; version: string }, b: { name: string; version: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : semver.rcompare(a.version, b.version);
}

import semver from 'semver';
import { mastermindsToNpm } from './masterminds-range.ts';

/**
 * Parses a range the way KubeVela reads them (Masterminds semver: `">=1.0.0, <2.0.0"`,
 * `!=`, `=>`, `=<`, see masterminds-range.ts) into an npm semver Range; null when
 * it is not a valid range.
 */
export function parseRange(range: string): semver.Range | null {
  const normalized = mastermindsToNpm(range);
  if (!normalized) return null;
  try {
    return new semver.Range(normalized, { includePrerelease: false });
  } catch {
    return null;
  }
}

/**
 * True when `version` is a semantic version exactly as written: `MAJOR.MINOR.PATCH`, an optional
 * prerelease and build metadata, and an optional leading `v` (KubeVela's catalog writes
 * `v1.9.5`). Whitespace, `=` and other prefixes that npm's semver trims silently are refused,
 * so what is stored and shown is what was validated.
 */
export function isVersion(version: string): boolean {
  return /^v?\d/.test(version) && !/\s/.test(version) && semver.valid(version) !== null;
}

/**
 * The form versions are compared and made unique by: no leading `v`, no build metadata
 * (ignored, as Helm and semver precedence ignore it), so `v1.0.0`, `1.0.0+build1` and `1.0.0`
 * are one version. Undefined when `version` is not a version ({@link isVersion}).
 */
export function canonicalVersion(version: string): string | undefined {
  if (!isVersion(version)) return undefined;
  const v = new semver.SemVer(version);
  return v.prerelease.length ? `${v.major}.${v.minor}.${v.patch}-${v.prerelease.join('.')}` : `${v.major}.${v.minor}.${v.patch}`;
}

/** Why a string is not a version, naming what would be valid (for messages about `field`). */
export function versionProblem(field: string, version: string): string {
  if (/\s/.test(version)) return `${field} ${JSON.stringify(version)} contains whitespace: write it as ${JSON.stringify(version.replace(/\s+/g, ''))}`;
  return `${field} ${JSON.stringify(version)} is not a semantic version: expected MAJOR.MINOR.PATCH, e.g. "1.0.0" (a leading "v" is kept, as in "v1.9.5")`;
}

/**
 * The release a vendor Kubernetes or KubeVela version stands for:
 * `v1.29.3-eks-1234` → `1.29.3`, `v1.28.2+k3s1` → `1.28.2`.
 */
export function releaseOf(version: string): string | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? `${m[1]}.${m[2]}.${m[3] ?? '0'}` : null;
}

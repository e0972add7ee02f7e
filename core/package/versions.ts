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

/** True when `version` is a valid semver version (a leading `v` is accepted). */
export function isVersion(version: string): boolean {
  return semver.valid(version) !== null;
}

/**
 * The release a vendor Kubernetes or KubeVela version stands for:
 * `v1.29.3-eks-1234` → `1.29.3`, `v1.28.2+k3s1` → `1.28.2`.
 */
export function releaseOf(version: string): string | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? `${m[1]}.${m[2]}.${m[3] ?? '0'}` : null;
}

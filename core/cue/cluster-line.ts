import semver from 'semver';
import { STABLE_LINE, type CueLine } from './lines.ts';

/**
 * The CUE line a cluster's KubeVela evaluates with, from vela-core's image tag:
 * 1.11 and later run CUE v0.14, earlier releases v0.9. A tag that is not a
 * version (`latest`, a branch) or no KubeVela at all gives the stable line.
 */
export function lineForVelaVersion(velaVersion: string | undefined): CueLine {
  const v = velaVersion ? semver.coerce(velaVersion) : null;
  if (!v) return STABLE_LINE;
  return semver.gte(`${v.major}.${v.minor}.0`, '1.11.0') ? 'v0.14' : 'v0.9';
}

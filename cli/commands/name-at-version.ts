import semver from 'semver';
import { VelahubError } from '../../core/errors.ts';

/** Splits `NAME@VERSION` (the version part required when `needVersion`). */
export function nameAtVersion(ref: string, needVersion: boolean): { name: string; version?: string } {
  const at = ref.lastIndexOf('@');
  const name = at > 0 ? ref.slice(0, at) : ref;
  const version = at > 0 ? ref.slice(at + 1) : undefined;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) throw new VelahubError('EUSAGE', `${JSON.stringify(ref)} is not NAME[@VERSION]: the name must be lowercase letters and digits separated by dashes`, { path: 'NAME' });
  if (needVersion && !version) throw new VelahubError('EUSAGE', `${JSON.stringify(ref)} needs an exact version: NAME@VERSION, e.g. ${name}@1.0.0`, { path: 'NAME@VERSION' });
  if (version !== undefined && !semver.valid(version)) throw new VelahubError('EUSAGE', `version ${JSON.stringify(version)} in ${JSON.stringify(ref)} is not a semantic version`, { path: 'NAME@VERSION' });
  return { name, version };
}

import semver from 'semver';
import type { RegistrySnapshot } from '../core/resolve/types.ts';
import { enabledAddons } from './cluster-facts.ts';
import type { Kube } from './kube.ts';

/** One enabled addon on one cluster, with what the registries say about it. */
export interface AddonStatus {
  cluster: string;
  name: string;
  version: string;
  registry: string | null;
  phase: string;
  /** Newer versions the registry of the addon offers. */
  newer: string[];
  warnings: string[];
}

/**
 * The enabled addons of a cluster with their phase, newer versions and
 * deprecated/yanked warnings (a version missing from a reachable registry's
 * index was yanked or removed there).
 */
export async function addonStatus(kube: Kube, snapshots: RegistrySnapshot[], namespace = 'vela-system'): Promise<AddonStatus[]> {
  const enabled = await enabledAddons(kube, namespace);
  return enabled.map((a) => {
    const reg = snapshots.find((s) => s.name === a.registry) ?? snapshots.find((s) => !s.error && s.addons.has(a.name));
    const versions = reg?.addons.get(a.name) ?? [];
    const warnings: string[] = [];
    const mine = versions.find((v) => v.version === a.version);
    if (reg?.error) warnings.push(`registry ${reg.name} is unreachable: ${reg.error}`);
    else if (reg && !mine) warnings.push(`${a.version} is no longer offered by ${reg.name} (yanked or removed)`);
    if (mine?.deprecated) warnings.push(`${a.version} is deprecated: ${mine.deprecated}`);
    if (!reg) warnings.push(`no configured registry offers ${a.name}`);
    const newer = versions.filter((v) => semver.valid(a.version) && semver.gt(v.version, a.version) && !semver.prerelease(v.version)).map((v) => v.version).sort(semver.rcompare);
    return { cluster: kube.context, name: a.name, version: a.version, registry: a.registry ?? null, phase: a.phase, newer, warnings };
  });
}

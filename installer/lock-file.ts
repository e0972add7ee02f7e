import { readFile, rename, writeFile } from 'node:fs/promises';
import { VelahubError } from '../core/errors.ts';
import type { LockedAddon, Plan } from '../core/resolve/types.ts';

// yaml is imported where a lock file is read or written: the CLI names lockFileName in its help,
// which must not load the YAML library.

/** The lock file's name. */
export const lockFileName = 'velahub.lock';

/**
 * The lock for a set of plans: every addon with its version, registry and
 * digest. Plans for several clusters must agree, or there is no single lock.
 */
export function lockFromPlans(plans: Plan[]): LockedAddon[] {
  const byName = new Map<string, LockedAddon & { cluster: string }>();
  for (const plan of plans) {
    for (const s of plan.steps) {
      const prev = byName.get(s.name);
      if (prev && (prev.version !== s.version || prev.digest !== s.candidate.digest)) {
        throw new VelahubError('ELOCK_DIVERGES', `clusters ${prev.cluster} and ${plan.cluster} resolve ${s.name} to ${prev.version} and ${s.version}: one lock cannot describe both`, { hint: 'plan and lock each cluster separately' });
      }
      if (!s.candidate.digest) throw new VelahubError('ELOCK_DIGEST', `${s.name} ${s.version} has no known digest (it is kept as installed and not in any registry index): cannot lock it`);
      byName.set(s.name, { name: s.name, version: s.version, registry: s.registry, digest: s.candidate.digest, cluster: plan.cluster });
    }
  }
  return [...byName.values()].map(({ cluster: _c, ...l }) => l).sort((a, b) => a.name.localeCompare(b.name));
}

/** Writes velahub.lock atomically. */
export async function writeLockFile(path: string, addons: LockedAddon[]): Promise<void> {
  const { stringify } = await import('yaml');
  const text = `# Written by velahub plan --lock; install exactly this with velahub enable --locked\n${stringify({ lockfileVersion: 1, addons })}`;
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** Reads and checks velahub.lock. */
export async function readLockFile(path: string): Promise<LockedAddon[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new VelahubError('ENOENT', `${path}: no lock file; create one with velahub plan ADDON --lock`, { path });
  });
  const { parse } = await import('yaml');
  const doc = parse(text) as { lockfileVersion?: number; addons?: LockedAddon[] };
  if (doc?.lockfileVersion !== 1 || !Array.isArray(doc.addons)) throw new VelahubError('EINVALID', `${path}: not a velahub lock file (expected lockfileVersion: 1 and addons: [...])`, { path });
  doc.addons.forEach((a, i) => {
    for (const key of ['name', 'version', 'registry', 'digest'] as const) {
      if (typeof a?.[key] !== 'string' || !a[key]) throw new VelahubError('EINVALID', `${path}: addons[${i}].${key} is missing`, { path });
    }
    if (!/^sha256:[0-9a-f]{64}$/.test(a.digest)) throw new VelahubError('EINVALID', `${path}: addons[${i}].digest ${JSON.stringify(a.digest)} is not sha256:<64 hex>`, { path });
  });
  return doc.addons;
}

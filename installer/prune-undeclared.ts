import { isVelahubError } from '../core/errors.ts';
import type { Kube, KubeObject } from './kube.ts';

/** What was left out of an object because its CRD does not declare it. */
export interface Pruned {
  object: KubeObject;
  /** Paths as the API server names them, e.g. `.spec.appliesToWorkloads`. */
  paths: string[];
}

/** The paths an API server's "field not declared in schema" error names: fields and list indexes (`.spec.components[0].traits[1].enabled`). */
export function undeclaredPaths(message: string): string[] {
  return [...message.matchAll(/((?:\.[A-Za-z0-9_$-]+|\[\d+\])+): field not declared in schema/g)].map((m) => m[1]!);
}

/** A copy of `o` without the field at a path; undefined when the path is not there. */
function without(o: KubeObject, path: string): KubeObject | undefined {
  const copy = structuredClone(o) as unknown as Record<string, unknown>;
  const keys = [...path.matchAll(/\.([A-Za-z0-9_$-]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  let node: unknown = copy;
  for (const k of keys.slice(0, -1)) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[k];
  }
  const last = keys.at(-1);
  if (typeof last !== 'string' || !node || typeof node !== 'object' || Array.isArray(node) || !(last in (node as object))) return undefined;
  delete (node as Record<string, unknown>)[last];
  return copy as unknown as KubeObject;
}

/**
 * Server-side applies `o`; where the CRD does not declare a field the object
 * sets, the field is left out and the apply retried, as KubeVela's client-side
 * create/update has the API server prune it silently (e.g. `appliesToWorkloads`
 * on a ComponentDefinition) — here the caller is told which fields went.
 */
export async function applyPruningUndeclared(kube: Kube, o: KubeObject, opts: { dryRun?: boolean }): Promise<{ applied: KubeObject; pruned?: Pruned }> {
  let current = o;
  const paths: string[] = [];
  for (;;) {
    try {
      const applied = await kube.apply(current, opts);
      return { applied, ...(paths.length ? { pruned: { object: current, paths } } : {}) };
    } catch (err) {
      if (!isVelahubError(err) || paths.length >= 20) throw err;
      const found = undeclaredPaths(err.message).filter((p) => !paths.includes(p));
      let next: KubeObject | undefined = current;
      for (const p of found) next = next && without(next, p);
      if (found.length === 0 || !next) throw err;
      paths.push(...found);
      current = next;
    }
  }
}

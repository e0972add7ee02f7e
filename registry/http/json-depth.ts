import { VelahubError } from '../../core/errors.ts';

/** Nesting accepted in a JSON request body: parameter schemas nest a few levels, not thousands. */
export const maxJsonDepth = 32;

/**
 * Refuses a parsed JSON value nested deeper than `max` levels with a 400 naming the path where
 * the limit is crossed (`context.name.name…`). Walks iteratively: the point is that nothing
 * downstream (validation, messages, caching) recurses through thousands of levels.
 */
export function checkJsonDepth(value: unknown, field: string, max = maxJsonDepth): void {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: field, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) {
      const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path;
      throw new VelahubError('EBAD_REQUEST', `${field} is nested more than ${max} levels deep (at ${shown}): at most ${max} levels are accepted`, { path: field });
    }
    if (Array.isArray(v)) v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, depth: depth + 1 }));
    else for (const [k, item] of Object.entries(v)) stack.push({ v: item, path: `${path}.${k}`, depth: depth + 1 });
  }
}

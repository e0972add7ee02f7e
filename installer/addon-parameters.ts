import type { Kube } from './kube.ts';
import { parameterDataKey } from './addon-objects.ts';

type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The parameters an addon was enabled with: `addon-secret-NAME`'s
 * `addonParameterDataKey` (JSON). Empty when there is no such Secret or it
 * does not hold a JSON object (written by hand: nothing to keep).
 */
export async function enabledParameters(kube: Kube, namespace: string, addon: string): Promise<Json> {
  const secret = await kube.get({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `addon-secret-${addon}`, namespace } });
  const raw = (secret as { data?: Record<string, string> } | undefined)?.data?.[parameterDataKey];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown;
    return isMap(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * The parameters of a re-enable or upgrade as `vela addon enable` makes them
 * (MergeAddonInstallArgs, mergo with override): the ones the addon was enabled
 * with, overridden field by field by the ones given now; lists are replaced.
 */
export function mergeParameters(previous: Json, given: Json): Json {
  const out: Json = { ...previous };
  for (const [k, v] of Object.entries(given)) out[k] = isMap(v) && isMap(out[k]) ? mergeParameters(out[k] as Json, v) : v;
  return out;
}

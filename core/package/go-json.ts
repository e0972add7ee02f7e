/**
 * JSON as Go's encoding/json writes a decoded document (a map[string]interface{}): object keys
 * sorted, and `<`, `>`, `&`, U+2028 and U+2029 escaped. KubeVela turns an addon's UI schema into
 * JSON this way (sigs.k8s.io/yaml YAMLToJSON), so the ConfigMap velahub writes is byte-identical.
 */
export function goJson(value: unknown): string {
  return compose(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function compose(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => compose(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    // Go orders map keys by their UTF-8 bytes; comparing code points gives the same order.
    entries.sort(([a], [b]) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${compose(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

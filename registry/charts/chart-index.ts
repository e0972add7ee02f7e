import type { ChartMetadata } from '../../core/chart/chart-yaml.ts';
import { indexEntryFields, indexEntryText } from '../index-yaml.ts';

/** Chart.yaml's keys that Helm's ChartVersion schema knows, past the four every chart has; Helm parses an index strictly. */
const optionalKeys = ['description', 'appVersion', 'kubeVersion', 'home', 'icon', 'keywords', 'sources', 'maintainers', 'dependencies', 'annotations', 'deprecated'] as const;

/**
 * One chart version as Helm's index (and ChartMuseum's JSON API) describe it:
 * Chart.yaml's fields — only keys of Helm's ChartVersion schema, which Helm
 * parses strictly — plus urls, created and the bare-hex digest.
 */
export function chartVersionEntry(input: { metadata: ChartMetadata; digest: string; createdAt: string }): Record<string, unknown> {
  const m = input.metadata;
  const fields: Record<string, unknown> = { apiVersion: m.apiVersion, name: m.name, version: m.version, type: m.type };
  for (const key of optionalKeys) {
    if (m[key] !== undefined) fields[key] = m[key];
  }
  return indexEntryFields(fields, { name: m.name, version: m.version, digest: input.digest, createdAt: input.createdAt });
}

/** {@link chartVersionEntry} as YAML list-item text indented for `entries.<name>`, computed once at upload. */
export function chartIndexEntry(input: { metadata: ChartMetadata; digest: string; createdAt: string }): string {
  return indexEntryText(chartVersionEntry(input));
}

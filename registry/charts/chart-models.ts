import { stringify } from 'yaml';
import type { ChartVersionRecord, ChartVersionSummary } from '../store/chart-store.ts';
import { archivePath } from '../index-yaml.ts';

/** The chart repository's URL as Helm and Flux use it: the registry's base + `/helm`. */
export function chartRepositoryUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/helm`;
}

/**
 * A ready-to-paste Application deploying a chart version from this registry
 * with the helm-component addon (Flux HelmRepository + HelmRelease).
 */
function chartApplication(baseUrl: string, name: string, version: string) {
  const object = {
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name },
    spec: {
      components: [
        {
          name,
          type: 'helm-component',
          properties: { url: chartRepositoryUrl(baseUrl), chart: name, version, values: {} },
        },
      ],
    },
  };
  return { object, yaml: stringify(object, { lineWidth: 0 }) };
}

/** The same install straight from the OCI API (`--plain-http` when the registry is served over HTTP). */
function ociInstall(baseUrl: string, name: string, version: string): string {
  const host = baseUrl.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return `helm install ${name} oci://${host}/charts/${name} --version ${version}${baseUrl.startsWith('http://') ? ' --plain-http' : ''}`;
}

/** One chart version as GET /api/v1/charts/:name/versions/:version returns it. */
export function chartVersionDetail(v: ChartVersionRecord, baseUrl: string) {
  const repository = chartRepositoryUrl(baseUrl);
  return {
    name: v.name,
    version: v.version,
    appVersion: v.metadata.appVersion ?? null,
    description: v.metadata.description ?? '',
    digest: v.digest,
    size: v.size,
    createdAt: v.createdAt,
    metadata: v.metadata,
    readme: v.manifest.readme,
    dependencies: v.metadata.dependencies ?? [],
    subcharts: v.manifest.subcharts,
    templates: v.manifest.templates,
    values: v.manifest.valuesYaml,
    valuesSchema: v.manifest.valuesSchema,
    parameterSource: v.manifest.parameterSource,
    // Derived at upload (and backfilled at startup for older rows): a page view only reads it.
    parameters: v.parameters,
    repository,
    archive: `/helm/${archivePath(v.name, v.version)}`,
    install: {
      helm: [`helm repo add velahub ${repository}`, `helm install ${v.name} velahub/${v.name} --version ${v.version}`, ociInstall(baseUrl, v.name, v.version)],
      velahub: `velahub chart pull ${v.name}@${v.version}`,
    },
    application: chartApplication(baseUrl, v.name, v.version).yaml,
  };
}
/** See {@link chartVersionDetail}. */
export type ChartVersionDetail = ReturnType<typeof chartVersionDetail>;

/** A chart and its live versions, as GET /api/v1/charts/:name returns it. */
export interface ChartDetail {
  name: string;
  latest: string;
  versions: ChartVersionSummary[];
}

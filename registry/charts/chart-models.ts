import { stringify } from 'yaml';
import { VelahubError } from '../../core/errors.ts';
import { parameterReference, type ParamTable } from '../../core/params/reference.ts';
import type { ChartStore, ChartVersionRecord, ChartVersionSummary } from '../store/chart-store.ts';
import { newestVersion } from '../store/chart-store.ts';
import { chartArchivePath } from './chart-index.ts';

/** The chart repository's URL as Helm and Flux use it: the registry's base + `/helm`. */
export function chartRepositoryUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/helm`;
}

/**
 * A ready-to-paste Application deploying a chart version from this registry
 * with the helm-component addon (Flux HelmRepository + HelmRelease).
 */
export function chartApplication(baseUrl: string, name: string, version: string) {
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
    parameters: parameterReference(v.manifest.parameterSchema) as ParamTable[],
    repository,
    archive: `/helm/${chartArchivePath(v.name, v.version)}`,
    install: {
      helm: [`helm repo add velahub ${repository}`, `helm install ${v.name} velahub/${v.name} --version ${v.version}`],
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

/** A chart's live versions and its newest, or ENOT_FOUND. */
export async function chartOr404(charts: ChartStore, name: string): Promise<ChartDetail> {
  const versions = await charts.versions(name);
  if (versions.length === 0) throw new VelahubError('ENOT_FOUND', `chart "${name}" not found`, { hint: 'list the charts with `velahub chart list`' });
  return { name, latest: newestVersion(versions.map((v) => v.version))!, versions };
}

/** A live chart version, or ENOT_FOUND naming the versions there are. */
export async function chartVersionOr404(charts: ChartStore, name: string, version: string): Promise<ChartVersionRecord> {
  const v = await charts.get(name, version);
  if (v && !v.deletedAt) return v;
  const { versions } = await chartOr404(charts, name);
  throw new VelahubError('ENOT_FOUND', `chart ${name}@${version} ${v?.deletedAt ? `was deleted at ${v.deletedAt}` : 'not found'}: its versions are ${versions.map((x) => x.version).join(', ')}`);
}

import { VelahubError } from '../../core/errors.ts';
import { chartNamePattern } from '../../core/chart/chart-yaml.ts';
import type { ChartStore, ChartVersionRecord } from '../store/chart-store.ts';
import { newestVersion } from '../store/version-order.ts';
import type { ChartDetail } from './chart-models.ts';

/**
 * Finding what a chart request names, or refusing with the one message each miss has
 * everywhere (API, ChartMuseum API, pages): a valid chart name, a chart, a chart version.
 */

/** The chart name of a request, or EBAD_REQUEST (400): the same answer from the API and the pages. */
export function requireChartName(name: string): string {
  if (!chartNamePattern.test(name)) throw new VelahubError('EBAD_REQUEST', `chart name ${JSON.stringify(name)} is invalid: lowercase letters and digits separated by dashes`);
  return name;
}

/** A chart's live versions and its newest, or ENOT_FOUND. */
export async function requireChart(charts: ChartStore, name: string): Promise<ChartDetail> {
  const versions = await charts.versions(name);
  if (versions.length === 0) throw new VelahubError('ENOT_FOUND', `chart "${name}" not found`, { hint: 'list the charts with `velahub chart list`' });
  return { name, latest: newestVersion(versions.map((v) => v.version))!, versions };
}

/** A live chart version, or ENOT_FOUND naming the versions there are (and when it was deleted, if it was). */
export async function requireChartVersion(charts: ChartStore, name: string, version: string): Promise<ChartVersionRecord> {
  const v = await charts.get(name, version);
  if (v && !v.deletedAt) return v;
  const { versions } = await requireChart(charts, name);
  throw new VelahubError('ENOT_FOUND', `chart ${name}@${version} ${v?.deletedAt ? `was deleted at ${v.deletedAt}` : 'not found'}: its versions are ${versions.map((x) => x.version).join(', ')}`);
}

import type { ChartStore, ChartSummary } from '../store/chart-store.ts';
import type { Page } from '../store/records.ts';
import { requireChart, requireChartName, requireChartVersion } from './chart-lookups.ts';
import { chartRepositoryUrl, chartVersionDetail, type ChartDetail, type ChartVersionDetail } from './chart-models.ts';

/** What the chart list page (/helm-charts) shows. */
export interface ChartListModel {
  query: { q?: string };
  repository: string;
  charts: Page<ChartSummary>;
}

/** What a chart page (/helm-charts/NAME[/VERSION]) shows. */
export interface ChartPageModel {
  chart: ChartDetail;
  version: ChartVersionDetail;
  isLatest: boolean;
}

/** The chart list, filtered by a text in the name or description. */
export async function loadChartList(charts: ChartStore, query: { q?: string; offset?: number; baseUrl: string }): Promise<ChartListModel> {
  return { query: query.q ? { q: query.q } : {}, repository: chartRepositoryUrl(query.baseUrl), charts: await charts.list({ text: query.q, limit: 50, offset: query.offset ?? 0 }) };
}

/** One chart version (the newest when none is named) with the chart's versions. */
export async function loadChart(charts: ChartStore, query: { name: string; version?: string; baseUrl: string }): Promise<ChartPageModel> {
  const chart = await requireChart(charts, requireChartName(query.name));
  const version = query.version ?? chart.latest;
  return { chart, version: chartVersionDetail(await requireChartVersion(charts, query.name, version), query.baseUrl), isLatest: version === chart.latest };
}

import { hasErrors, type Diagnostic } from '../diagnostics.ts';
import { textOf, type PackageFiles } from '../package/files.ts';
import type { JsonSchema } from '../params/schema.ts';
import { parseChartYaml, type ChartMetadata } from './chart-yaml.ts';
import { parseValues, parseValuesSchema, validateValues, withDefaults } from './values.ts';

/** What velahub stores about a chart version besides its bytes. */
export interface ChartManifest {
  metadata: ChartMetadata;
  readme: string;
  /** values.yaml as written (comments and all), what `helm show values` prints. */
  valuesYaml: string;
  /** values.schema.json, when the chart has one. */
  valuesSchema: JsonSchema | null;
  /** The schema the values table is built from, and where it came from. */
  parameterSchema: JsonSchema;
  parameterSource: 'values.schema.json' | 'values.yaml';
  /** Files under templates/, sorted. */
  templates: string[];
  /** Subcharts vendored under charts/ (archives or folders). */
  subcharts: string[];
}

/** The outcome of inspecting a chart: a manifest when valid, and every problem found. */
export interface ChartInspection {
  manifest?: ChartManifest;
  /** Chart.yaml's name and version when readable, even if other things are wrong. */
  name?: string;
  version?: string;
  diagnostics: Diagnostic[];
}

function error(code: string, file: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'error', code, file, message, ...extra };
}

/** Subchart names vendored in charts/: `charts/NAME-VERSION.tgz` or `charts/NAME/Chart.yaml`. */
function vendored(files: PackageFiles): string[] {
  const out = new Set<string>();
  for (const path of files.keys()) {
    const folder = /^charts\/([^/]+)\/Chart\.yaml$/.exec(path);
    if (folder) out.add(folder[1]!);
    const archive = /^charts\/([^/]+)\.tgz$/.exec(path);
    if (archive) out.add(archive[1]!);
  }
  return [...out].sort();
}

/**
 * Validates an application chart's files (relative to its top folder `top`) and
 * collects what the registry shows: Chart.yaml's fields, values.yaml that
 * parses and satisfies values.schema.json when there is one, templates present,
 * declared dependencies vendored in charts/ (a packaged chart is installed as
 * is; Helm would refuse it otherwise). Every problem is reported at once, each
 * naming the file and the field.
 */
export function inspectChart(top: string, files: PackageFiles): ChartInspection {
  const diagnostics: Diagnostic[] = [];
  const chartText = textOf(files, 'Chart.yaml');
  if (chartText === undefined) {
    return { diagnostics: [error('chart-missing-file', 'Chart.yaml', `${top}/Chart.yaml is missing: a chart archive holds one folder named like the chart, with Chart.yaml in it`)] };
  }
  const chart = parseChartYaml(chartText);
  diagnostics.push(...chart.diagnostics);
  if (chart.name && top !== chart.name) {
    diagnostics.push(error('chart-top-folder', `${top}/`, `the archive's top folder "${top}" must be named like the chart "${chart.name}" (as helm package writes it)`, { field: 'name' }));
  }

  const valuesText = textOf(files, 'values.yaml') ?? '';
  const values = parseValues(valuesText);
  diagnostics.push(...values.diagnostics);
  let valuesSchema: JsonSchema | null = null;
  const schemaText = textOf(files, 'values.schema.json');
  if (schemaText !== undefined) {
    const parsed = parseValuesSchema(schemaText);
    diagnostics.push(...parsed.diagnostics);
    valuesSchema = parsed.schema ?? null;
    if (valuesSchema && values.values) diagnostics.push(...validateValues(valuesSchema, values.values));
  }

  const templates = [...files.keys()].filter((p) => p.startsWith('templates/')).sort();
  if (!templates.some((p) => /\.(ya?ml|tpl|json)$/.test(p) && !p.endsWith('NOTES.txt'))) {
    diagnostics.push(error('chart-no-templates', 'templates/', templates.length ? `templates/ holds no template (${templates.join(', ')}): an application chart renders its objects from templates/*.yaml` : 'templates/ is missing or empty: an application chart renders its objects from templates/*.yaml'));
  }

  const subcharts = vendored(files);
  chart.metadata?.dependencies?.forEach((d, i) => {
    const names = [d.name, `${d.name}-`];
    if (!subcharts.some((s) => s === names[0] || s.startsWith(names[1]!))) {
      diagnostics.push(error('chart-dependency-missing', 'Chart.yaml', `field "dependencies[${i}]" (${d.name} ${d.version}) is not vendored in charts/: run \`helm dependency build\` before packaging`, { field: `dependencies[${i}]` }));
    }
  });

  if (hasErrors(diagnostics) || !chart.metadata || !values.values || !values.inferred) {
    return { diagnostics, ...(chart.name ? { name: chart.name } : {}), ...(chart.version ? { version: chart.version } : {}) };
  }
  const readme = textOf(files, 'README.md') ?? textOf(files, 'readme.md') ?? '';
  return {
    name: chart.metadata.name,
    version: chart.metadata.version,
    diagnostics,
    manifest: {
      metadata: chart.metadata,
      readme,
      valuesYaml: valuesText,
      valuesSchema,
      parameterSchema: valuesSchema ? withDefaults(valuesSchema, values.values) : values.inferred,
      parameterSource: valuesSchema ? 'values.schema.json' : 'values.yaml',
      templates,
      subcharts,
    },
  };
}

import semver from 'semver';
import { isMap, parseDocument } from 'yaml';
import type { Diagnostic } from '../diagnostics.ts';

/** A chart name: lowercase letters and digits separated by dashes (Helm's convention, and URL-safe). */
export const chartNamePattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** One entry of Chart.yaml's `dependencies`. */
export interface ChartDependency {
  name: string;
  version: string;
  repository?: string;
  condition?: string;
  alias?: string;
  tags?: string[];
}

/** Chart.yaml's fields velahub keeps: the ones Helm's index knows. */
export interface ChartMetadata {
  apiVersion: 'v2';
  name: string;
  version: string;
  type: 'application';
  description?: string;
  appVersion?: string;
  kubeVersion?: string;
  home?: string;
  icon?: string;
  keywords?: string[];
  sources?: string[];
  maintainers?: Array<{ name: string; email?: string; url?: string }>;
  dependencies?: ChartDependency[];
  annotations?: Record<string, string>;
  deprecated?: boolean;
}

/** Chart.yaml read: its metadata when valid, and every problem found. */
export interface ParsedChartYaml {
  metadata?: ChartMetadata;
  /** The name, when it could be read even if other fields are wrong (for token checks and messages). */
  name?: string;
  version?: string;
  diagnostics: Diagnostic[];
}

const file = 'Chart.yaml';

function problem(field: string, message: string, hint?: string): Diagnostic {
  return { severity: 'error', code: 'chart-yaml-field', file, field, message, ...(hint ? { hint } : {}) };
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function strings(raw: Record<string, unknown>, key: string, out: Diagnostic[]): string[] | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    out.push(problem(key, `field "${key}" must be a list of strings`));
    return undefined;
  }
  return v as string[];
}

/**
 * Validates Chart.yaml of an application chart: apiVersion v2, a name, a
 * semantic version, type application (or none), and well-formed optional
 * fields. Every problem is reported, each naming its field.
 */
export function parseChartYaml(text: string): ParsedChartYaml {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    return { diagnostics: doc.errors.map((e) => ({ severity: 'error', code: 'chart-yaml-syntax', file, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col, message: `Chart.yaml is not valid YAML: ${e.message.split('\n')[0]}` })) };
  }
  if (!isMap(doc.contents)) return { diagnostics: [{ severity: 'error', code: 'chart-yaml-syntax', file, line: 1, message: 'Chart.yaml must be a YAML mapping with apiVersion, name and version' }] };
  const raw = doc.toJS() as Record<string, unknown>;
  const out: Diagnostic[] = [];

  if (raw.apiVersion !== 'v2') {
    out.push(problem('apiVersion', raw.apiVersion === undefined ? 'field "apiVersion" is missing: it must be "v2"' : `field "apiVersion" is ${JSON.stringify(raw.apiVersion)}: it must be "v2" (Helm 3 charts)`, raw.apiVersion === 'v1' ? 'v1 charts keep dependencies in requirements.yaml; move them into Chart.yaml and set apiVersion: v2' : undefined));
  }
  const name = isStr(raw.name) && chartNamePattern.test(raw.name) ? raw.name : undefined;
  if (raw.name === undefined) out.push(problem('name', 'field "name" is missing'));
  else if (!name) out.push(problem('name', `field "name" is ${JSON.stringify(raw.name)}: use lowercase letters and digits separated by dashes, e.g. "shop-frontend"`));
  const version = typeof raw.version === 'string' ? raw.version : raw.version === undefined ? undefined : String(raw.version);
  if (version === undefined) out.push(problem('version', 'field "version" is missing: use a semantic version such as 1.0.0'));
  else if (typeof raw.version !== 'string' || semver.valid(version) !== version) out.push(problem('version', `field "version" is ${JSON.stringify(raw.version)}: it must be a semantic version such as 1.0.0 (a string, no leading "v")`));
  if (raw.type !== undefined && raw.type !== 'application') {
    out.push(problem('type', `field "type" is ${JSON.stringify(raw.type)}: only "application" charts are hosted here`, raw.type === 'library' ? 'library charts cannot be installed; vendor them into charts/ of the application that uses them' : undefined));
  }
  for (const key of ['description', 'kubeVersion', 'home', 'icon'] as const) {
    if (raw[key] !== undefined && raw[key] !== null && typeof raw[key] !== 'string') out.push(problem(key, `field "${key}" must be a string, got ${JSON.stringify(raw[key])}`));
  }
  // YAML reads `appVersion: 1.10` as a number; Helm keeps it as text, so velahub does too.
  const appVersion = raw.appVersion === undefined || raw.appVersion === null ? undefined : typeof raw.appVersion === 'string' || typeof raw.appVersion === 'number' ? String(raw.appVersion) : undefined;
  if (raw.appVersion !== undefined && raw.appVersion !== null && appVersion === undefined) out.push(problem('appVersion', `field "appVersion" must be a string such as "1.16.0", got ${JSON.stringify(raw.appVersion)}`));
  const keywords = strings(raw, 'keywords', out);
  const sources = strings(raw, 'sources', out);
  let maintainers: ChartMetadata['maintainers'];
  if (raw.maintainers !== undefined && raw.maintainers !== null) {
    if (!Array.isArray(raw.maintainers)) out.push(problem('maintainers', 'field "maintainers" must be a list of {name, email, url}'));
    else {
      maintainers = [];
      raw.maintainers.forEach((m: unknown, i) => {
        const e = m as Record<string, unknown> | null;
        if (!e || typeof e !== 'object' || !isStr(e.name)) out.push(problem(`maintainers[${i}].name`, `field "maintainers[${i}].name" is missing: each maintainer needs a name`));
        else maintainers!.push({ name: e.name, ...(isStr(e.email) ? { email: e.email } : {}), ...(isStr(e.url) ? { url: e.url } : {}) });
      });
    }
  }
  let dependencies: ChartDependency[] | undefined;
  if (raw.dependencies !== undefined && raw.dependencies !== null) {
    if (!Array.isArray(raw.dependencies)) out.push(problem('dependencies', 'field "dependencies" must be a list of {name, version, repository}'));
    else {
      dependencies = [];
      raw.dependencies.forEach((d: unknown, i) => {
        const e = (d && typeof d === 'object' ? d : {}) as Record<string, unknown>;
        const ok = isStr(e.name) && isStr(e.version);
        if (!isStr(e.name)) out.push(problem(`dependencies[${i}].name`, `field "dependencies[${i}].name" is missing`));
        if (!isStr(e.version)) out.push(problem(`dependencies[${i}].version`, `field "dependencies[${i}].version" is missing: give a version or range such as "17.x"`));
        else if (semver.validRange(e.version) === null) out.push(problem(`dependencies[${i}].version`, `field "dependencies[${i}].version" is ${JSON.stringify(e.version)}: not a semver version or range`));
        if (ok) {
          dependencies!.push({
            name: e.name as string,
            version: e.version as string,
            ...(isStr(e.repository) ? { repository: e.repository } : {}),
            ...(isStr(e.condition) ? { condition: e.condition } : {}),
            ...(isStr(e.alias) ? { alias: e.alias } : {}),
            ...(Array.isArray(e.tags) ? { tags: e.tags.map(String) } : {}),
          });
        }
      });
    }
  }
  let annotations: Record<string, string> | undefined;
  if (raw.annotations !== undefined && raw.annotations !== null) {
    if (typeof raw.annotations !== 'object' || Array.isArray(raw.annotations)) out.push(problem('annotations', 'field "annotations" must be a map of strings'));
    else {
      annotations = {};
      for (const [k, v] of Object.entries(raw.annotations as Record<string, unknown>)) {
        if (typeof v !== 'string') out.push(problem(`annotations.${k}`, `field "annotations.${k}" must be a string (quote it), got ${JSON.stringify(v)}`));
        else annotations[k] = v;
      }
    }
  }
  if (raw.deprecated !== undefined && typeof raw.deprecated !== 'boolean') out.push(problem('deprecated', `field "deprecated" must be true or false, got ${JSON.stringify(raw.deprecated)}`));

  const result: ParsedChartYaml = { diagnostics: out, ...(name ? { name } : {}), ...(version ? { version } : {}) };
  if (out.length > 0) return result;
  const metadata: ChartMetadata = { apiVersion: 'v2', name: name!, version: version!, type: 'application' };
  if (isStr(raw.description)) metadata.description = raw.description;
  if (appVersion) metadata.appVersion = appVersion;
  if (isStr(raw.kubeVersion)) metadata.kubeVersion = raw.kubeVersion;
  if (isStr(raw.home)) metadata.home = raw.home;
  if (isStr(raw.icon)) metadata.icon = raw.icon;
  if (keywords?.length) metadata.keywords = keywords;
  if (sources?.length) metadata.sources = sources;
  if (maintainers?.length) metadata.maintainers = maintainers;
  if (dependencies?.length) metadata.dependencies = dependencies;
  if (annotations && Object.keys(annotations).length) metadata.annotations = annotations;
  if (raw.deprecated === true) metadata.deprecated = true;
  return { ...result, metadata };
}

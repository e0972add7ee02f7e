import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import type { CueLine } from '../core/cue/lines.ts';
import type { Diagnostic } from '../core/diagnostics.ts';
import { validateParameters } from '../core/params/validate.ts';
import { renderAddon, type RenderedAddon } from '../core/package/render-addon.ts';
import { parameterFileOf } from '../core/package/render-app.ts';
import type { FetchedAddon } from './fetch-addon.ts';

/**
 * Checks the parameters of an addon and renders it: its Application, NOTES.cue
 * message and config templates, in one {@link renderAddon} call. Unknown
 * given parameters and wrong types are caught by the schema (every problem at once);
 * what is required is decided by CUE, as KubeVela decides it: the values are
 * unified with parameter.cue, so defaults of nested structs fill in.
 */
export async function renderForEnable(fetched: FetchedAddon, parameters: Record<string, unknown>, given: Record<string, unknown>, cue: { cue: CueEvaluator; line: CueLine; upgrade: boolean; signal?: AbortSignal }): Promise<RenderedAddon> {
  const { manifest, files, candidate } = fetched;
  const label = `${candidate.name} ${candidate.version}`;
  // The schema checks what the user gives now; values kept from an earlier enable go to CUE as they are.
  if (manifest.parameterSchema) {
    const problems = validateParameters(manifest.parameterSchema, given, parameterFileOf(files) ?? 'parameter.cue').filter((p) => p.code !== 'parameter-required');
    if (problems.length) throw new VelahubError('EINVALID_PARAMETERS', `${problems.length} invalid parameter(s) for ${candidate.name}: ${problems.map((p) => p.message).join('; ')}`, { data: problems });
  } else if (Object.keys(given).length > 0) {
    throw new VelahubError('EINVALID_PARAMETERS', `${label} takes no parameters (it has no parameter.cue)`, { path: '--set' });
  }
  const explainAppError = (err: unknown): unknown => {
    if (!(err instanceof VelahubError)) return err;
    const list = Array.isArray(err.data) ? (err.data as Diagnostic[]) : [];
    const code = list[0]?.code === 'parameter-required' ? 'EINVALID_PARAMETERS' : err.code;
    return new VelahubError(code, `${label}: ${err.message}`, { data: err.data, path: err.path, hint: err.hint ?? (code === 'EINVALID_PARAMETERS' ? `pass it with --set or -f` : undefined), cause: err });
  };
  return renderAddon({ files, metadata: manifest.metadata, parameters, cue: cue.cue, upgrade: cue.upgrade, line: cue.line, signal: cue.signal, explainAppError });
}

import type { CueEvaluator } from '../cue/evaluator.ts';
import type { CueLine } from '../cue/lines.ts';
import { configTemplatesOf, type ConfigTemplateMap } from './config-template.ts';
import type { PackageFiles } from './files.ts';
import type { AddonMetadata } from './metadata.ts';
import { renderAddonApp, renderAddonNotes, type RenderedAddonApp } from './render-app.ts';

/** Everything of an addon that `vela addon enable` evaluates CUE for. */
export interface RenderedAddon {
  /** The Application and its auxiliary objects ({@link renderAddonApp}). */
  app: RenderedAddonApp;
  /** NOTES.cue's message ({@link renderAddonNotes}); absent when the addon has no NOTES.cue. */
  notes?: string;
  /** The `config-template-NAME` ConfigMaps of config-templates/ ({@link configTemplatesOf}), in path order. */
  configTemplates: ConfigTemplateMap[];
}

/** Options of {@link renderAddon}. */
export interface RenderAddonInput {
  files: PackageFiles;
  metadata: AddonMetadata;
  /** The parameters to enable with (not yet unified with parameter.cue). */
  parameters: Record<string, unknown>;
  cue: CueEvaluator;
  /** The addon is enabled already: NOTES.cue sees `context.installer.upgrade`. */
  upgrade: boolean;
  line?: CueLine;
  signal?: AbortSignal;
  /** Replaces an error of the Application's render (the installer names the addon and the flag to fix it). */
  explainAppError?: (err: unknown) => unknown;
}

/**
 * Renders an addon's Application, its NOTES.cue message and its config templates in
 * one call. They do not depend on each other, so their evaluations go to the CUE pool
 * together (a pool runs them on as many workers as it has) instead of one after the
 * other. The outcome is what the three renders give one by one: on failure, the first
 * failure in the order Application, notes, config templates.
 */
export async function renderAddon(input: RenderAddonInput): Promise<RenderedAddon> {
  const { files, metadata, parameters, cue, line, signal } = input;
  const [app, notes, configTemplates] = await Promise.allSettled([
    renderAddonApp({ files, metadata, parameters, cue, line, signal }),
    renderAddonNotes({ files, metadata, parameters, cue, upgrade: input.upgrade, line, signal }),
    configTemplatesOf(files, cue, { line, signal }),
  ]);
  if (app.status === 'rejected') throw input.explainAppError ? input.explainAppError(app.reason) : app.reason;
  if (notes.status === 'rejected') throw notes.reason;
  if (configTemplates.status === 'rejected') throw configTemplates.reason;
  return { app: app.value, ...(notes.value !== undefined ? { notes: notes.value } : {}), configTemplates: configTemplates.value };
}

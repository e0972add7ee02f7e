/**
 * The cluster half of the addon tests: one test control plane with Flux's and Kruise Rollout's
 * CRDs (what helm-component and bizworks-rollout render) and a namespace of the file's own.
 * Importing this module imports test/cluster/env.ts, which registers the hook that stops a plane
 * the file started itself: import it from test files only.
 */
import { testClusters } from '../cluster/env.ts';
import { ensureNamespace, installCrds, uniqueNamespace } from '../cluster/fixtures.ts';
import { installFluxCrds } from '../cluster/flux.ts';
import { rolloutsCrdManifests } from '../cluster/rollouts.ts';
import type { CueEvaluator } from '../../core/cue/evaluator.ts';
import { Definition, early, fileEvaluator, type Target } from './support.ts';

/**
 * helm-component's `fluxAPI` for objects dry-run on these planes: they serve Flux 2.7's CRDs
 * (HelmRelease v2 only), while helm-component's default is the fluxcd addon's v2beta1, which
 * test/kubevela/test-environment.test.ts runs for real.
 */
export const PLANE_FLUX_API = { fluxAPI: 'v2' } as const;

/**
 * Starts getting the target right away (a plane starts while the first renders run): the
 * namespace name is known at once, for rendering with context.namespace.
 */
export function addonTarget(prefix: string): { namespace: string; ready: Promise<Target> } {
  const namespace = uniqueNamespace(prefix);
  const ready = early(
    (async () => {
      const [kc] = await testClusters(1);
      await installFluxCrds(kc!);
      await installCrds(kc!, await rolloutsCrdManifests());
      await ensureNamespace(kc!, namespace);
      return { kc: kc!, namespace };
    })(),
  );
  return { namespace, ready };
}

/**
 * What the test file of one shipped addon starts with: a file-wide evaluator, its target (see
 * {@link addonTarget}, namespace `<prefix>-…`) and the addon's definition of the same name.
 */
export async function addonUnderTest(addon: string, prefix: string): Promise<{ cue: CueEvaluator; target: ReturnType<typeof addonTarget>; ns: string; def: Definition }> {
  const cue = fileEvaluator();
  const target = addonTarget(prefix);
  return { cue, target, ns: target.namespace, def: await Definition.load(cue, addon) };
}

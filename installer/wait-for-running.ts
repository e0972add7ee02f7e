import { VelahubError } from '../core/errors.ts';
import { applicationName } from './addon-objects.ts';
import type { InstallEvent } from './install-event.ts';
import type { Kube } from './kube.ts';

/** Waits until vela-core reports the addon's Application running, bounded, with progress. */
export async function waitForRunning(kube: Kube, name: string, namespace: string, opts: { waitTimeoutMs?: number; onEvent?: (e: InstallEvent) => void; signal?: AbortSignal }): Promise<void> {
  const timeout = opts.waitTimeoutMs ?? 300_000;
  const started = Date.now();
  const ref = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: applicationName(name), namespace } };
  for (;;) {
    const app = await kube.get(ref);
    const status = (app as { status?: { status?: string; observedGeneration?: number } } | undefined)?.status;
    const phase = status?.status;
    // As `vela addon enable` waits: running, and the status is of this generation, not the last one.
    if (phase === 'running' && (status?.observedGeneration ?? 0) >= (app?.metadata.generation ?? 0)) return;
    const elapsedMs = Date.now() - started;
    if (elapsedMs > timeout) {
      throw new VelahubError('ETIMEOUT', `${kube.context}: ${applicationName(name)} did not reach phase running within ${Math.round(timeout / 1000)} s (phase: ${phase ?? 'none'})`, { hint: `check it with: vela status ${applicationName(name)} -n ${namespace}` });
    }
    opts.onEvent?.({ kind: 'wait', cluster: kube.context, name, elapsedMs });
    await new Promise((r) => setTimeout(r, 1000));
    opts.signal?.throwIfAborted();
  }
}

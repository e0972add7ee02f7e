import { VelahubError } from '../core/errors.ts';
import { applicationName } from './addon-objects.ts';
import type { InstallEvent } from './install-event.ts';
import type { Kube } from './kube.ts';

/** What vela-core reports of one component of an Application (status.services). */
interface ServiceStatus {
  name?: string;
  healthy?: boolean;
  message?: string;
  traits?: Array<{ type?: string; healthy?: boolean; message?: string }>;
}

/**
 * The components (and traits) vela-core reports unhealthy, each with its status message, e.g.
 * `web: InstallFailed: Helm install failed ...`: why an addon is not running yet, in the words
 * of its definitions' custom status.
 */
export function unhealthyParts(services: readonly ServiceStatus[] | undefined): string[] {
  const out: string[] = [];
  for (const s of services ?? []) {
    const name = s.name ?? '(unnamed)';
    if (s.healthy === false) out.push(s.message ? `${name}: ${s.message}` : name);
    for (const t of s.traits ?? []) if (t.healthy === false) out.push(`${name} trait ${t.type ?? '(unnamed)'}${t.message ? `: ${t.message}` : ''}`);
  }
  return out;
}

/** Waits until vela-core reports the addon's Application running, bounded, with progress and what is not healthy yet. */
export async function waitForRunning(kube: Kube, name: string, namespace: string, opts: { waitTimeoutMs?: number; onEvent?: (e: InstallEvent) => void; signal?: AbortSignal }): Promise<void> {
  const timeout = opts.waitTimeoutMs ?? 300_000;
  const started = Date.now();
  const ref = { apiVersion: 'core.oam.dev/v1beta1', kind: 'Application', metadata: { name: applicationName(name), namespace } };
  for (;;) {
    const app = await kube.get(ref);
    const status = (app as { status?: { status?: string; observedGeneration?: number; services?: ServiceStatus[] } } | undefined)?.status;
    const phase = status?.status;
    // As `vela addon enable` waits: running, and the status is of this generation, not the last one.
    if (phase === 'running' && (status?.observedGeneration ?? 0) >= (app?.metadata.generation ?? 0)) return;
    const elapsedMs = Date.now() - started;
    const unhealthy = unhealthyParts(status?.services);
    if (elapsedMs > timeout) {
      const why = unhealthy.length ? `; not healthy: ${unhealthy.join('; ')}` : '';
      throw new VelahubError('ETIMEOUT', `${kube.context}: ${applicationName(name)} did not reach phase running within ${Math.round(timeout / 1000)} s (phase: ${phase ?? 'none'})${why}`, { hint: `check it with: vela status ${applicationName(name)} -n ${namespace}` });
    }
    opts.onEvent?.({ kind: 'wait', cluster: kube.context, name, elapsedMs, unhealthy });
    await new Promise((r) => setTimeout(r, 1000));
    opts.signal?.throwIfAborted();
  }
}

import { VelahubError } from '../core/errors.ts';
import type { RegistrySnapshot } from '../core/resolve/types.ts';
import type { InstallEvent } from './install-event.ts';
import { readRegistryIndex, type RegistrySource } from './registry-index.ts';

/** Reads every registry's index (unreachable ones are kept, marked, and skipped later). */
export async function loadRegistries(sources: RegistrySource[], onEvent?: (e: InstallEvent) => void, signal?: AbortSignal): Promise<RegistrySnapshot[]> {
  if (sources.length === 0) throw new VelahubError('EUSAGE', 'no registry configured: velahub registry add NAME URL, or set VELAHUB_REGISTRY', { path: '--registry' });
  const snapshots = await Promise.all(sources.map((s) => readRegistryIndex(s, signal)));
  for (const s of snapshots) onEvent?.({ kind: 'registry', name: s.name, error: s.error });
  return snapshots;
}

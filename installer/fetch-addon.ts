import semver from 'semver';
import { refusal } from '../core/diagnostics.ts';
import { VelahubError } from '../core/errors.ts';
import type { CueEvaluator } from '../core/cue/evaluator.ts';
import { unpackArchive } from '../core/package/archive.ts';
import { inspectAddon, type AddonManifest } from '../core/package/inspect.ts';
import type { PackageFiles } from '../core/package/files.ts';
import type { Candidate } from '../core/resolve/types.ts';
import { downloadVerified, type RegistrySource } from './registry-index.ts';
import { storedManifestFor } from './stored-manifest.ts';

/** An addon version downloaded, verified and validated. */
export interface FetchedAddon {
  candidate: Candidate;
  files: PackageFiles;
  manifest: AddonManifest;
}

/** Options of {@link AddonFetcher}. */
export interface FetcherOptions {
  /** Evaluate every archive's CUE, even when its registry stored a manifest for the same digest. */
  verify?: boolean;
}

/**
 * Downloads, verifies (sha256 against the index) and validates addon versions,
 * once per digest however many clusters install them. From a velahub registry
 * the manifest it stored at publish is used when its digest is the verified
 * archive's (the CUE was evaluated then); otherwise, or with `verify`, the
 * archive's CUE is evaluated here.
 */
export class AddonFetcher {
  readonly #cache = new Map<string, Promise<FetchedAddon>>();

  constructor(
    readonly cue: CueEvaluator,
    readonly sources: RegistrySource[],
    readonly options: FetcherOptions = {},
  ) {}

  /** The validated addon for a candidate. */
  fetch(candidate: Candidate, signal?: AbortSignal): Promise<FetchedAddon> {
    const key = candidate.digest || `${candidate.registry}/${candidate.name}@${candidate.version}`;
    let p = this.#cache.get(key);
    if (!p) {
      p = this.#load(candidate, signal);
      this.#cache.set(key, p);
      p.catch(() => this.#cache.delete(key));
    }
    return p;
  }

  async #load(candidate: Candidate, signal?: AbortSignal): Promise<FetchedAddon> {
    const source = this.sources.find((s) => s.name === candidate.registry);
    // Both at once: the stored manifest is only used once the archive's digest is verified equal to it.
    const [data, stored] = await Promise.all([downloadVerified(candidate, source, signal), this.options.verify ? undefined : storedManifestFor(candidate, source, signal)]);
    const { top, files } = await unpackArchive(data);
    const manifest = stored ?? (await this.#evaluate(candidate, files, signal));
    const m = manifest.metadata;
    // `v1.9.5` in metadata.yaml is the index's 1.9.5 (11 catalog addons write a leading v).
    const sameVersion = m.version === candidate.version || (semver.valid(m.version) !== null && semver.valid(m.version) === semver.valid(candidate.version));
    if (m.name !== candidate.name || !sameVersion || top !== m.name) {
      throw new VelahubError('EINVALID', `the archive for ${candidate.name} ${candidate.version} holds ${m.name} ${m.version} (folder ${top}): refusing a mislabelled archive`);
    }
    return { candidate, files, manifest };
  }

  async #evaluate(candidate: Candidate, files: PackageFiles, signal?: AbortSignal): Promise<AddonManifest> {
    const result = await inspectAddon(files, this.cue, { signal });
    if (!result.manifest) {
      throw refusal(`${candidate.name} ${candidate.version} from ${candidate.registry}`, result.diagnostics);
    }
    return result.manifest;
  }
}

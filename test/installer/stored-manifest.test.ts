/**
 * The installer trusts the manifest a velahub registry stored at publish when its digest is the
 * verified archive's, and evaluates the archive's CUE otherwise: with `verify`, when the stored
 * manifest names another digest, and for registries that are not velahub. No cluster needed:
 * the fetcher alone, against a real registry (and mirrors of it that change one answer).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CueEvaluator, type InspectCallOptions } from '../../core/cue/evaluator.ts';
import type { AddonManifest } from '../../core/package/inspect.ts';
import type { Candidate } from '../../core/resolve/types.ts';
import { AddonFetcher, type FetcherOptions } from '../../installer/fetch-addon.ts';
import { readRegistryIndex, type RegistrySource } from '../../installer/registry-index.ts';
import { metadata, serve, startTestRegistry, traitCue, type TestRegistry } from './harness.ts';

/** An evaluator that counts the definitions it is asked to inspect (cached answers included). */
class CountingEvaluator extends CueEvaluator {
  inspections = 0;
  override inspect(source: string, file: string, options?: AbortSignal | InspectCallOptions) {
    this.inspections++;
    return super.inspect(source, file, options);
  }
}

/** What enabling reads from a manifest (warnings aside: publish may add its own). */
const essentials = (m: AddonManifest) => ({ metadata: m.metadata, definitions: m.definitions, parameterSchema: m.parameterSchema });

describe('installer: the stored manifest', () => {
  let registry: TestRegistry;
  const mirrors: Array<{ close: () => Promise<void> }> = [];

  before(async () => {
    registry = await startTestRegistry({ seed: false });
    await registry.publish({
      'metadata.yaml': metadata('sm-demo', '1.0.0'),
      'parameter.cue': 'parameter: {\n\t// +usage=Replicas\n\treplicas: *1 | int\n}\n',
      'definitions/sm-label.cue': traitCue('sm-label'),
    });
  });
  after(async () => {
    for (const m of mirrors) await m.close();
    await registry?.close();
  });

  /** Fetches sm-demo 1.0.0 from `source` with a fresh counting evaluator. */
  const fetchDemo = async (source: RegistrySource, options: FetcherOptions = {}) => {
    const snapshot = await readRegistryIndex(source);
    const candidate = snapshot.addons.get('sm-demo')![0]!;
    const cue = new CountingEvaluator(registry.server.registry.cue.pool);
    const fetched = await new AddonFetcher(cue, [source], options).fetch(candidate);
    return { candidate, fetched, inspections: cue.inspections };
  };

  /** A mirror of the registry answering `change(path, body)` instead, and counting manifest requests. */
  const mirror = async (change: (path: string, body: Buffer) => Buffer = (_p, b) => b) => {
    const seen = { manifests: 0 };
    const server = await serve(async (path) => {
      if (path.endsWith('/manifest')) seen.manifests++;
      return change(path, Buffer.from(await (await fetch(`${registry.url}${path}`)).arrayBuffer()));
    });
    mirrors.push(server);
    return { source: { name: 'mirror', url: server.url }, seen };
  };

  test('GET .../versions/V/manifest: the manifest and its archive digest; an unknown version or addon is 404 ENOT_FOUND naming what exists', async () => {
    const ok = await fetch(`${registry.url}/api/v1/addons/sm-demo/versions/1.0.0/manifest`);
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { name: string; version: string; digest: string; manifest: AddonManifest };
    const candidate = (await readRegistryIndex(registry.source())).addons.get('sm-demo')![0]!;
    assert.deepEqual([body.name, body.version, body.digest], ['sm-demo', '1.0.0', candidate.digest]);
    assert.deepEqual(body.manifest.definitions.map((d) => d.name), ['sm-label']);
    for (const [path, mentions] of [['sm-demo/versions/9.9.9', /sm-demo@9\.9\.9 not found: available versions are 1\.0\.0/], ['nope/versions/1.0.0', /addon "nope" not found/]] as const) {
      const res = await fetch(`${registry.url}/api/v1/addons/${path}/manifest`);
      const err = (await res.json()) as { code: string; error: string };
      assert.equal(res.status, 404, path);
      assert.equal(err.code, 'ENOT_FOUND');
      assert.match(err.error, mentions);
    }
  });

  test('from a velahub registry with the same digest: the stored manifest, no CUE inspection', async () => {
    const { candidate, fetched, inspections } = await fetchDemo(registry.source());
    assert.match(candidate.manifestUrl ?? '', /\/api\/v1\/addons\/sm-demo\/versions\/1\.0\.0\/manifest$/);
    assert.equal(inspections, 0);
    const evaluated = await fetchDemo(registry.source(), { verify: true });
    assert.deepEqual(essentials(fetched.manifest), essentials(evaluated.fetched.manifest), 'the stored manifest is what evaluating gives');
    assert.ok(fetched.files.has('definitions/sm-label.cue'), "the archive's files are still there for rendering");
  });

  test('verify: the CUE is evaluated, the stored manifest not even asked for', async () => {
    const { source, seen } = await mirror();
    const { inspections } = await fetchDemo(source, { verify: true });
    assert.ok(inspections > 0, 'inspected');
    assert.equal(seen.manifests, 0);
  });

  test('a stored manifest naming another digest is not used: the CUE is evaluated', async () => {
    const { source, seen } = await mirror((path, body) => {
      if (!path.endsWith('/manifest')) return body;
      const stored = JSON.parse(body.toString()) as { digest: string; manifest: AddonManifest };
      stored.manifest.definitions[0]!.template = 'patch: {}';
      return Buffer.from(JSON.stringify({ ...stored, digest: `sha256:${'0'.repeat(64)}` }));
    });
    const { fetched, inspections } = await fetchDemo(source);
    assert.equal(seen.manifests, 1);
    assert.ok(inspections > 0, 'inspected');
    assert.notEqual(fetched.manifest.definitions[0]!.template, 'patch: {}');
  });

  test('an unreadable or missing stored manifest: the CUE is evaluated', async () => {
    const { source } = await mirror((path, body) => (path.endsWith('/manifest') ? Buffer.from('{"error": "no route"}') : body));
    assert.ok((await fetchDemo(source)).inspections > 0);
  });

  test('a registry that is not velahub (no velahub annotations in its index): evaluated, nothing else asked', async () => {
    const { source, seen } = await mirror((path, body) => (path === '/index.yaml' ? Buffer.from(body.toString().replace(/^\s+velahub\.dev\/.*\n/gm, '')) : body));
    const { candidate, inspections } = await fetchDemo(source);
    assert.equal((candidate as Candidate).manifestUrl, undefined);
    assert.ok(inspections > 0);
    assert.equal(seen.manifests, 0);
  });
});

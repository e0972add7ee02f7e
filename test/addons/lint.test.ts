/**
 * The addons velahub ships lint clean under --strict (what `velahub lint --strict addons/*`
 * runs: loadPackage + inspectAddon), hold the definitions the brief lists, and document every
 * parameter at every nesting level.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inspectAddon, type AddonManifest } from '../../core/package/inspect.ts';
import { loadPackage } from '../../core/package/load.ts';
import { parseRange } from '../../core/package/versions.ts';
import type { JsonSchema } from '../../core/params/schema.ts';
import { addonNames, addonsRoot, early, fileEvaluator } from './support.ts';

const cue = fileEvaluator();

/** What each addon of the brief provides: definition type/name pairs. */
const expected: Record<string, string[]> = {
  'bizworks-ingress': ['trait/bizworks-ingress'],
  'bizworks-platform': [],
  'bizworks-rollout': ['trait/bizworks-rollout'],
  'helm-component': ['component/helm-component'],
  'hpa-trait': ['trait/hpa-trait'],
  'stateful-component': ['component/stateful-component'],
  'stateless-component': ['component/stateless-component'],
};

const names = await addonNames();
const linted = new Map(
  names.map((name) => [
    name,
    early(
      (async () => {
        const loaded = await loadPackage(join(addonsRoot, name), { cue, version: '0.0.0' });
        assert.equal(loaded.kind, 'folder');
        return inspectAddon(loaded.files, cue, { strict: true });
      })(),
    ),
  ]),
);

async function manifestOf(name: string): Promise<AddonManifest> {
  const { manifest, diagnostics } = await linted.get(name)!;
  assert.ok(manifest, `addons/${name} is refused: ${JSON.stringify(diagnostics)}`);
  return manifest;
}

/**
 * Every parameter (property) at every nesting level, as a path (`route[].annotations[].name`,
 * `labels.*`), with its description.
 */
function parameters(schema: JsonSchema, path = ''): Array<{ path: string; description?: string }> {
  const out: Array<{ path: string; description?: string }> = [];
  const nested = (s: JsonSchema, p: string): void => {
    out.push(...parameters(s, p));
    if (s.items) nested(s.items, `${p}[]`);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') nested(s.additionalProperties, `${p}.*`);
    for (const key of ['oneOf', 'anyOf', 'allOf'] as const) for (const alt of s[key] ?? []) nested(alt, p);
  };
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const p = path ? `${path}.${name}` : name;
    out.push({ path: p, description: prop.description });
    nested(prop, p);
  }
  if (!path) {
    // The root itself may be a list or map of structs.
    if (schema.items) nested(schema.items, '[]');
  }
  return out;
}

const undocumented = (schema: JsonSchema) => parameters(schema).filter((p) => !p.description?.trim()).map((p) => p.path);

describe('shipped addons: velahub lint --strict addons/*', () => {
  test('addons/ holds the addons of the brief and the rollout addon of its roadmap', () => {
    assert.deepEqual(names, Object.keys(expected).sort());
  });

  for (const name of Object.keys(expected)) {
    test(`addons/${name}: no diagnostics at all, and the definitions the brief lists`, async () => {
      const { diagnostics } = await linted.get(name)!;
      assert.deepEqual(diagnostics, []);
      const manifest = await manifestOf(name);
      assert.equal(manifest.metadata.name, name);
      assert.ok(manifest.readme.trim().length > 0, 'README.md is not empty');
      assert.deepEqual(manifest.definitions.map((d) => `${d.type}/${d.name}`).sort(), expected[name]);
      for (const d of manifest.definitions) {
        assert.ok(d.description.trim().length > 0, `${d.name} has a description`);
        assert.equal(d.file, `definitions/${d.name}.cue`);
      }
    });
  }

  // The rollout addon stays out of the platform: it brings Kruise Rollout, which not every platform runs.
  test('bizworks-platform depends on the five of the brief, with ranges the shipped versions satisfy', async () => {
    const platform = await manifestOf('bizworks-platform');
    const deps = platform.metadata.dependencies ?? [];
    assert.deepEqual(deps.map((d) => d.name).sort(), Object.keys(expected).filter((n) => n !== 'bizworks-platform' && n !== 'bizworks-rollout').sort());
    for (const dep of deps) {
      const { metadata } = await manifestOf(dep.name);
      const range = parseRange(dep.version ?? '*');
      assert.ok(range, `${dep.name}: "${dep.version}" is a range`);
      assert.ok(range.test(metadata.version), `${dep.name} ${metadata.version} does not satisfy "${dep.version}"`);
    }
  });

  test('helm-component depends on the fluxcd addon through a version range', async () => {
    const helm = await manifestOf('helm-component');
    const flux = (helm.metadata.dependencies ?? []).find((d) => d.name === 'fluxcd');
    assert.ok(flux?.version, 'a fluxcd dependency with a version');
    assert.ok(parseRange(flux.version), `"${flux.version}" is a range`);
  });
});

describe('shipped addons: +usage on every parameter at every nesting level', () => {
  test('the walk finds an undocumented parameter however deep (self-check)', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        a: { type: 'string', description: 'documented' },
        list: {
          type: 'array',
          description: 'documented',
          items: { type: 'object', properties: { deep: { type: 'object', description: 'documented', properties: { leaf: { type: 'string', description: ' ' } } } } },
        },
        map: { type: 'object', description: 'documented', additionalProperties: { type: 'object', properties: { x: { type: 'string' } } } },
      },
    };
    assert.deepEqual(undocumented(schema), ['list[].deep.leaf', 'map.*.x']);
  });

  const deepest: Record<string, string[]> = {
    'bizworks-ingress': ['route[].annotations[].name', 'route[].annotations[].value', 'route[].classInSpec'],
    'stateless-component': ['livenessProbe.httpGet.httpHeaders[].value', 'env[].valueFrom.secretKeyRef.key', 'volumes[].items[].path', 'limits.memory'],
    'stateful-component': ['storage[].accessModes', 'updateStrategy.partition', 'readinessProbe.exec.command', 'env[].valueFrom.configMapKeyRef.name'],
    'helm-component': ['values', 'fluxAPI', 'repoType'],
    'hpa-trait': ['min', 'max', 'scaleDownStabilizationSeconds'],
    'bizworks-rollout': ['batches[].replicas', 'batches[].weight', 'traffic.gracePeriodSeconds', 'workload.name'],
  };

  for (const [name, paths] of Object.entries(deepest)) {
    test(`${name}: every parameter has a non-empty +usage description`, async () => {
      const [definition] = (await manifestOf(name)).definitions;
      assert.ok(definition);
      const all = parameters(definition.schema).map((p) => p.path);
      // The walk reached the deepest levels (so an empty result below means something).
      for (const p of paths) assert.ok(all.includes(p), `the walk did not reach ${p}; it saw ${all.join(', ')}`);
      assert.deepEqual(undocumented(definition.schema), []);
    });
  }
});

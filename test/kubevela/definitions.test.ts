/**
 * What the real vela-core and vela CLI make of velahub's bundled definitions: the
 * `{component,trait}-schema-NAME` ConfigMap vela-core writes equals the parameter schema velahub
 * stored at publish, and `vela show NAME` lists the same rows (name, type, required, default) as
 * velahub's parameter reference.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kubeVelaCluster, type KubeVelaTestCluster } from '../cluster/env.ts';
import { ensureNamespace, uniqueNamespace } from '../cluster/fixtures.ts';
import { enableAddons } from '../../installer/enable.ts';
import { Kube } from '../../installer/kube.ts';
import { startTestRegistry, type TestRegistry } from '../support/installer-registry.ts';
import { describeVela, vela } from '../support/vela.ts';

/** The bundled definitions (helm-component's needs fluxcd's CRDs to render, not to have a schema). */
const DEFINITIONS = [
  { addon: 'stateless-component', name: 'stateless-component', type: 'component' },
  { addon: 'stateful-component', name: 'stateful-component', type: 'component' },
  { addon: 'bizworks-ingress', name: 'bizworks-ingress', type: 'trait' },
  { addon: 'hpa-trait', name: 'hpa-trait', type: 'trait' },
] as const;

interface ParameterRow {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
}

describe('the real vela-core and vela CLI read velahub\'s definitions as velahub documents them', () => {
  let cluster: KubeVelaTestCluster;
  let registry: TestRegistry;
  let kube: Kube;
  const ns = uniqueNamespace('defs');

  const stored = async (addon: string, name: string) => {
    const res = await fetch(`${registry.url}/api/v1/addons/${addon}/versions/1.0.0/definitions/${name}`);
    assert.equal(res.status, 200);
    return (await res.json()) as { schema: unknown; parameters: ParameterRow[] };
  };

  before(async () => {
    [cluster, registry] = await Promise.all([kubeVelaCluster(), startTestRegistry()]);
    kube = new Kube(cluster.kc);
    await ensureNamespace(cluster.kc, ns);
    // Into a namespace of this file's own: vela-core writes the schema ConfigMaps next to each definition.
    await enableAddons({ requested: DEFINITIONS.map((d) => ({ name: d.addon })), clusters: [kube], registries: [registry.source()], cue: registry.server.registry.cue, namespace: ns });
  });
  after(() => registry?.close());

  for (const d of DEFINITIONS) {
    test(`${d.name}: the ${d.type}-schema-${d.name} ConfigMap vela-core writes equals the schema velahub stored`, { timeout: 120_000 }, async () => {
      const cmName = `${d.type}-schema-${d.name}`;
      const deadline = Date.now() + 90_000;
      let cm: { data?: Record<string, string> } | undefined;
      while (!(cm = (await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cmName, namespace: ns } })) as typeof cm)?.data?.['openapi-v3-json-schema']) {
        assert.ok(Date.now() < deadline, `vela-core wrote no ConfigMap ${ns}/${cmName} in 90 s`);
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.deepEqual(JSON.parse(cm!.data!['openapi-v3-json-schema']!), (await stored(d.addon, d.name)).schema);
    });

    test(`${d.name}: vela show lists the rows velahub's parameter reference lists`, { timeout: 120_000 }, async () => {
      const args = ['show', d.name, '-n', ns];
      const r = await vela(cluster, args);
      assert.equal(r.code, 0, describeVela(args, r));
      const theirs = velaShowRows(r.stdout);
      const ours = flatten((await stored(d.addon, d.name)).parameters);
      assert.deepEqual(theirs.map((x) => x.name).sort(), ours.map((x) => x.name).sort(), describeVela(args, r));
      for (const row of ours) {
        const t = theirs.find((x) => x.name === row.name)!;
        assert.equal(t.required, row.required, `${row.name}: required`);
        if (row.default !== undefined) assert.equal(t.default, String(row.default), `${row.name}: default`);
      }
    });
  }
});

/** Top-level rows of velahub's reference (vela show prints nested objects in tables of their own, by name). */
function flatten(rows: ParameterRow[]): ParameterRow[] {
  return rows;
}

/**
 * The parameter rows of `vela show`'s first table (`| NAME | DESCRIPTION | TYPE | REQUIRED | DEFAULT |`).
 */
function velaShowRows(out: string): Array<{ name: string; type: string; required: boolean; default: string }> {
  const lines = out.split('\n');
  const header = lines.findIndex((l) => /\bNAME\b.*\bDESCRIPTION\b.*\bTYPE\b.*\bREQUIRED\b.*\bDEFAULT\b/.test(l));
  if (header < 0) return [];
  const rows: Array<{ name: string; type: string; required: boolean; default: string }> = [];
  for (const line of lines.slice(header + 1)) {
    if (/^\s*[+|-]*[-+]+[-+|]*\s*$/.test(line)) continue;
    if (!line.trim().startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length < 5) break;
    rows.push({ name: cells[0]!, type: cells[2]!, required: cells[3] === 'true', default: cells[4]! });
  }
  return rows;
}

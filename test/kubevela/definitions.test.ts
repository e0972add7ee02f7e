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
import type { ParamTable } from '../../core/params/reference.ts';
import { bundledVersion } from '../support/bundled.ts';

/** The bundled definitions (helm-component's needs fluxcd's CRDs to render, not to have a schema). */
const DEFINITIONS = [
  { addon: 'stateless-component', name: 'stateless-component', type: 'component' },
  { addon: 'stateful-component', name: 'stateful-component', type: 'component' },
  { addon: 'bizworks-ingress', name: 'bizworks-ingress', type: 'trait' },
  { addon: 'hpa-trait', name: 'hpa-trait', type: 'trait' },
] as const;


describe('the real vela-core and vela CLI read velahub\'s definitions as velahub documents them', () => {
  let cluster: KubeVelaTestCluster;
  let registry: TestRegistry;
  let kube: Kube;
  const ns = uniqueNamespace('defs');

  const stored = async (addon: string, name: string) => {
    const res = await fetch(`${registry.url}/api/v1/addons/${addon}/versions/${bundledVersion(addon)}/definitions/${name}`);
    assert.equal(res.status, 200);
    return (await res.json()) as { schema: unknown; parameters: ParamTable[] };
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
      // The schema velahub stored at publish as KubeVela stores it (the docs' schema adds `x-definition` titles).
      const version = await registry.server.registry.store.getVersion(d.addon, bundledVersion(d.addon));
      const def = version!.manifest.definitions.find((x) => x.name === d.name) as { kubevelaSchema?: unknown } | undefined;
      assert.ok(def?.kubevelaSchema, `${d.addon} ${bundledVersion(d.addon)} stored a KubeVela schema for ${d.name}`);
      assert.deepEqual(JSON.parse(cm!.data!['openapi-v3-json-schema']!), def.kubevelaSchema);
    });

    test(`${d.name}: vela show lists the tables and rows (name, required, default) of velahub's parameter reference`, { timeout: 120_000 }, async () => {
      const args = ['show', d.name, '-n', ns];
      const r = await vela(cluster, args);
      assert.equal(r.code, 0, describeVela(args, r));
      const theirs = velaShowTables(r.stdout);
      const ours = (await stored(d.addon, d.name)).parameters;
      // vela titles a nested table with the field's name; velahub keys it by its path.
      const titleOf = (t: ParamTable) => t.path.split('.').pop()!.replace(/\[\]$/, '') || 'Specification';
      assert.deepEqual(ours.map(titleOf).sort(), theirs.map((t) => t.title).sort(), `the same tables\n${r.stdout}`);
      const left = [...theirs];
      for (const table of ours) {
        const names = table.params.map((p) => p.name);
        // Two fields may share a name (httpGet of both probes): take vela's table with this title and these rows.
        const at = left.findIndex((t) => t.title === titleOf(table) && JSON.stringify(t.rows.map((x) => x.name)) === JSON.stringify(names));
        assert.ok(at >= 0, `${table.path || 'the top level'}: vela show prints a table "${titleOf(table)}" with the rows ${names.join(', ')}\n${r.stdout}`);
        const rows = left.splice(at, 1)[0]!.rows;
        for (const p of table.params) {
          const t = rows.find((x) => x.name === p.name)!;
          // vela's docgen prints no default for a list or struct and then calls the field required
          // (stateful-component's storage.accessModes: *["ReadWriteOnce"] | [...]); it is not: it has a default.
          if (!(p.default !== undefined && typeof p.default === 'object' && t.default === '')) assert.equal(t.required, p.required, `${titleOf(table)}.${p.name}: required`);
          // vela show prints an empty string default as "empty" (references/docgen/parser.go).
          if (p.default !== undefined && typeof p.default !== 'object') assert.equal(t.default, p.default === '' ? 'empty' : String(p.default), `${titleOf(table)}.${p.name}: default`);
        }
      }
    });
  }
});

/**
 * The tables `vela show` prints: `# Specification` and one `## NAME` (or deeper) per nested struct,
 * each `| NAME | DESCRIPTION | TYPE | REQUIRED | DEFAULT |`; a row whose description wraps goes on
 * in lines with an empty NAME cell.
 */
function velaShowTables(out: string): Array<{ title: string; rows: Array<{ name: string; type: string; required: boolean; default: string }> }> {
  const tables: Array<{ title: string; rows: Array<{ name: string; type: string; required: boolean; default: string }> }> = [];
  let current: Array<{ name: string; type: string; required: boolean; default: string }> | undefined;
  for (const line of out.split('\n')) {
    const heading = /^#+\s+(\S+)/.exec(line);
    if (heading) {
      current = [];
      tables.push({ title: heading[1]!, rows: current });
      continue;
    }
    if (!current || !line.startsWith('|')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length < 5 || cells[0] === 'NAME' || cells[0] === '') continue;
    current.push({ name: cells[0]!, type: cells[2]!, required: cells[3] === 'true', default: cells[4]! });
  }
  return tables;
}

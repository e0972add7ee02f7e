/**
 * Golden files for the cluster commands `plan`, `enable`, `list` and `status`, in every `-o`
 * format, against a real control plane (started by `npm test -- cli/golden`, or by this file when
 * run alone) and a registry holding fixture addons published at a fixed time.
 * `UPDATE_GOLDEN=1` rewrites test/cli/testdata/{plan,enable,list,status}/ after a deliberate change.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { after, before, describe, test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { testClusters } from '../../cluster/env.ts';
import { deleteNamespace } from '../../cluster/fixtures.ts';
import { tempDir } from '../../support/addons.ts';
import { describeRun, type CliResult } from '../../support/cli.ts';
import { assertGolden } from '../../support/golden.ts';
import { setApplicationPhase, velaNamespace, type TestRegistry } from '../../installer/harness.ts';
import { formats, normalise, startGoldenRegistry, velahubAt } from './harness.ts';

const T = { timeout: 240_000 };

describe('golden: cluster commands', () => {
  let kc: KubeConfig;
  let registry: TestRegistry;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let kubeconfig: string;
  const namespaces: string[] = [];

  before(async () => {
    let kcs: KubeConfig[];
    [kcs, registry, tmp] = await Promise.all([testClusters(1), startGoldenRegistry(), tempDir()]);
    kc = kcs[0]!;
    kubeconfig = join(tmp.dir, 'kubeconfig');
    await writeFile(kubeconfig, kc.exportConfig());
  });
  after(async () => {
    await Promise.allSettled(namespaces.map((ns) => deleteNamespace(kc, ns)));
    await registry?.close();
    await tmp?.cleanup();
  });

  const freshNamespace = async () => {
    const ns = await velaNamespace(kc, { prefix: 'golden' });
    namespaces.push(ns);
    return ns;
  };

  /** `velahub ARGS` against the test cluster's namespace `ns` and the fixture registry. */
  const velahub = (ns: string, args: string[]): Promise<CliResult> =>
    velahubAt([...args, '--kubeconfig', kubeconfig, '--context', kc.getCurrentContext(), '--vela-namespace', ns, '--registry', registry.url], join(tmp.dir, 'config.yaml'));

  const pin = async (golden: string, ns: string, r: CliResult) => {
    assert.equal(r.code, 0, describeRun(r));
    await assertGolden(`${golden}.txt`, normalise(r.stdout, { registry: registry.url, namespace: ns }));
  };

  test('plan: golden-app and its dependency, nothing installed', T, async () => {
    const ns = await freshNamespace();
    for (const f of formats) await pin(`plan/install-${f.name}`, ns, await velahub(ns, ['plan', 'golden-app@^1.0.0', ...f.args]));
  });

  test('enable: a deprecated version with its dependency and NOTES.cue', T, async () => {
    for (const f of formats) {
      const ns = await freshNamespace();
      await pin(`enable/deprecated-${f.name}`, ns, await velahub(ns, ['enable', 'golden-app@1.0.0', ...f.args]));
    }
  });

  test('enable --dry-run -o yaml|json: every object it would apply, dependencies first, the Application before what it owns; nothing written', T, async () => {
    const ns = await freshNamespace();
    const yaml = await velahub(ns, ['enable', 'golden-app@1.0.0', '--dry-run', '-o', 'yaml']);
    assert.equal(yaml.code, 0, describeRun(yaml));
    assert.match(yaml.stdout, /^# cluster: /);
    const docs = parseAllDocuments(yaml.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; labels?: Record<string, string> } } | null).filter((d) => d !== null);
    const apps = docs.filter((d) => d.kind === 'Application').map((d) => d.metadata.name);
    assert.equal(apps.length, 2, `two Applications (golden-app and its dependency): ${apps.join(', ')}`);
    assert.equal(apps[1], 'addon-golden-app', 'the dependency comes first');
    assert.equal(docs[0]!.kind, 'Application');
    const json = await velahub(ns, ['enable', 'golden-app@1.0.0', '--dry-run', '-o', 'json']);
    assert.equal(json.code, 0, describeRun(json));
    const parsed = JSON.parse(json.stdout) as Array<{ cluster: string; objects: Array<{ kind: string; metadata: { name: string } }> }>;
    assert.deepEqual(parsed[0]!.objects.map((o) => `${o.kind}/${o.metadata.name}`), docs.map((d) => `${d.kind}/${d.metadata.name}`));
    const list = await velahub(ns, ['list', '-o', 'json']);
    assert.deepEqual(JSON.parse(list.stdout), [], 'nothing was enabled');
  });

  test('list and status: a running, deprecated addon with a newer version', T, async () => {
    const ns = await freshNamespace();
    const enabled = await velahub(ns, ['enable', 'golden-app@1.0.0']);
    assert.equal(enabled.code, 0, describeRun(enabled));
    await setApplicationPhase(kc, ns, 'addon-golden-app', 'running');
    for (const f of formats) await pin(`list/enabled-${f.name}`, ns, await velahub(ns, ['list', ...f.args]));
    for (const f of formats) await pin(`status/deprecated-${f.name}`, ns, await velahub(ns, ['status', 'golden-app', ...f.args]));
  });
});

/**
 * config-templates/ as `vela addon enable` stores them: ConfigMap `config-template-NAME` with the
 * catalog/scope labels and alias/description/sensitive annotations, the CUE text under `template`,
 * the schema and expanded writers as sigs.k8s.io/yaml writes them
 * — read from the real catalog files (fluxcd imports vela/config) with the real CUE engine.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { configTemplateConfigMap, configTemplatesOf } from '../../../core/package/config-template.ts';
import { rejectsCode } from '../../support/errors.ts';
import { catalogDir } from '../../support/catalog.ts';

const cue = new CueEvaluator();
after(() => cue.close());

describe('core/package/config-template', () => {
  test('catalog fluxcd helm-repository', { skip: catalogDir ? false : 'no catalog snapshot' }, async () => {
    const source = readFileSync(`${catalogDir}/fluxcd/config-templates/helm-repository.cue`, 'utf8');
    const cm = await configTemplateConfigMap('config-templates/helm-repository.cue', source, cue);
    const { schema, ...data } = cm.data;
    assert.deepEqual({ ...cm, data }, {
      name: 'config-template-helm-repository',
      labels: { 'config.oam.dev/catalog': 'velacore-config', 'config.oam.dev/scope': 'project' },
      annotations: { 'config.oam.dev/description': 'Config information to authenticate helm chart repository', 'config.oam.dev/alias': 'Helm Repository', 'config.oam.dev/sensitive': 'false' },
      // KubeVela stores the text with its default context appended, and the writers it has: none.
      data: { template: `${source}\n\n\tcontext: {\n\t\tname: string\n\t\tnamespace: string\n\t}\n`, 'expanded-writer': 'nacos: null\n' },
    });
    // The parameter's schema, as KubeVela's generator makes it (YAML): url required, described.
    const parsed = parse(schema!) as { required?: string[]; properties: Record<string, { description?: string; title?: string }> };
    assert.ok(parsed.required?.includes('url'), schema);
    assert.ok(parsed.properties.url?.description, schema);
  });

  test('the schema and writers are the YAML vela v1.10.9 writes, byte for byte', { skip: catalogDir ? false : 'no catalog snapshot' }, async () => {
    // go-yaml v2 folds a plain scalar only after column 80, at the next space (taken from `vela addon enable --dry-run`).
    const baidu = await configTemplateConfigMap('config-templates/baidu-provider.cue', readFileSync(`${catalogDir}/terraform-baidu/config-templates/baidu-provider.cue`, 'utf8'), cue);
    assert.ok(baidu.data.schema!.startsWith('properties:\n  BAIDUCLOUD_ACCESS_KEY:\n    description: Get BAIDUCLOUD_ACCESS_KEY per this guide https://cloud.baidu.com/doc/Reference/s/9jwvz2egb\n'), baidu.data.schema);
    assert.ok(baidu.data.schema!.includes('    description: Get BAIDUCLOUD_REGION by picking one RegionId from Baidu Cloud region\n      list https://'), baidu.data.schema);
    // A nacos writer is decoded as KubeVela decodes it: defaults taken, values from parameters empty.
    const nacos = await configTemplateConfigMap('config-templates/nacos-config.cue', readFileSync(`${catalogDir}/velaux/config-templates/nacos-config.cue`, 'utf8'), cue);
    assert.equal(nacos.data['expanded-writer'], 'nacos:\n  endpoint:\n    name: nacos\n    namespace: ""\n  format: json\n  metadata:\n    dataId: ""\n    group: DEFAULT_GROUP\n    namespaceId: ""\n');
  });

  test('every config template of the catalog reads', { skip: catalogDir ? false : 'no catalog snapshot' }, async () => {
    for (const addon of ['dex', 'fluxcd', 'o11y-definitions', 'terraform-aws', 'traefik', 'velaux']) {
      const files = new Map<string, Uint8Array>();
      for (const f of (await import('node:fs')).readdirSync(`${catalogDir}/${addon}/config-templates`)) files.set(`config-templates/${f}`, readFileSync(`${catalogDir}/${addon}/config-templates/${f}`));
      const maps = await configTemplatesOf(files, cue);
      assert.ok(maps.length > 0 && maps.every((m) => m.name.startsWith('config-template-')), addon);
    }
  });

  test('a template without metadata.name is refused naming the file', async () => {
    await rejectsCode(configTemplateConfigMap('config-templates/x.cue', 'metadata: {\n\talias: "X"\n}\ntemplate: {}\n', cue), 'EINVALID', 'config-templates/x.cue', 'metadata.name');
    await rejectsCode(configTemplateConfigMap('config-templates/y.cue', 'template: {}\n', cue), 'EINVALID', 'config-templates/y.cue', 'metadata');
  });
});

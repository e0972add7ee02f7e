/**
 * config-templates/ as `vela addon enable` stores them: ConfigMap `config-template-NAME` with the
 * catalog/scope labels and alias/description/sensitive annotations, the CUE text under `template`
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
      data: { template: source },
    });
    // The parameter's schema, as KubeVela's generator makes it (YAML): url required, described.
    const parsed = parse(schema!) as { required?: string[]; properties: Record<string, { description?: string; title?: string }> };
    assert.ok(parsed.required?.includes('url'), schema);
    assert.ok(parsed.properties.url?.description, schema);
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

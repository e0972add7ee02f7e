/**
 * renderAddon: an addon's Application, NOTES.cue message and config templates from one call,
 * the same as the three renders one by one, and on failure the first failure in the order
 * Application, notes, config templates (the Application's through explainAppError).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CueEvaluator } from '../../../core/cue/evaluator.ts';
import { VelahubError } from '../../../core/errors.ts';
import { configTemplatesOf } from '../../../core/package/config-template.ts';
import type { PackageFiles } from '../../../core/package/files.ts';
import type { AddonMetadata } from '../../../core/package/metadata.ts';
import { renderAddon } from '../../../core/package/render-addon.ts';
import { renderAddonApp, renderAddonNotes } from '../../../core/package/render-app.ts';
import { rejectsCode } from '../../support/errors.ts';

const cue = new CueEvaluator();
after(() => cue.close());

const filesOf = (tree: Record<string, string>): PackageFiles => new Map(Object.entries(tree).map(([p, t]) => [p, Buffer.from(t)]));
const metadata: AddonMetadata = { name: 'demo', version: '1.0.0' };

const tree: Record<string, string> = {
  'parameter.cue': 'parameter: {\n\tport: *8000 | int\n\tname: string\n}\n',
  'template.cue': 'package main\noutput: {\n\tapiVersion: "core.oam.dev/v1beta1"\n\tkind: "Application"\n\tspec: components: [{name: parameter.name, type: "webservice", properties: port: parameter.port}]\n}\n',
  'NOTES.cue': 'notes: [if context.installer.upgrade != _|_ {"upgraded \\(context.metadata.name)"}, "enabled on \\(parameter.port)"][0]\n',
  'config-templates/demo.cue': 'metadata: {\n\tname: "demo-config"\n\talias: "Demo"\n\tscope: "system"\n}\ntemplate: {\n\tparameter: {\n\t\turl: string\n\t}\n}\n',
};

describe('core/package/render-addon', () => {
  test('the Application, the notes and the config templates, as the three renders give them', async () => {
    const files = filesOf(tree);
    for (const upgrade of [false, true]) {
      const parameters = { name: 'web' };
      const all = await renderAddon({ files, metadata, parameters, cue, upgrade });
      assert.deepEqual(all, {
        app: await renderAddonApp({ files, metadata, parameters, cue }),
        notes: await renderAddonNotes({ files, metadata, parameters, cue, upgrade }),
        configTemplates: await configTemplatesOf(files, cue),
      });
      assert.equal(all.notes, upgrade ? 'upgraded demo' : 'enabled on 8000');
      assert.deepEqual(all.configTemplates.map((c) => c.name), ['config-template-demo-config']);
    }
  });

  test('no NOTES.cue: no notes key; no config-templates/: an empty list', async () => {
    const { 'NOTES.cue': _notes, 'config-templates/demo.cue': _config, ...rest } = tree;
    const all = await renderAddon({ files: filesOf(rest), metadata, parameters: { name: 'web' }, cue, upgrade: false });
    assert.equal('notes' in all, false);
    assert.deepEqual(all.configTemplates, []);
  });

  test("the Application's failure comes first, through explainAppError", async () => {
    // Every part fails: the Application misses `name`, the notes are not a string, the config template has no metadata.
    const files = filesOf({ ...tree, 'NOTES.cue': 'notes: 3\n', 'config-templates/demo.cue': 'template: {}\n' });
    await rejectsCode(renderAddon({ files, metadata, parameters: {}, cue, upgrade: false }), 'ECUE', 'parameter "name" is required');
    const explained = await renderAddon({ files, metadata, parameters: {}, cue, upgrade: false, explainAppError: (err) => new VelahubError('EINVALID_PARAMETERS', `demo 1.0.0: ${(err as Error).message}`) }).catch((e: unknown) => e);
    assert.ok(explained instanceof VelahubError && explained.code === 'EINVALID_PARAMETERS' && explained.message.startsWith('demo 1.0.0: '), String(explained));
  });

  test('then the notes, then the config templates; explainAppError is not applied to them', async () => {
    const explainAppError = () => new Error('not the Application');
    const badNotes = filesOf({ ...tree, 'NOTES.cue': 'notes: 3\n', 'config-templates/demo.cue': 'template: {}\n' });
    await rejectsCode(renderAddon({ files: badNotes, metadata, parameters: { name: 'web' }, cue, upgrade: false, explainAppError }), 'ERENDER', 'NOTES.cue');
    const badConfig = filesOf({ ...tree, 'config-templates/demo.cue': 'template: {}\n' });
    await rejectsCode(renderAddon({ files: badConfig, metadata, parameters: { name: 'web' }, cue, upgrade: false, explainAppError }), 'EINVALID', 'config-templates/demo.cue');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { checkLayout } from '../../../core/package/layout.ts';
import { parseMetadata } from '../../../core/package/metadata.ts';
import { scaffoldAddon } from '../../../core/package/scaffold.ts';
import { throwsCode } from '../../support/errors.ts';

describe('scaffoldAddon', () => {
  for (const kind of ['component', 'trait'] as const) {
    test(`${kind}: metadata, README, one definition, an example; layout and metadata clean`, () => {
      const files = scaffoldAddon('my-addon', kind);
      assert.deepEqual([...files.keys()].sort(), ['README.md', 'definitions/my-addon.cue', 'examples/example.yaml', 'metadata.yaml']);
      assert.deepEqual(checkLayout(files), []);
      const { metadata, diagnostics } = parseMetadata(Buffer.from(files.get('metadata.yaml')!).toString());
      assert.deepEqual(diagnostics, []);
      assert.equal(metadata?.name, 'my-addon');
      assert.match(Buffer.from(files.get('definitions/my-addon.cue')!).toString(), new RegExp(`^"my-addon": \\{\\n\\ttype: "${kind}"`));
      const example = parse(Buffer.from(files.get('examples/example.yaml')!).toString()) as { kind: string };
      assert.equal(example.kind, 'Application');
    });
  }

  for (const name of ['My_Addon', '-x', 'a--b', '']) {
    test(`refuses the name "${name}"`, () => {
      throwsCode(() => scaffoldAddon(name, 'trait'), 'EUSAGE', JSON.stringify(name));
    });
  }
});

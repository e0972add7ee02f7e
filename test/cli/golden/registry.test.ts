/**
 * Golden files for the registry client commands `info` and `search`, in every `-o` format,
 * against a real registry holding fixture addons published at a fixed time.
 * `UPDATE_GOLDEN=1` rewrites test/cli/testdata/{info,search}/ after a deliberate change.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../../support/addons.ts';
import { describeRun } from '../../support/cli.ts';
import { assertGolden } from '../../support/golden.ts';
import type { TestRegistry } from '../../installer/harness.ts';
import { formats, normalise, startGoldenRegistry, velahubAt } from './harness.ts';

describe('golden: registry client commands', () => {
  let registry: TestRegistry;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    [registry, tmp] = await Promise.all([startGoldenRegistry(), tempDir()]);
  });
  after(async () => {
    await registry?.close();
    await tmp?.cleanup();
  });

  const cases: Array<{ golden: string; args: string[] }> = [
    { golden: 'info/addon', args: ['info', 'golden-app'] },
    { golden: 'info/version', args: ['info', 'golden-app@1.0.0'] },
    { golden: 'search/addons', args: ['search', 'golden'] },
    { golden: 'search/definitions', args: ['search', '--definitions', 'golden'] },
  ];
  for (const c of cases) {
    for (const f of formats) {
      test(`${c.args.join(' ')} ${f.args.join(' ') || '(table)'}`, async () => {
        const r = await velahubAt([...c.args, ...f.args, '--registry', registry.url], join(tmp.dir, 'config.yaml'));
        assert.equal(r.code, 0, describeRun(r));
        await assertGolden(`${c.golden}-${f.name}.txt`, normalise(r.stdout, { registry: registry.url }));
      });
    }
  }
});

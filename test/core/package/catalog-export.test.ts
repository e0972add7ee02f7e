/**
 * prepareCatalogExport: where an addon goes in a community catalog checkout, what is written
 * (catalog conventions: no Chart.yaml, tags, README parameter tables), the version-bump check
 * against the catalog's folder, and the pull-request text.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { DefinitionType } from '../../../core/cue/evaluator.ts';
import { prepareCatalogExport, type ExistingCatalogAddon } from '../../../core/package/catalog-export.ts';
import { textOf, type PackageFiles } from '../../../core/package/files.ts';
import type { AddonManifest, DefinitionInfo } from '../../../core/package/inspect.ts';
import type { JsonSchema } from '../../../core/params/schema.ts';
import { throwsCode } from '../../support/errors.ts';
import { int, map, str, struct } from '../../support/schemas.ts';

function definition(name: string, type: DefinitionType, schema: JsonSchema, description = `The ${name} ${type}`): DefinitionInfo {
  return { name, type, description, file: `definitions/${name}.cue`, schematic: 'cue', annotations: {}, labels: {}, attributes: {}, schema, cue: `"${name}": {}`, template: '' };
}

const labels = definition('team-labels', 'trait', struct({ labels: map(str(), { description: 'Labels to add' }) }, ['labels']));
const web = definition('team-web', 'component', struct({ image: str({ description: 'Container image' }), replicas: int({ description: 'Number of pods', default: 1 }) }, ['image']));

const plainReadme = '# team-traits\n\nTraits of the platform team.\n';

function addon(opts: { version?: string; tags?: string[]; readme?: string; definitions?: DefinitionInfo[] } = {}): { files: PackageFiles; manifest: AddonManifest } {
  const version = opts.version ?? '1.0.0';
  const metadata = { name: 'team-traits', version, description: 'Traits of the platform team', ...(opts.tags ? { tags: opts.tags } : {}), system: { kubernetes: '>=1.19' } };
  const readme = opts.readme ?? plainReadme;
  const files: PackageFiles = new Map([
    ['Chart.yaml', Buffer.from(`apiVersion: v2\nname: team-traits\nversion: ${version}\ntype: library\n`)],
    ['metadata.yaml', Buffer.from(`name: team-traits\nversion: ${version}\n`)],
    ['README.md', Buffer.from(readme)],
    ['definitions/team-labels.cue', Buffer.from('"team-labels": { type: "trait" }\n')],
    ['definitions/team-web.cue', Buffer.from('"team-web": { type: "component" }\n')],
    ['examples/app.yaml', Buffer.from('kind: Application\n')],
  ]);
  return { files, manifest: { metadata, readme, definitions: opts.definitions ?? [labels, web], warnings: [] } };
}

const existing = (version: string, track: ExistingCatalogAddon['track'] = 'addons'): ExistingCatalogAddon => ({ track, metadataText: `name: team-traits\nversion: ${version}\ndescription: old\n` });

describe('prepareCatalogExport: a new addon', () => {
  test('goes to experimental/addons/NAME without Chart.yaml; other files are kept as they are', () => {
    const input = addon({ tags: ['Team', 'Trait'] });
    const out = prepareCatalogExport(input);
    assert.equal(out.folder, 'experimental/addons/team-traits');
    assert.equal(out.change, 'add');
    assert.equal(out.previousVersion, undefined);
    assert.deepEqual([...out.files.keys()].sort(), ['README.md', 'definitions/team-labels.cue', 'definitions/team-web.cue', 'examples/app.yaml', 'metadata.yaml']);
    for (const path of ['definitions/team-labels.cue', 'definitions/team-web.cue', 'examples/app.yaml']) assert.deepEqual(out.files.get(path), input.files.get(path), path);
    assert.deepEqual(parse(textOf(out.files, 'metadata.yaml')!), input.manifest.metadata, 'metadata.yaml is the manifest, tags kept');
  });

  test('tags are derived from the definition types when the addon has none', () => {
    const out = prepareCatalogExport(addon());
    assert.deepEqual((parse(textOf(out.files, 'metadata.yaml')!) as { tags: string[] }).tags, ['trait', 'component']);
  });

  test('a README without parameter tables keeps its text and gains a table per definition', () => {
    const readme = textOf(prepareCatalogExport(addon()).files, 'README.md')!;
    assert.ok(readme.startsWith(plainReadme.trimEnd() + '\n\n## Install'), readme.slice(0, 200));
    assert.match(readme, /^## team-labels \(trait\)$/m);
    assert.match(readme, /^## team-web \(component\)$/m);
    assert.match(readme, /^\| NAME \| DESCRIPTION \| TYPE \| REQUIRED \| DEFAULT \|/m);
    assert.match(readme, /^\| labels \| Labels to add \|/m);
    assert.match(readme, /^\| replicas \| Number of pods \| `int` \| false \| 1 \|/m);
  });

  test('a README that has tables is kept byte for byte; an empty one is generated whole', () => {
    const withTables = `${plainReadme}\n| NAME | DESCRIPTION | TYPE |\n| --- | --- | --- |\n| labels | mine | map |\n`;
    assert.equal(textOf(prepareCatalogExport(addon({ readme: withTables })).files, 'README.md'), withTables);
    const generated = textOf(prepareCatalogExport(addon({ readme: '' })).files, 'README.md')!;
    assert.match(generated, /^# team-traits\n\nTraits of the platform team\n/);
    assert.match(generated, /\| NAME \| DESCRIPTION \|/);
  });

  test('an addon without definitions keeps its README as it is', () => {
    const out = prepareCatalogExport(addon({ definitions: [] }));
    assert.equal(textOf(out.files, 'README.md'), plainReadme);
    assert.doesNotMatch(out.pullRequest.body, /Definitions:/);
  });

  test('the pull request: title, branch and body', () => {
    const { pullRequest } = prepareCatalogExport(addon());
    assert.equal(pullRequest.title, '[Addon] Add team-traits 1.0.0');
    assert.equal(pullRequest.branch, 'add-team-traits-1.0.0');
    const lines = pullRequest.body.split('\n');
    assert.equal(lines[0], '### Description of your changes');
    assert.ok(lines.includes('Adds the team-traits addon (1.0.0) to `experimental/addons/`: Traits of the platform team'), pullRequest.body);
    assert.ok(lines.includes('Definitions: trait `team-labels`, component `team-web`.'), pullRequest.body);
    assert.ok(lines.includes('- `vela addon enable ./experimental/addons/team-traits` on a test cluster.'), pullRequest.body);
    assert.ok(lines.includes('- [x] New addons go in experimental/.'));
    assert.ok(lines.includes('- [ ] Updated addons bump `version` in metadata.yaml.'));
  });

  test('track addons/ when asked (--stable): the experimental checkbox stays open', () => {
    const out = prepareCatalogExport({ ...addon(), track: 'addons' });
    assert.equal(out.folder, 'addons/team-traits');
    assert.ok(out.pullRequest.body.includes('Adds the team-traits addon (1.0.0) to `addons/`'));
    assert.ok(out.pullRequest.body.split('\n').includes('- [ ] New addons go in experimental/.'));
  });
});

describe('prepareCatalogExport: an addon the catalog already has', () => {
  test('an equal version is refused (EVERSION_NOT_BUMPED naming folder and versions)', () => {
    throwsCode(() => prepareCatalogExport({ ...addon({ version: '1.0.0' }), existing: existing('1.0.0') }), 'EVERSION_NOT_BUMPED', 'addons/team-traits', '1.0.0');
  });

  test('a lower version is refused too', () => {
    throwsCode(() => prepareCatalogExport({ ...addon({ version: '0.9.0' }), existing: existing('1.0.0', 'experimental/addons') }), 'EVERSION_NOT_BUMPED', 'experimental/addons/team-traits', '1.0.0', '0.9.0');
  });

  test('a higher version updates the folder it is in, with the update pull request', () => {
    const out = prepareCatalogExport({ ...addon({ version: '1.1.0' }), existing: existing('1.0.0') });
    assert.equal(out.folder, 'addons/team-traits', 'stays in addons/ (not moved to experimental/)');
    assert.equal(out.change, 'update');
    assert.equal(out.previousVersion, '1.0.0');
    assert.equal(out.pullRequest.title, '[Addon] Update team-traits to 1.1.0');
    assert.equal(out.pullRequest.branch, 'update-team-traits-1.1.0');
    const lines = out.pullRequest.body.split('\n');
    assert.ok(lines.includes('Updates team-traits from 1.0.0 to 1.1.0.'), out.pullRequest.body);
    assert.ok(lines.includes('- [x] Updated addons bump `version` in metadata.yaml.'));
    assert.equal((parse(textOf(out.files, 'metadata.yaml')!) as { version: string }).version, '1.1.0');
  });

  test('moving it to the other track is refused (EUSAGE naming both)', () => {
    throwsCode(() => prepareCatalogExport({ ...addon({ version: '1.1.0' }), existing: existing('1.0.0'), track: 'experimental/addons' }), 'EUSAGE', 'addons/', 'experimental/addons/');
  });

  test('asking for the track it is in is fine', () => {
    assert.equal(prepareCatalogExport({ ...addon({ version: '1.1.0' }), existing: existing('1.0.0'), track: 'addons' }).folder, 'addons/team-traits');
  });

  test("a catalog metadata.yaml that is not YAML is an EINVALID naming it, not a crash", () => {
    throwsCode(() => prepareCatalogExport({ ...addon({ version: '1.1.0' }), existing: { track: 'addons', metadataText: 'name: [unclosed\n' } }), 'EINVALID', 'addons/team-traits/metadata.yaml');
  });
});

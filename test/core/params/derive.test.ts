import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveDefinitionDocs, derivedFormat, deriveVersionDocs, docsOf } from '../../../core/params/derive.ts';
import { diffManifests } from '../../../core/params/diff.ts';
import { exampleApplication } from '../../../core/params/example.ts';
import { parameterReference } from '../../../core/params/reference.ts';
import { list, str, struct, webServiceSchema } from '../../support/schemas.ts';

const gateway = { name: 'gateway', type: 'trait', schema: struct({ route: list(struct({ domain: str(), path: str() }, ['domain'])), legacy: str({ 'x-ignore': true }) }) };
const web = { name: 'web', type: 'component', schema: webServiceSchema() };

describe('deriveDefinitionDocs', () => {
  test('the parameter tables, every documented parameter path in table order, and the example', () => {
    const docs = deriveDefinitionDocs(gateway);
    assert.deepEqual(docs.parameters, parameterReference(gateway.schema));
    assert.deepEqual(docs.parameterPaths, [{ name: 'route', path: 'route' }, { name: 'domain', path: 'route.domain' }, { name: 'path', path: 'route.path' }]);
    assert.deepEqual(docs.example, exampleApplication(gateway));
    assert.deepEqual([docs.type, docs.name], ['trait', 'gateway']);
  });
});

describe('deriveVersionDocs', () => {
  test('one entry per definition, the current format, and no diff without a version below', () => {
    const docs = deriveVersionDocs({ definitions: [gateway, web] });
    assert.equal(docs.format, derivedFormat);
    assert.deepEqual(docs.definitions, [deriveDefinitionDocs(gateway), deriveDefinitionDocs(web)]);
    assert.equal(docs.previous, null);
    assert.equal(docsOf(docs, web).name, 'web');
    assert.throws(() => docsOf(docs, { type: 'component', name: 'gateway' }), /no derived docs for component "gateway"/);
  });

  test('with a version below: its version and the diffManifests comparison', () => {
    const before = { definitions: [gateway] };
    const after = { definitions: [{ ...gateway, schema: struct({ route: list(struct({ domain: str() }, ['domain'])) }) }, web] };
    const docs = deriveVersionDocs(after, { version: '1.0.0', manifest: before });
    assert.deepEqual(docs.previous, { from: '1.0.0', definitions: diffManifests(before, after) });
  });
});

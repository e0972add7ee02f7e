import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { breakingChanges, definitionChanges, diffManifests, diffSchemas, type ChangeKind } from '../../../core/params/diff.ts';
import type { JsonSchema } from '../../../core/params/schema.ts';
import { int, list, map, num, oneOf, str, struct, webServiceSchema } from '../../support/schemas.ts';

interface Row {
  name: string;
  before: JsonSchema;
  after: JsonSchema;
  changes: Array<{ path: string; kind: ChangeKind; breaking: boolean; before?: unknown; after?: unknown }>;
}

const rows: Row[] = [
  { name: 'parameter removed', before: struct({ a: str(), b: str() }), after: struct({ a: str() }), changes: [{ path: 'b', kind: 'removed', breaking: true }] },
  { name: 'optional parameter added', before: struct({ a: str() }), after: struct({ a: str(), b: str() }), changes: [{ path: 'b', kind: 'added', breaking: false }] },
  { name: 'required parameter added', before: struct({ a: str() }), after: struct({ a: str(), b: str() }, ['b']), changes: [{ path: 'b', kind: 'added-required', breaking: true }] },
  { name: 'parameter became required', before: struct({ a: str() }), after: struct({ a: str() }, ['a']), changes: [{ path: 'a', kind: 'became-required', breaking: true }] },
  { name: 'parameter became optional', before: struct({ a: str() }, ['a']), after: struct({ a: str() }), changes: [{ path: 'a', kind: 'became-optional', breaking: false }] },
  { name: 'type narrowed number → integer', before: struct({ n: num() }), after: struct({ n: int() }), changes: [{ path: 'n', kind: 'type-changed', breaking: true, before: 'number', after: 'int' }] },
  { name: 'type widened integer → number', before: struct({ n: int() }), after: struct({ n: num() }), changes: [{ path: 'n', kind: 'type-widened', breaking: false, before: 'int', after: 'number' }] },
  { name: 'type changed string → integer', before: struct({ n: str() }), after: struct({ n: int() }), changes: [{ path: 'n', kind: 'type-changed', breaking: true }] },
  { name: 'type widened to a union that keeps the old type', before: struct({ n: int() }), after: struct({ n: { oneOf: [int(), str()] } }), changes: [{ path: 'n', kind: 'type-widened', breaking: false }] },
  { name: 'enum value removed', before: struct({ m: oneOf('a', 'b') }), after: struct({ m: oneOf('a') }), changes: [{ path: 'm', kind: 'enum-value-removed', breaking: true, before: 'b' }] },
  { name: 'enum value added', before: struct({ m: oneOf('a') }), after: struct({ m: oneOf('a', 'b') }), changes: [{ path: 'm', kind: 'enum-value-added', breaking: false, after: 'b' }] },
  { name: 'enum imposed on a free string', before: struct({ m: str() }), after: struct({ m: oneOf('a') }), changes: [{ path: 'm', kind: 'enum-added', breaking: true }] },
  { name: 'enum lifted', before: struct({ m: oneOf('a') }), after: struct({ m: str() }), changes: [{ path: 'm', kind: 'enum-removed', breaking: false }] },
  { name: 'default changed', before: struct({ r: int({ default: 1 }) }), after: struct({ r: int({ default: 2 }) }), changes: [{ path: 'r', kind: 'default-changed', breaking: false, before: 1, after: 2 }] },
  { name: 'list default changed', before: struct({ p: list(int(), { default: [80] }) }), after: struct({ p: list(int(), { default: [80, 443] }) }), changes: [{ path: 'p', kind: 'default-changed', breaking: false, before: [80], after: [80, 443] }] },
  { name: 'description changed', before: struct({ a: str({ description: 'x' }) }), after: struct({ a: str({ description: 'y' }) }), changes: [{ path: 'a', kind: 'description-changed', breaking: false }] },
  { name: 'became immutable', before: struct({ a: str() }), after: struct({ a: str({ 'x-immutable': true }) }), changes: [{ path: 'a', kind: 'immutable-changed', breaking: true }] },
  { name: 'no longer immutable', before: struct({ a: str({ 'x-immutable': true }) }), after: struct({ a: str() }), changes: [{ path: 'a', kind: 'immutable-changed', breaking: false }] },
  {
    name: 'nested list item field removed',
    before: struct({ route: list(struct({ host: str(), x: int() }, ['host'])) }),
    after: struct({ route: list(struct({ host: str() }, ['host'])) }),
    changes: [{ path: 'route[].x', kind: 'removed', breaking: true }],
  },
  {
    name: 'nested list item field became required',
    before: struct({ route: list(struct({ host: str(), port: int() })) }),
    after: struct({ route: list(struct({ host: str(), port: int() }, ['port'])) }),
    changes: [{ path: 'route[].port', kind: 'became-required', breaking: true }],
  },
  { name: 'nested struct field type narrowed', before: struct({ res: struct({ cpu: num() }) }), after: struct({ res: struct({ cpu: int() }) }), changes: [{ path: 'res.cpu', kind: 'type-changed', breaking: true }] },
  { name: 'map value type changed', before: struct({ labels: map(str()) }), after: struct({ labels: map(int()) }), changes: [{ path: 'labels{}', kind: 'type-changed', breaking: true }] },
  { name: 'list item type changed', before: struct({ args: list(str()) }), after: struct({ args: list(int()) }), changes: [{ path: 'args[]', kind: 'type-changed', breaking: true }] },
  { name: 'field removed from an open struct', before: struct({ a: str() }), after: { type: 'object', properties: {}, additionalProperties: true }, changes: [{ path: 'a', kind: 'removed', breaking: false }] },
  { name: 'identical schemas', before: webServiceSchema(), after: webServiceSchema(), changes: [] },
];

describe('diffSchemas classifies every change', () => {
  for (const row of rows) {
    test(row.name, () => {
      const changes = diffSchemas(row.before, row.after);
      assert.deepEqual(
        changes.map((c) => {
          const picked: Record<string, unknown> = { path: c.path, kind: c.kind, breaking: c.breaking };
          const expected = row.changes.find((e) => e.path === c.path && e.kind === c.kind);
          if (expected && 'before' in expected) picked.before = c.before;
          if (expected && 'after' in expected) picked.after = c.after;
          return picked;
        }),
        row.changes,
      );
      for (const c of changes) assert.ok(c.message.includes(c.path), `${JSON.stringify(c.message)} does not name ${c.path}`);
    });
  }
});

describe('breakingChanges', () => {
  test('keeps only the breaking ones, all reported at once', () => {
    const before = struct({ a: str(), b: int({ default: 1 }), c: oneOf('x', 'y') });
    const after = struct({ b: int({ default: 2 }), c: oneOf('x', 'z'), d: str() }, ['d']);
    const all = diffSchemas(before, after);
    assert.deepEqual(
      all.map((c) => `${c.path}:${c.kind}`).sort(),
      ['a:removed', 'b:default-changed', 'c:enum-value-added', 'c:enum-value-removed', 'd:added-required'],
    );
    assert.deepEqual(
      breakingChanges(all).map((c) => `${c.path}:${c.kind}`).sort(),
      ['a:removed', 'c:enum-value-removed', 'd:added-required'],
    );
  });
});

describe('diffManifests compares two versions definition by definition', () => {
  const before = { definitions: [
    { type: 'trait', name: 'gateway', schema: struct({ domain: str() }, ['domain']) },
    { type: 'component', name: 'web', schema: struct({ image: str() }) },
    { type: 'trait', name: 'old', schema: struct({}) },
  ] };
  const after = { definitions: [
    { type: 'component', name: 'web', schema: struct({ image: str() }) },
    { type: 'trait', name: 'gateway', schema: struct({ domain: str(), port: int() }, ['domain', 'port']) },
    { type: 'policy', name: 'fresh', schema: struct({}) },
  ] };

  test('each definition once, sorted by type/name, with its status', () => {
    const diff = diffManifests(before, after);
    assert.deepEqual(diff.map((d) => [d.definition, d.status, d.breaking]), [
      ['component/web', 'unchanged', false],
      ['policy/fresh', 'added', false],
      ['trait/gateway', 'changed', true],
      ['trait/old', 'removed', true],
    ]);
  });

  test('a changed definition carries its schema changes', () => {
    const gateway = diffManifests(before, after).find((d) => d.name === 'gateway')!;
    assert.deepEqual(gateway.changes.map((c) => [c.path, c.kind]), [['port', 'added-required']]);
  });

  test('definitionChanges: a removed definition is one breaking change, worded by the caller; an added one has none', () => {
    const byName = new Map(diffManifests(before, after).map((d) => [d.name, d]));
    assert.deepEqual(definitionChanges(byName.get('old')!, 'the trait old is removed'), [{ path: '(definition)', kind: 'removed', breaking: true, message: 'the trait old is removed' }]);
    assert.deepEqual(definitionChanges(byName.get('fresh')!, 'unused'), []);
    assert.deepEqual(definitionChanges(byName.get('gateway')!, 'unused'), byName.get('gateway')!.changes);
  });

  test('the same name with another type is another definition', () => {
    const diff = diffManifests({ definitions: [{ type: 'trait', name: 'x', schema: str() }] }, { definitions: [{ type: 'component', name: 'x', schema: str() }] });
    assert.deepEqual(diff.map((d) => [d.definition, d.status]), [['component/x', 'added'], ['trait/x', 'removed']]);
  });
});

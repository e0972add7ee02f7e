import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { exampleApplication, exampleParameters } from '../../../core/params/example.ts';
import { bool, int, list, num, oneOf, str, struct } from '../../support/schemas.ts';

describe('exampleParameters', () => {
  test('fills the required parameters with plausible values; optional, defaulted and ignored ones are left out', () => {
    const schema = struct(
      {
        image: str(),
        domain: str(),
        port: int(),
        replicas: int({ minimum: 2 }),
        ratio: num(),
        enabled: bool(),
        protocol: oneOf('TCP', 'UDP'),
        route: list(struct({ path: str(), servicePort: int() }, ['path', 'servicePort'])),
        name: str(),
        optional: str(),
        class: str({ default: 'nginx' }),
        hidden: str({ 'x-ignore': true }),
      },
      ['image', 'domain', 'port', 'replicas', 'ratio', 'enabled', 'protocol', 'route', 'name', 'class', 'hidden'],
    );
    assert.deepEqual(exampleParameters(schema), {
      image: 'nginx:1.27',
      domain: 'app.example.com',
      port: 80,
      replicas: 2,
      ratio: 1,
      enabled: false,
      protocol: 'TCP',
      route: [{ path: '/', servicePort: 80 }],
      name: 'example',
    });
  });
});

describe('exampleApplication', () => {
  const schema = struct({ image: str() }, ['image']);
  const rows: Array<{ type: string; where: (spec: Record<string, any>) => unknown }> = [
    { type: 'component', where: (spec) => spec.components[0] },
    { type: 'trait', where: (spec) => spec.components[0].traits[0] },
    { type: 'policy', where: (spec) => spec.policies[0] },
    { type: 'workflow-step', where: (spec) => spec.workflow.steps[0] },
  ];
  for (const row of rows) {
    test(`a ${row.type} is used where an Application takes one, and the YAML is the same Application`, () => {
      const example = exampleApplication({ name: 'demo', type: row.type, schema });
      assert.deepEqual(example.parameters, { image: 'nginx:1.27' });
      assert.equal(example.application.kind, 'Application');
      assert.deepEqual((example.application.metadata as { name: string }).name, 'demo-example');
      const used = row.where(example.application.spec as Record<string, any>) as { type: string; properties: unknown };
      assert.equal(used.type, 'demo');
      assert.deepEqual(used.properties, example.parameters);
      assert.deepEqual(parse(example.yaml), example.application);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateParameters } from '../../../core/params/validate.ts';
import { webServiceSchema } from '../../support/schemas.ts';

const schema = webServiceSchema();
const ok = { image: 'nginx' };

describe('validateParameters', () => {
  test('valid values (nested lists, maps, enums) give no diagnostics', () => {
    const values = {
      image: 'nginx',
      tag: '1.20',
      replicas: 3,
      pullPolicy: 'Always',
      ports: [80],
      env: { A: 'b' },
      route: [{ host: 'a.example.com', servicePort: 8080, annotations: { x: 'y' }, headers: [{ name: 'h', value: 'v' }] }],
      resources: { cpu: '1' },
    };
    assert.deepEqual(validateParameters(schema, values), []);
  });

  const rows: Array<{ name: string; values: unknown; code: string; field: string; mentions?: string[] }> = [
    { name: 'missing required parameter', values: {}, code: 'parameter-required', field: 'image' },
    { name: 'missing required field of a list item', values: { ...ok, route: [{ host: 'a' }, { servicePort: 80 }] }, code: 'parameter-required', field: 'route[1].host' },
    { name: 'missing required field two lists deep', values: { ...ok, route: [{ host: 'a', headers: [{ name: 'h' }] }] }, code: 'parameter-required', field: 'route[0].headers[0].value' },
    { name: 'string where an integer is expected', values: { ...ok, replicas: '3' }, code: 'parameter-type', field: 'replicas', mentions: ['integer', '"3"'] },
    { name: 'wrong type inside a list item', values: { ...ok, route: [{ host: 'a', servicePort: '80' }] }, code: 'parameter-type', field: 'route[0].servicePort', mentions: ['integer'] },
    { name: 'wrong type of a map value', values: { ...ok, labels: { team: 1 } }, code: 'parameter-type', field: 'labels.team', mentions: ['string'] },
    { name: 'a list where a map is expected', values: { ...ok, env: ['A=b'] }, code: 'parameter-type', field: 'env', mentions: ['map'] },
    { name: 'wrong list item type', values: { ...ok, ports: [80, 'https'] }, code: 'parameter-type', field: 'ports[1]' },
    { name: 'unknown parameter, near a known one', values: { ...ok, replica: 2 }, code: 'parameter-additionalProperties', field: 'replica', mentions: ['did you mean "replicas"'] },
    { name: 'unknown field in a list item', values: { ...ok, route: [{ host: 'a', servicPort: 80 }] }, code: 'parameter-additionalProperties', field: 'route[0].servicPort', mentions: ['did you mean "servicePort"'] },
    { name: 'unknown parameter far from any', values: { ...ok, zzzzzz: 1 }, code: 'parameter-additionalProperties', field: 'zzzzzz', mentions: ['valid: image'] },
    { name: 'value outside an enum', values: { ...ok, pullPolicy: 'Sometimes' }, code: 'parameter-enum', field: 'pullPolicy', mentions: ['"Sometimes"', '"IfNotPresent"', '"Always"', '"Never"'] },
    { name: 'parameters that are not a map', values: ['nginx'], code: 'parameter-type', field: '(parameters)' },
  ];

  for (const row of rows) {
    test(`${row.code}: ${row.name}`, () => {
      const diagnostics = validateParameters(schema, row.values, 'definitions/web.cue');
      assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
      const d = diagnostics[0]!;
      assert.equal(d.code, row.code);
      assert.equal(d.field, row.field);
      assert.equal(d.file, 'definitions/web.cue');
      assert.equal(d.severity, 'error');
      if (row.field !== '(parameters)') assert.ok(d.message.includes(`"${row.field}"`), `${JSON.stringify(d.message)} does not name "${row.field}"`);
      for (const m of row.mentions ?? []) assert.ok(d.message.includes(m), `${JSON.stringify(d.message)} does not mention ${m}`);
    });
  }

  test('every problem is reported at once', () => {
    const diagnostics = validateParameters(schema, { replicas: 'x', pullPolicy: 'No', route: [{ servicePort: 1 }] });
    assert.deepEqual(
      diagnostics.map((d) => `${d.code} ${d.field}`).sort(),
      ['parameter-enum pullPolicy', 'parameter-required image', 'parameter-required route[0].host', 'parameter-type replicas'],
    );
  });

  test('an open struct (no properties) accepts any keys', () => {
    assert.deepEqual(validateParameters({ type: 'object' }, { anything: 1 }), []);
  });
});

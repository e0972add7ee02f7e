import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applySet } from '../../../core/params/set-values.ts';
import { webServiceSchema } from '../../support/schemas.ts';
import { throwsCode } from '../../support/errors.ts';

const schema = webServiceSchema();

/** The values after applying each `--set` in order. */
const setAll = (sets: string[], withSchema = true) => sets.reduce((v, s) => applySet(v, s, withSchema ? schema : undefined), {} as Record<string, unknown>);

describe('applySet', () => {
  const rows: Array<{ name: string; sets: string[]; expected: unknown; withoutSchema?: boolean }> = [
    { name: 'a string parameter keeps "1.20" as written', sets: ['tag=1.20'], expected: { tag: '1.20' } },
    { name: 'a string parameter keeps "true" and "3" as strings', sets: ['image=true', 'tag=3'], expected: { image: 'true', tag: '3' } },
    { name: 'an integer', sets: ['replicas=3'], expected: { replicas: 3 } },
    { name: 'a negative integer', sets: ['replicas=-1'], expected: { replicas: -1 } },
    { name: 'a number parameter takes decimals', sets: ['ratio=0.25'], expected: { ratio: 0.25 } },
    { name: 'bools', sets: ['enabled=true', 'debug=false'], expected: { enabled: true, debug: false } },
    { name: 'null', sets: ['args=null'], expected: { args: null } },
    { name: 'a list index', sets: ['route[0].servicePort=80'], expected: { route: [{ servicePort: 80 }] } },
    { name: 'several fields of list items', sets: ['route[0].host=a.com', 'route[0].servicePort=80', 'route[1].host=b.com'], expected: { route: [{ host: 'a.com', servicePort: 80 }, { host: 'b.com' }] } },
    { name: 'a {a,b} list of strings', sets: ['args={--verbose,--port}'], expected: { args: ['--verbose', '--port'] } },
    { name: 'a {a,b} list of integers', sets: ['ports={80,443}'], expected: { ports: [80, 443] } },
    { name: 'an empty {} list', sets: ['args={}'], expected: { args: [] } },
    { name: 'a map value typed by the map', sets: ['labels.team=42'], expected: { labels: { team: '42' } } },
    { name: 'a nested struct field', sets: ['resources.cpu=500m', 'resources.memory=1'], expected: { resources: { cpu: '500m', memory: '1' } } },
    { name: 'a nested list index', sets: ['route[0].headers[0].name=x', 'route[0].headers[0].value=1'], expected: { route: [{ headers: [{ name: 'x', value: '1' }] }] } },
    { name: 'a value containing "="', sets: ['env.OPTS=a=b'], expected: { env: { OPTS: 'a=b' } } },
    { name: 'the last --set wins', sets: ['replicas=1', 'replicas=2'], expected: { replicas: 2 } },
    { name: 'an empty value is an empty string', sets: ['tag='], expected: { tag: '' } },
    { name: 'without a schema: Helm typing, decimals stay strings', sets: ['v=1.20', 'n=3', 'b=true'], expected: { v: '1.20', n: 3, b: true }, withoutSchema: true },
  ];
  for (const row of rows) {
    test(`${row.name}: ${row.sets.join(' ')}`, () => {
      assert.deepEqual(setAll(row.sets, !row.withoutSchema), row.expected);
    });
  }

  test('applies on top of existing values (from -f files)', () => {
    const values = { image: 'nginx', route: [{ host: 'a' }] };
    assert.deepEqual(applySet(values, 'route[0].servicePort=81', schema), { image: 'nginx', route: [{ host: 'a', servicePort: 81 }] });
  });

  const bad: Array<[string, string]> = [
    ['no "="', 'replicas'],
    ['an empty key', '=3'],
    ['a non-numeric index', 'route[x].host=a'],
    ['an unclosed index', 'route[0.host=a'],
    ['only dots', '..=1'],
  ];
  for (const [name, expr] of bad) {
    test(`EBAD_SET: ${name} (${expr})`, () => {
      throwsCode(() => applySet({}, expr, schema), 'EBAD_SET', JSON.stringify(expr));
    });
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parameterReference, typeName, type ParamDoc } from '../../../core/params/reference.ts';
import { referenceToMarkdown, formatDefault, tableAnchor } from '../../../core/params/markdown.ts';
import { bool, int, list, map, num, oneOf, str, struct, webServiceSchema } from '../../support/schemas.ts';
import type { JsonSchema } from '../../../core/params/schema.ts';

describe('typeName', () => {
  const rows: Array<[string, JsonSchema, string]> = [
    ['string', str(), 'string'],
    ['integer', int(), 'int'],
    ['number', num(), 'number'],
    ['boolean', bool(), 'bool'],
    ['string enum', oneOf('a', 'b'), '"a" or "b"'],
    ['integer enum', { type: 'integer', enum: [1, 2] }, '1 or 2'],
    ['list of strings', list(str()), '[]string'],
    ['list of structs', list(struct({ a: str() })), '[]{...}'],
    ['list of lists', list(list(int())), '[][]int'],
    ['list without items', { type: 'array' }, '[]_'],
    ['map of strings', map(str()), 'map[string]string'],
    ['map of lists', map(list(str())), 'map[string][]string'],
    ['map of structs', map(struct({ a: str() })), 'map[string]{...}'],
    ['open struct', { type: 'object' }, 'map[string]_'],
    ['struct', struct({ a: str() }), '{...}'],
    ['union', { oneOf: [str(), int()] }, 'string or int'],
    ['anything', {}, '_'],
  ];
  for (const [name, schema, expected] of rows) test(`${name} → ${expected}`, () => assert.equal(typeName(schema), expected));
});

describe('parameterReference', () => {
  const tables = parameterReference(webServiceSchema());
  const row = (path: string): ParamDoc => {
    for (const t of tables) for (const p of t.params) if (p.path === path) return p;
    assert.fail(`no row for ${path} in ${tables.map((t) => t.params.map((p) => p.path)).flat().join(', ')}`);
  };

  test('prints every nested level, through lists and maps, depth first', () => {
    assert.deepEqual(
      tables.map((t) => t.path),
      ['', 'route', 'route.headers', 'resources'],
    );
    assert.deepEqual(tables.find((t) => t.path === 'route.headers')!.params.map((p) => p.name), ['name', 'value']);
  });

  test('root rows in declaration order, +ignore left out', () => {
    assert.deepEqual(
      tables[0]!.params.map((p) => p.name),
      ['image', 'tag', 'replicas', 'ratio', 'enabled', 'pullPolicy', 'ports', 'args', 'env', 'labels', 'route', 'resources', 'storageClass'],
    );
  });

  const rows: Array<{ path: string; type: string; required: boolean; default?: unknown; table?: string; immutable?: boolean; description?: string }> = [
    { path: 'image', type: 'string', required: true, description: 'Container image' },
    { path: 'replicas', type: 'int', required: false, default: 1 },
    { path: 'ratio', type: 'number', required: false },
    { path: 'enabled', type: 'bool', required: false },
    { path: 'pullPolicy', type: '"IfNotPresent" or "Always" or "Never"', required: false, default: 'IfNotPresent' },
    { path: 'ports', type: '[]int', required: false, default: [80, 443] },
    { path: 'args', type: '[]string', required: false },
    { path: 'env', type: 'map[string]string', required: false, default: { LOG_LEVEL: 'info' } },
    { path: 'labels', type: 'map[string]string', required: false },
    { path: 'route', type: '[]{...}', required: false, table: 'route' },
    { path: 'route.host', type: 'string', required: true },
    { path: 'route.servicePort', type: 'int', required: false, default: 80 },
    { path: 'route.annotations', type: 'map[string]string', required: false },
    { path: 'route.headers', type: '[]{...}', required: false, table: 'route.headers' },
    { path: 'route.headers.name', type: 'string', required: true, description: 'Header name' },
    { path: 'resources', type: '{...}', required: false, table: 'resources' },
    { path: 'resources.cpu', type: 'string', required: false, default: '100m' },
    { path: 'storageClass', type: 'string', required: false, immutable: true },
  ];
  for (const r of rows) {
    test(`row ${r.path}: ${r.type}, required=${r.required}${r.default !== undefined ? `, default ${JSON.stringify(r.default)}` : ''}`, () => {
      const p = row(r.path);
      assert.equal(p.type, r.type);
      assert.equal(p.required, r.required);
      assert.deepEqual(p.default, r.default);
      assert.equal(p.table, r.table);
      assert.equal(p.immutable, r.immutable ?? false);
      if (r.description !== undefined) assert.equal(p.description, r.description);
    });
  }

  test('required means listed as required and no default', () => {
    const t = parameterReference(struct({ a: str(), b: str({ default: 'x' }), c: str() }, ['a', 'b']));
    assert.deepEqual(t[0]!.params.map((p) => [p.name, p.required]), [['a', true], ['b', false], ['c', false]]);
  });

  test('+short and +alias are carried', () => {
    assert.equal(row('image').short, 'i');
    assert.equal(row('labels').alias, 'l');
  });

  test('a schema without parameters gives one empty root table', () => {
    assert.deepEqual(parameterReference({ type: 'object', properties: {} }), [{ path: '', params: [] }]);
  });
});

describe('markdown', () => {
  test('formatDefault prints lists and maps as JSON, strings bare', () => {
    assert.equal(formatDefault([80, 443]), '[80,443]');
    assert.equal(formatDefault({ a: 'b' }), '{"a":"b"}');
    assert.equal(formatDefault('x'), 'x');
    assert.equal(formatDefault(false), 'false');
    assert.equal(formatDefault(undefined), '');
  });

  test('tableAnchor', () => assert.equal(tableAnchor('route.headers'), 'route-headers'));

  test('referenceToMarkdown: a root table, a section per nested struct, linked, pipes escaped', () => {
    const schema = struct(
      {
        mode: { ...oneOf('a', 'b'), default: 'a', description: 'Mode a|b' },
        route: list(struct({ host: str({ description: 'Host' }) }, ['host']), { description: 'Routes' }),
      },
      [],
    );
    assert.equal(
      referenceToMarkdown(parameterReference(schema)),
      [
        '| NAME | DESCRIPTION | TYPE | REQUIRED | DEFAULT | IMMUTABLE |',
        '| --- | --- | --- | --- | --- | --- |',
        '| mode | Mode a\\|b | `"a" or "b"` | false | a | false |',
        '| route | Routes | [[]{...}](#route) | false |  | false |',
        '',
        '### route',
        '',
        '| NAME | DESCRIPTION | TYPE | REQUIRED | DEFAULT | IMMUTABLE |',
        '| --- | --- | --- | --- | --- | --- |',
        '| host | Host | `string` | true |  | false |',
        '',
      ].join('\n'),
    );
  });

  test('a definition without parameters says so', () => {
    assert.equal(referenceToMarkdown(parameterReference({ type: 'object', properties: {} })), 'This definition takes no parameters.\n');
  });
});

describe('parameterReference of a disjunction of structs, from the real CUE engine', () => {
  test('each alternative is a table of its own, type-option-1, type-option-2, as vela show lists them', async () => {
    const { CueEvaluator } = await import('../../../core/cue/evaluator.ts');
    const { parameterSchemaFromOpenApi } = await import('../../../core/params/schema.ts');
    const cue = new CueEvaluator();
    try {
      const source = `"notify": {
	type: "workflow-step"
	description: "Sends a message"
}
template: {
	parameter: {
		// +usage=Where the token comes from
		token: close({
			// +usage=The token itself
			value: string
		}) | close({
			// +usage=A secret holding the token
			secretRef: {
				name: string
				key:  string
			}
		})
		// +usage=The message
		message: string
	}
}
`;
      const inspected = await cue.inspect(source, 'definitions/notify.cue');
      const tables = parameterReference(parameterSchemaFromOpenApi(inspected.openapi!));
      const token = tables[0]!.params.find((p) => p.name === 'token')!;
      assert.equal(token.type, 'type-option-1 or type-option-2');
      assert.deepEqual(token.options, ['token.type-option-1', 'token.type-option-2']);
      const one = tables.find((t) => t.path === 'token.type-option-1')!;
      const two = tables.find((t) => t.path === 'token.type-option-2')!;
      assert.deepEqual(one.params.map((p) => [p.name, p.required, p.description]), [['value', true, 'The token itself']]);
      assert.deepEqual(two.params.map((p) => [p.name, p.required]), [['secretRef', true]]);
      assert.ok(tables.some((t) => t.path === 'token.type-option-2.secretRef'), 'the nested struct of option 2 has its table');
      const md = referenceToMarkdown(tables);
      assert.match(md, /\[type-option-1\]\(#token-type-option-1\) or \[type-option-2\]\(#token-type-option-2\)/);
    } finally {
      await cue.close();
    }
  });
});

describe('parameterReference names the tables of named #Defs', () => {
  test('a #Def as a field, a list element and a map value: its table says which definition it is', async () => {
    const { CueEvaluator } = await import('../../../core/cue/evaluator.ts');
    const { markDefinitions, parameterSchemaFromOpenApi } = await import('../../../core/params/schema.ts');
    const cue = new CueEvaluator();
    try {
      const source = `"ports": {
	type: "trait"
	description: "Opens ports"
}
template: {
	#Port: {
		// +usage=Port number
		port: int
		// +usage=Protocol
		protocol: *"TCP" | "UDP"
	}
	patch: {}
	parameter: {
		// +usage=Ports to open
		ports: [...#Port]
		// +usage=The main port
		main?: #Port
		// +usage=Ports by name
		named?: [string]: #Port
		// +usage=Not a definition
		plain?: { a: string }
	}
}
`;
      const inspected = await cue.inspect(source, 'definitions/ports.cue', { refs: true });
      const tables = parameterReference(markDefinitions(parameterSchemaFromOpenApi(inspected.openapi!), inspected.openapiRefs!));
      const byPath = Object.fromEntries(tables.map((t) => [t.path, t.definition]));
      assert.deepEqual(byPath, { '': undefined, ports: 'Port', main: 'Port', named: 'Port', plain: undefined });
      assert.match(referenceToMarkdown(tables), /^### ports \(#Port\)$/m);
      const main = tables[0]!.params.find((p) => p.name === 'main')!;
      assert.equal(main.description, 'The main port', "the field's own +usage stays with a #Def field");
    } finally {
      await cue.close();
    }
  });
});

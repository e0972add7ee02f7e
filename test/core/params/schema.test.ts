import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parameterSchemaFromOpenApi, parseMarkers } from '../../../core/params/schema.ts';

describe('parseMarkers', () => {
  const rows: Array<[string, ReturnType<typeof parseMarkers>]> = [
    ['+usage=The image to run', { usage: 'The image to run' }],
    ['+usage=Port\n+short=p', { usage: 'Port', short: 'p' }],
    ['+alias=img', { alias: 'img' }],
    ['+ignore', { ignore: true }],
    ['+immutable\n+usage=Fixed', { immutable: true, usage: 'Fixed' }],
    ['plain words\nmore words', { rest: 'plain words more words' }],
    ['+patchKey=name\n+usage=Containers', { usage: 'Containers' }],
  ];
  for (const [comment, expected] of rows) test(JSON.stringify(comment), () => assert.deepEqual(parseMarkers(comment), expected));
  test('no comment', () => assert.deepEqual(parseMarkers(undefined), {}));
});

describe('parameterSchemaFromOpenApi', () => {
  const doc = (schemas: Record<string, unknown>) => ({ openapi: '3.0.0', components: { schemas } });

  test('expands $refs through lists and maps, sets titles, drops defaulted fields from required', () => {
    const schema = parameterSchemaFromOpenApi(
      doc({
        Port: { type: 'object', required: ['port', 'protocol'], properties: { port: { type: 'integer', description: '+usage=Port number' }, protocol: { type: 'string', default: 'TCP' } } },
        parameter: {
          type: 'object',
          required: ['ports'],
          properties: {
            ports: { type: 'array', items: { $ref: '#/components/schemas/Port' } },
            byName: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Port' } },
          },
        },
      }),
    );
    assert.deepEqual(schema.properties?.ports?.items, {
      type: 'object',
      required: ['port'],
      properties: { port: { type: 'integer', title: 'port', description: 'Port number' }, protocol: { type: 'string', default: 'TCP', title: 'protocol' } },
    });
    assert.deepEqual(schema.properties?.byName?.additionalProperties, schema.properties?.ports?.items);
    assert.equal(schema.properties?.ports?.title, 'ports');
    assert.ok(!JSON.stringify(schema).includes('$ref'));
  });

  test('a recursive definition stays an open object marked x-recursive', () => {
    const schema = parameterSchemaFromOpenApi(
      doc({
        Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } },
        parameter: { type: 'object', properties: { tree: { $ref: '#/components/schemas/Node' } } },
      }),
    );
    assert.deepEqual(schema.properties?.tree?.properties?.children?.items, { type: 'object', 'x-recursive': 'Node' });
  });

  test('a document without a parameter schema gives an empty object', () => {
    assert.deepEqual(parameterSchemaFromOpenApi({}), { type: 'object', properties: {} });
  });
});

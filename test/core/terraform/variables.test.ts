import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { terraformParameterSchema } from '../../../core/terraform/variables.ts';
import { typeConstraintToSchema } from '../../../core/terraform/type-constraint.ts';
import { rejectsCode } from '../../support/errors.ts';

describe('typeConstraintToSchema', () => {
  const rows: Array<[string, unknown]> = [
    ['string', { type: 'string' }],
    ['${number}', { type: 'number' }],
    ['bool', { type: 'boolean' }],
    ['any', {}],
    ['list(string)', { type: 'array', items: { type: 'string' } }],
    ['set(number)', { type: 'array', items: { type: 'number' } }],
    ['map(string)', { type: 'object', additionalProperties: { type: 'string' } }],
    [
      'object({ name = string, port = optional(number, 80), tls = optional(bool) })',
      { type: 'object', properties: { name: { title: 'name', type: 'string' }, port: { title: 'port', type: 'number', default: 80 }, tls: { title: 'tls', type: 'boolean' } }, required: ['name'] },
    ],
    ['list(object({ a = list(map(bool)) }))', { type: 'array', items: { type: 'object', properties: { a: { title: 'a', type: 'array', items: { type: 'object', additionalProperties: { type: 'boolean' } } } }, required: ['a'] } }],
    ['tuple([string, number])', { type: 'array', items: {}, minItems: 2, maxItems: 2 }],
    ['lisst(string)', {}],
    ['list(string', {}],
  ];
  for (const [expr, schema] of rows) {
    test(expr, () => assert.deepEqual(typeConstraintToSchema(expr), schema));
  }
});

describe('terraformParameterSchema', () => {
  test('one parameter per variable: type, default, description; required when there is no default', async () => {
    const schema = await terraformParameterSchema(
      `variable "bucket" {
  description = "OSS bucket name"
  type        = string
}
variable "acl" {
  description = "Bucket ACL"
  default     = "private"
}
variable "tags" {
  type    = map(string)
  default = {}
}
variable "password" {
  type      = string
  sensitive = true
}
output "BUCKET_NAME" { value = "x" }
`,
      'main.tf',
    );
    assert.deepEqual(schema, {
      type: 'object',
      properties: {
        acl: { title: 'acl', type: 'string', description: 'Bucket ACL', default: 'private' },
        bucket: { title: 'bucket', type: 'string', description: 'OSS bucket name' },
        password: { title: 'password', type: 'string', 'x-sensitive': true },
        tags: { title: 'tags', type: 'object', additionalProperties: { type: 'string' }, default: {} },
      },
      required: ['bucket', 'password'],
    });
  });

  test('HCL that does not parse is EBAD_TERRAFORM naming the file', async () => {
    await rejectsCode(terraformParameterSchema('variable "x" {\n  type = = string\n}\n', 'definitions/bucket.yaml'), 'EBAD_TERRAFORM', 'definitions/bucket.yaml');
  });
});

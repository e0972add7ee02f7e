import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fieldBody, labelName, relabel, splitTopLevelFields } from '../../../core/cue/cue-text.ts';

const canonical = `package main

import "strings"

// The route type
#Route: {
	host: string
}
"my-trait": {
	type: "trait"
}
template: {
	parameter: {
		route: [...#Route]
	}
	patch: metadata: name: strings.ToLower(context.name)
}
_hidden: 1
short: a: 1
let x = 2
`;

describe('splitTopLevelFields', () => {
  const fields = splitTopLevelFields(canonical);

  test('finds every top-level field with its label, in order', () => {
    assert.deepEqual(fields.map((f) => f.label), ['package', 'import', '#Route', '"my-trait"', 'template', '_hidden', 'short', 'let']);
  });

  test('keeps the comments just above a field in its text', () => {
    assert.equal(fields.find((f) => f.label === '#Route')?.text, '// The route type\n#Route: {\n\thost: string\n}');
  });

  test('fieldBody unwraps a struct and the one-field shorthand', () => {
    const template = fields.find((f) => f.label === 'template')!;
    assert.equal(fieldBody(template), 'parameter: {\n\troute: [...#Route]\n}\npatch: metadata: name: strings.ToLower(context.name)');
    assert.equal(fieldBody(fields.find((f) => f.label === 'short')!), 'a: 1');
    assert.deepEqual(splitTopLevelFields(fieldBody(template)).map((f) => f.label), ['parameter', 'patch']);
  });

  test('relabel keeps comments and value', () => {
    assert.equal(relabel(fields.find((f) => f.label === '#Route')!, 'velahubX'), '// The route type\nvelahubX: {\n\thost: string\n}');
    assert.equal(relabel(fields.find((f) => f.label === '"my-trait"')!, 'h'), 'h: {\n\ttype: "trait"\n}');
  });

  test('labelName unquotes', () => {
    assert.equal(labelName('"my-trait"'), 'my-trait');
    assert.equal(labelName('web'), 'web');
  });
});

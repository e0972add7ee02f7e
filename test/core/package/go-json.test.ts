/** goJson: the JSON Go's encoding/json writes for a decoded document, as KubeVela stores a UI schema. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goJson } from '../../../core/package/go-json.ts';

describe('core/package/go-json', () => {
  test('object keys sorted at every depth; arrays keep their order', () => {
    assert.equal(goJson([{ sort: 3, jsonKey: 'b', validate: { required: true, max: 2 } }, { jsonKey: 'a' }]), '[{"jsonKey":"b","sort":3,"validate":{"max":2,"required":true}},{"jsonKey":"a"}]');
  });

  test('<, >, & and the line separators are escaped as encoding/json escapes them', () => {
    assert.equal(goJson({ description: 'a <b> & c\u2028' }), '{"description":"a \\u003cb\\u003e \\u0026 c\\u2028"}');
  });

  test('keys in byte order, null kept, undefined left out', () => {
    assert.equal(goJson({ b: null, B: 1, _: 2, x: undefined }), '{"B":1,"_":2,"b":null}');
  });
});

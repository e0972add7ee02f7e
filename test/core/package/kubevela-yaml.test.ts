/**
 * YAML read as KubeVela reads it (go-yaml through sigs.k8s.io/yaml): the two catalog files a strict
 * YAML 1.2 parser refuses are accepted with a warning naming the line, and YAML go-yaml refuses
 * too is still an error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseYamlAsKubeVela } from '../../../core/package/kubevela-yaml.ts';

const catalog = '/work/shared/kubevela-catalog/addons';

describe('core/package/kubevela-yaml', () => {
  test('a block scalar ending the file without a final newline has none, as go-yaml reads it', () => {
    // terraform-alibaba's definitions/terraform-alibaba-oss.yaml ends so; vela stores its configuration without "\n".
    assert.deepEqual(parseYamlAsKubeVela('a: |\n  x\n  y', 'f.yaml').documents, [{ a: 'x\ny' }]);
    assert.deepEqual(parseYamlAsKubeVela('a: |\n  x\n  y\n', 'f.yaml').documents, [{ a: 'x\ny\n' }]);
    assert.deepEqual(parseYamlAsKubeVela('a: |\n  x\nb: 1', 'f.yaml').documents, [{ a: 'x\n', b: 1 }]);
  });

  test('victoria-metric metadata.yaml: a duplicate key, the last value wins, with a warning', () => {
    const r = parseYamlAsKubeVela(readFileSync(`${catalog}/victoria-metric/metadata.yaml`, 'utf8'), 'metadata.yaml');
    assert.equal(r.error, undefined);
    const meta = r.documents[0] as { dependencies: Array<{ name: string }> };
    assert.deepEqual(meta.dependencies, [{ name: 'o11y-definitions' }]);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['yaml-duplicate-key', 8]]);
  });

  test('ocm-gateway-manager-addon template.yaml: quoted scalars continued at the key indentation', () => {
    const r = parseYamlAsKubeVela(readFileSync(`${catalog}/ocm-gateway-manager-addon/template.yaml`, 'utf8'), 'template.yaml');
    assert.equal(r.error, undefined);
    assert.equal(r.documents.length, 1);
    const app = r.documents[0] as { kind: string; spec: { components: unknown[] } };
    assert.equal(app.kind, 'Application');
    assert.ok(app.spec.components.length > 0);
    const text = JSON.stringify(app);
    assert.match(text, /APIVersion defines the versioned schema of this representation of an object\. Servers should convert/);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.line]), [['yaml-lenient', 61]]);
  });

  test('YAML that go-yaml refuses too is an error naming the line', () => {
    const r = parseYamlAsKubeVela('a: [1, 2\nb: 3\n', 'resources/x.yaml');
    assert.equal(r.error?.code, 'invalid-yaml');
    assert.equal(r.error?.file, 'resources/x.yaml');
    assert.ok(r.error?.line);
  });

  test('several documents, empty ones left out', () => {
    const r = parseYamlAsKubeVela('a: 1\n---\n---\nb: 2\n', 'x.yaml');
    assert.deepEqual(r.documents, [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(r.warnings, []);
  });
});

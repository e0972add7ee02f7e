import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inferKubernetesRange } from '../../../core/package/kube-versions.ts';

/** Template bodies as `cue def` writes them (what adopt passes in). */
const ingressV1 = `outputs: ingress: {
	apiVersion: "networking.k8s.io/v1"
	kind:       "Ingress"
	metadata: name: context.name
}
parameter: {}`;

const hpaV2 = `outputs: hpa: {
	apiVersion: "autoscaling/v2"
	kind:       "HorizontalPodAutoscaler"
	spec: scaleTargetRef: apiVersion: context.output.apiVersion
}
parameter: {}`;

/** hpa-trait's shape: a default of v2, v2beta2 on clusters older than 1.23. */
const hpaAlternatives = `_apiVersion: *"autoscaling/v2" | string
if context.clusterVersion.minor < 23 {
	_apiVersion: "autoscaling/v2beta2"
}
outputs: hpa: {
	apiVersion: _apiVersion
	kind:       "HorizontalPodAutoscaler"
}`;

const rows: Array<{ name: string; templates: string[]; range: string | undefined }> = [
  { name: 'an Ingress in networking.k8s.io/v1', templates: [ingressV1], range: '>=1.19' },
  { name: 'an HPA in autoscaling/v2', templates: [hpaV2], range: '>=1.23' },
  { name: 'autoscaling/v2 as a default (`*"…"`) only', templates: ['outputs: hpa: apiVersion: *"autoscaling/v2" | string'], range: '>=1.23' },
  { name: 'v2 and v2beta2 alternatives of one group: the older counts', templates: [hpaAlternatives], range: '>=1.12' },
  { name: 'the newest of several groups in one template', templates: [`${ingressV1}\noutputs: pdb: apiVersion: "policy/v1"\noutputs: hpa: apiVersion: "autoscaling/v2"`], range: '>=1.23' },
  { name: 'the newest across templates (alternatives only count within one)', templates: [hpaAlternatives, ingressV1], range: '>=1.19' },
  { name: 'v2 in another template than the alternatives', templates: [hpaAlternatives, hpaV2], range: '>=1.23' },
  { name: 'a quoted apiVersion label', templates: ['outputs: ing: {\n\t"apiVersion": "networking.k8s.io/v1"\n\t"kind": "Ingress"\n}'], range: '>=1.19' },
  { name: 'apps/v1 only', templates: ['output: {\n\tapiVersion: "apps/v1"\n\tkind: "Deployment"\n}'], range: '>=1.9' },
  { name: 'a Job in batch/v1', templates: ['output: {\n\tapiVersion: "batch/v1"\n\tkind:       "Job"\n}'], range: '>=1.2' },
  { name: 'a CronJob in batch/v1 (served there from 1.21)', templates: ['output: {\n\tapiVersion: "batch/v1"\n\tkind:       "CronJob"\n}'], range: '>=1.21' },
  { name: 'a CronJob with a batch/v1beta1 alternative', templates: ['_apiVersion: *"batch/v1" | string\nif context.clusterVersion.minor < 21 {\n\t_apiVersion: "batch/v1beta1"\n}\noutput: {\n\tapiVersion: _apiVersion\n\tkind:       "CronJob"\n}'], range: '>=1.8' },
  { name: 'core v1 only (a Service)', templates: ['outputs: svc: {\n\tapiVersion: "v1"\n\tkind: "Service"\n}'], range: undefined },
  { name: 'a group it does not know', templates: ['outputs: x: apiVersion: "example.com/v1alpha1"'], range: undefined },
  { name: 'a patch without any apiVersion', templates: ['patch: metadata: labels: parameter.labels\nparameter: labels: [string]: string'], range: undefined },
  { name: 'an apiVersion taken from a parameter', templates: ['output: apiVersion: parameter.apiVersion'], range: undefined },
  { name: 'no templates', templates: [], range: undefined },
];

describe('inferKubernetesRange', () => {
  for (const row of rows) {
    test(`${row.name} → ${row.range ?? 'undefined'}`, () => {
      assert.equal(inferKubernetesRange(row.templates), row.range);
    });
  }
});

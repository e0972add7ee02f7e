/**
 * KubeVela's core.oam.dev/v1beta1 CRDs as the test clusters need them: Application and the four
 * X-Definition kinds. Written by hand after KubeVela's generated CRDs (charts/vela-core/crds):
 * the fields the installer reads or writes are typed, and where KubeVela's Go type is a
 * runtime.RawExtension the schema is open, as it is upstream.
 */
import { arr, bool, conditions, crd, type CrdManifest, int, obj, open, str, stringMap, strings, version } from './schema.ts';

const GROUP = 'core.oam.dev';

const schematic = obj(
  {
    cue: obj({ template: str('CUE template of the capability') }, ['template']),
    terraform: obj({
      configuration: str('Terraform configuration (HCL/JSON) or a remote git URL'),
      type: str(undefined, { enum: ['hcl', 'json', 'remote'], default: 'hcl' }),
      path: str(),
      customRegion: str(),
      deleteResource: bool(undefined, { default: true }),
      providerRef: obj({ name: str(), namespace: str() }, ['name']),
      writeConnectionSecretToRef: obj({ name: str(), namespace: str() }, ['name']),
      gitCredentialsSecretReference: obj({ name: str(), namespace: str() }, ['name']),
    }, ['configuration']),
    helm: obj({ release: open(), repository: open() }, ['release', 'repository']),
    kube: obj({
      template: open('raw Kubernetes resource'),
      parameters: arr(obj({
        name: str(),
        type: str(undefined, { enum: ['string', 'number', 'boolean'] }),
        fieldPaths: strings(),
        required: bool(undefined, { default: false }),
        description: str(),
      }, ['name', 'type', 'fieldPaths'])),
    }, ['template']),
  },
  [],
  { description: 'how the capability is rendered; exactly one of cue, terraform, helm, kube' },
);

const healthStatus = obj({ customStatus: str(), healthPolicy: str(), details: str() });

const definitionRef = obj({ name: str(), version: str() }, ['name']);

const definitionStatus = obj({
  conditions,
  configMapRef: str('ConfigMap holding the OpenAPI schema of the parameters'),
  latestRevision: obj({ name: str(), revision: int(undefined, { format: 'int64' }), revisionHash: str() }, ['name', 'revision']),
});

const workload = obj({
  type: str('name of a WorkloadDefinition, or "autodetects.core.oam.dev"'),
  definition: obj({ apiVersion: str(), kind: str() }, ['apiVersion', 'kind']),
});

const description = { jsonPath: '.metadata.annotations.definition\\.oam\\.dev/description', name: 'DESCRIPTION', type: 'string' };

const workflowStepFields = {
  name: str(),
  type: str(),
  properties: open(),
  dependsOn: strings(),
  if: str(),
  timeout: str(),
  mode: str(),
  meta: obj({ alias: str() }),
  inputs: arr(obj({ from: str(), parameterKey: str() }, ['from'])),
  outputs: arr(obj({ name: str(), valueFrom: str() }, ['name', 'valueFrom'])),
};

/** core.oam.dev/v1beta1 Application. */
export const applicationCrd: CrdManifest = crd({
  group: GROUP,
  kind: 'Application',
  plural: 'applications',
  shortNames: ['app', 'velaapp'],
  categories: ['oam'],
  versions: [
    version(
      'v1beta1',
      obj({
        components: arr(obj({
          name: str(),
          type: str('a ComponentDefinition name'),
          properties: open(),
          traits: arr(obj({ type: str('a TraitDefinition name'), properties: open() }, ['type'])),
          dependsOn: strings(),
          externalRevision: str(),
          inputs: arr(obj({ from: str(), parameterKey: str() }, ['from'])),
          outputs: arr(obj({ name: str(), valueFrom: str() }, ['name', 'valueFrom'])),
          scopes: stringMap(),
        }, ['name', 'type'])),
        policies: arr(obj({ name: str(), type: str('a PolicyDefinition name'), properties: open() }, ['type'])),
        workflow: obj({
          ref: str(),
          mode: obj({ steps: str(), subSteps: str() }),
          steps: arr(obj({ ...workflowStepFields, subSteps: arr(obj(workflowStepFields, ['type'])) }, ['type'])),
        }),
      }, ['components']),
      open('written by vela-core; phase lives in .status.status'),
      {
        additionalPrinterColumns: [
          { jsonPath: '.spec.components[*].name', name: 'COMPONENT', type: 'string' },
          { jsonPath: '.spec.components[*].type', name: 'TYPE', type: 'string' },
          { jsonPath: '.status.status', name: 'PHASE', type: 'string' },
          { jsonPath: '.status.services[*].healthy', name: 'HEALTHY', type: 'boolean' },
          { jsonPath: '.metadata.creationTimestamp', name: 'AGE', type: 'date' },
        ],
      },
    ),
  ],
});

/** core.oam.dev/v1beta1 ComponentDefinition. */
export const componentDefinitionCrd: CrdManifest = crd({
  group: GROUP,
  kind: 'ComponentDefinition',
  plural: 'componentdefinitions',
  shortNames: ['comp'],
  categories: ['oam'],
  versions: [
    version(
      'v1beta1',
      obj({
        workload,
        schematic,
        status: healthStatus,
        childResourceKinds: arr(obj({ apiVersion: str(), kind: str(), selector: stringMap() }, ['apiVersion', 'kind'])),
        podSpecPath: str(),
        revisionLabel: str(),
        extension: open(),
        version: str(),
      }, ['workload']),
      definitionStatus,
      { additionalPrinterColumns: [{ jsonPath: '.spec.workload.definition.kind', name: 'WORKLOAD-KIND', type: 'string' }, description] },
    ),
  ],
});

/** core.oam.dev/v1beta1 TraitDefinition. */
export const traitDefinitionCrd: CrdManifest = crd({
  group: GROUP,
  kind: 'TraitDefinition',
  plural: 'traitdefinitions',
  shortNames: ['trait'],
  categories: ['oam'],
  versions: [
    version(
      'v1beta1',
      obj({
        appliesToWorkloads: strings(),
        conflictsWith: strings(),
        definitionRef,
        schematic,
        status: healthStatus,
        podDisruptive: bool(),
        manageWorkload: bool(),
        controlPlaneOnly: bool(),
        revisionEnabled: bool(),
        workloadRefPath: str(),
        stage: str(undefined, { enum: ['PreDispatch', 'DefaultDispatch', 'PostDispatch'] }),
        extension: open(),
        version: str(),
      }),
      definitionStatus,
      { additionalPrinterColumns: [{ jsonPath: '.spec.appliesToWorkloads', name: 'APPLIES-TO', type: 'string' }, description] },
    ),
  ],
});

/** core.oam.dev/v1beta1 PolicyDefinition. */
export const policyDefinitionCrd: CrdManifest = crd({
  group: GROUP,
  kind: 'PolicyDefinition',
  plural: 'policydefinitions',
  shortNames: ['def-policy'],
  categories: ['oam'],
  versions: [
    version(
      'v1beta1',
      obj({
        definitionRef,
        schematic,
        manageHealthCheck: bool(),
        global: bool(),
        priority: int(undefined, { format: 'int32' }),
        version: str(),
      }),
      definitionStatus,
      { additionalPrinterColumns: [description] },
    ),
  ],
});

/** core.oam.dev/v1beta1 WorkflowStepDefinition. */
export const workflowStepDefinitionCrd: CrdManifest = crd({
  group: GROUP,
  kind: 'WorkflowStepDefinition',
  plural: 'workflowstepdefinitions',
  shortNames: ['workflowstep'],
  categories: ['oam'],
  versions: [
    version(
      'v1beta1',
      obj({ definitionRef, schematic, version: str() }),
      definitionStatus,
      { additionalPrinterColumns: [description] },
    ),
  ],
});

/** Every KubeVela CRD the installer touches. */
export const kubeVelaCrds: readonly CrdManifest[] = [
  applicationCrd,
  componentDefinitionCrd,
  traitDefinitionCrd,
  policyDefinitionCrd,
  workflowStepDefinitionCrd,
];

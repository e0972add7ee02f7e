/**
 * Flux's HelmRepository (source.toolkit.fluxcd.io/v1) and HelmRelease (helm.toolkit.fluxcd.io/v2)
 * CRDs, written after the Go types of source-controller and helm-controller, so objects the
 * installer renders can be dry-run against real validation: required fields, enums, duration
 * patterns, length limits and the chart-xor-chartRef CEL rule. Rarely used corners
 * (postRenderers, status) are left open.
 */
import { arr, bool, conditions, crd, type CrdManifest, int, obj, open, type Schema, str, stringMap, strings, version } from './schema.ts';

const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
const duration = (description?: string): Schema => str(description, { pattern: DURATION });

const localRef = obj({ name: str() }, ['name']);
const crds = str(undefined, { enum: ['Skip', 'Create', 'CreateReplace'] });

/** source.toolkit.fluxcd.io/v1 HelmRepository. */
export const helmRepositoryCrd: CrdManifest = crd({
  group: 'source.toolkit.fluxcd.io',
  kind: 'HelmRepository',
  plural: 'helmrepositories',
  shortNames: ['helmrepo'],
  categories: ['flux'],
  versions: [
    version(
      'v1',
      obj({
        url: str('URL of the Helm repository', { pattern: '^(http|https|oci)://.*$' }),
        type: str('default for an HTTP/S index, oci for an OCI registry', { enum: ['default', 'oci'] }),
        provider: str(undefined, { enum: ['generic', 'aws', 'azure', 'gcp'], default: 'generic' }),
        interval: duration(),
        timeout: str(undefined, { pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m))+$' }),
        secretRef: localRef,
        certSecretRef: localRef,
        passCredentials: bool(),
        insecure: bool(),
        suspend: bool(),
        accessFrom: obj({ namespaceSelectors: arr(obj({ matchLabels: stringMap() })) }, ['namespaceSelectors']),
      }, ['url']),
      obj({
        observedGeneration: int(undefined, { format: 'int64' }),
        conditions,
        url: str(),
        artifact: open(),
      }),
      {
        additionalPrinterColumns: [
          { jsonPath: '.spec.url', name: 'URL', type: 'string' },
          { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
        ],
      },
    ),
  ],
});

const remediation = {
  retries: int(),
  ignoreTestFailures: bool(),
  remediateLastFailure: bool(),
};

const actionCommon = {
  timeout: duration(),
  disableTakeOwnership: bool(),
  disableWait: bool(),
  disableWaitForJobs: bool(),
  disableHooks: bool(),
  disableOpenAPIValidation: bool(),
  disableSchemaValidation: bool(),
  crds,
};

/** helm.toolkit.fluxcd.io/v2 HelmRelease. */
export const helmReleaseCrd: CrdManifest = crd({
  group: 'helm.toolkit.fluxcd.io',
  kind: 'HelmRelease',
  plural: 'helmreleases',
  shortNames: ['hr'],
  categories: ['flux'],
  versions: [
    version(
      'v2',
      obj(
        {
          chart: obj({
            metadata: obj({ labels: stringMap(), annotations: stringMap() }),
            spec: obj({
              chart: str('chart name or path in the source', { minLength: 1, maxLength: 2048 }),
              version: str('semver expression', { default: '*' }),
              sourceRef: obj({
                apiVersion: str(),
                kind: str(undefined, { enum: ['HelmRepository', 'GitRepository', 'Bucket'] }),
                name: str(undefined, { minLength: 1, maxLength: 253 }),
                namespace: str(undefined, { minLength: 1, maxLength: 63 }),
              }, ['kind', 'name']),
              interval: duration(),
              reconcileStrategy: str(undefined, { enum: ['ChartVersion', 'Revision'], default: 'ChartVersion' }),
              valuesFiles: strings(),
              ignoreMissingValuesFiles: bool(),
              verify: obj({ provider: str(undefined, { enum: ['cosign', 'notation'], default: 'cosign' }), secretRef: localRef }, ['provider']),
            }, ['chart', 'sourceRef']),
          }, ['spec']),
          chartRef: obj({
            apiVersion: str(),
            kind: str(undefined, { enum: ['OCIRepository', 'HelmChart'] }),
            name: str(undefined, { minLength: 1, maxLength: 253 }),
            namespace: str(undefined, { minLength: 1, maxLength: 63 }),
          }, ['kind', 'name']),
          interval: duration(),
          kubeConfig: obj({ secretRef: obj({ name: str(), key: str() }, ['name']) }, ['secretRef']),
          suspend: bool(),
          releaseName: str(undefined, { minLength: 1, maxLength: 53 }),
          targetNamespace: str(undefined, { minLength: 1, maxLength: 63 }),
          storageNamespace: str(undefined, { minLength: 1, maxLength: 63 }),
          dependsOn: arr(obj({ name: str(), namespace: str() }, ['name'])),
          timeout: duration(),
          maxHistory: int(),
          serviceAccountName: str(undefined, { minLength: 1, maxLength: 253 }),
          persistentClient: bool(),
          driftDetection: obj({
            mode: str(undefined, { enum: ['enabled', 'warn', 'disabled'] }),
            ignore: arr(obj({ paths: strings(), target: open() }, ['paths'])),
          }),
          install: obj({
            ...actionCommon,
            remediation: obj(remediation),
            replace: bool(),
            skipCRDs: bool(),
            createNamespace: bool(),
          }),
          upgrade: obj({
            ...actionCommon,
            remediation: obj({ ...remediation, strategy: str(undefined, { enum: ['rollback', 'uninstall'] }) }),
            force: bool(),
            preserveValues: bool(),
            cleanupOnFail: bool(),
          }),
          test: obj({
            enable: bool(),
            timeout: duration(),
            ignoreFailures: bool(),
            filters: arr(obj({ name: str(undefined, { minLength: 1, maxLength: 253 }), exclude: bool() }, ['name'])),
          }),
          rollback: obj({
            timeout: duration(),
            disableWait: bool(),
            disableWaitForJobs: bool(),
            disableHooks: bool(),
            recreate: bool(),
            force: bool(),
            cleanupOnFail: bool(),
          }),
          uninstall: obj({
            timeout: duration(),
            disableHooks: bool(),
            keepHistory: bool(),
            disableWait: bool(),
            deletionPropagation: str(undefined, { enum: ['background', 'foreground', 'orphan'], default: 'background' }),
          }),
          valuesFrom: arr(obj({
            kind: str(undefined, { enum: ['Secret', 'ConfigMap'] }),
            name: str(undefined, { minLength: 1, maxLength: 253 }),
            valuesKey: str(undefined, { maxLength: 253 }),
            targetPath: str(undefined, { maxLength: 250 }),
            optional: bool(),
          }, ['kind', 'name'])),
          values: open('Helm values, free-form'),
          postRenderers: arr(open()),
        },
        ['interval'],
        {
          'x-kubernetes-validations': [
            {
              rule: '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))',
              message: 'either chart or chartRef must be set',
            },
          ],
        },
      ),
      obj({ observedGeneration: int(undefined, { format: 'int64' }), conditions, history: arr(open()) }, [], {
        'x-kubernetes-preserve-unknown-fields': true,
      }),
      {
        additionalPrinterColumns: [
          { jsonPath: '.metadata.creationTimestamp', name: 'Age', type: 'date' },
          { jsonPath: ".status.conditions[?(@.type==\"Ready\")].status", name: 'Ready', type: 'string' },
        ],
      },
    ),
  ],
});

/** The two Flux CRDs the installer renders objects for. */
export const fluxCrds: readonly CrdManifest[] = [helmRepositoryCrd, helmReleaseCrd];

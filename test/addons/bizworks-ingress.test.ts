/**
 * addons/bizworks-ingress: the multi-route Service + Ingress trait (contract in
 * /work/shared/brief.md), rendered through the real CUE evaluator and dry-run against a real
 * API server.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sampleWorkload } from '../../core/cue/context.ts';
import { addonUnderTest } from './cluster.ts';
import { ctx, dryRun, early, evalStatus, objectsOf, quoted, renderEach, renderFails, renderFailsRequired, schemaAcceptsEach, schemaRejects, sortBy, withPatch, type Obj } from './support.ts';

const { cue, target, ns, def } = await addonUnderTest('bizworks-ingress', 'addon-ingress');
const context = ctx('web', ns);

const params = {
  minimal: { route: [{ port: 8080 }] },
  // Routes without serviceName all land on the Service named after the component; a route
  // naming another Service does not change that name.
  stable: { route: [{ port: 9000, serviceName: 'admin' }, { port: 8080 }] },
  // Three routes, one Service (two ports: 80 is asked for twice with the same target), one Ingress.
  shared: {
    route: [
      { port: 8080, servicePort: 80, ingressName: 'web', domain: 'shop.example.com' },
      { port: 9090, ingressName: 'web', domain: 'shop.example.com', path: '/metrics' },
      { port: 8080, servicePort: 80, ingressName: 'web', domain: 'www.example.com' },
    ],
  },
  every: {
    route: [
      {
        port: 8443,
        serviceName: 'api',
        servicePort: 443,
        serviceType: 'NodePort',
        serviceProtocolType: 'TCP',
        ingressName: 'api',
        ingressProtocolType: 'HTTPS',
        domain: 'api.example.com',
        path: '/v1',
        secretName: 'api-tls',
        annotations: [
          { name: 'nginx.ingress.kubernetes.io/backend-protocol', value: 'HTTPS' },
          { name: 'nginx.ingress.kubernetes.io/proxy-body-size', value: '8m' },
        ],
        class: 'internal',
        classInSpec: true,
      },
      { port: 5353, serviceName: 'dns', serviceType: 'LoadBalancer', serviceProtocolType: 'UDP' },
      { port: 9000, serviceName: 'signal', serviceProtocolType: 'SCTP' },
    ],
  },
  classes: {
    route: [
      {
        port: 80,
        ingressName: 'plain',
        class: 'traefik',
        classInSpec: false,
        annotations: [{ name: 'traefik.ingress.kubernetes.io/router.entrypoints', value: 'web' }],
      },
      { port: 8443, serviceName: 'secure', ingressName: 'secure', ingressProtocolType: 'HTTPS', secretName: 'wildcard-tls', classInSpec: true },
    ],
  },
  // A Helm chart's Pods: the Service selects the chart's labels instead of app.oam.dev/component.
  chart: { selector: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/name': 'web-shop' }, route: [{ port: 8080, servicePort: 80, ingressName: 'shop', domain: 'shop.example.com' }] },
} as const;

const rendered = renderEach(def, params, context);

const service = (name: string, type: string, ports: Obj[]): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { type, selector: { 'app.oam.dev/component': 'web' }, ports },
});
const port = (name: string, p: number, targetPort: number, protocol = 'TCP'): Obj => ({ name, port: p, targetPort, protocol });
const path = (p: string, svc: string, number: number): Obj => ({
  path: p,
  pathType: 'ImplementationSpecific',
  backend: { service: { name: svc, port: { number } } },
});

describe('bizworks-ingress: rendering', () => {
  test('the parameter sets below are all valid for the published schema', () => schemaAcceptsEach(def, params));

  test('minimal route: one ClusterIP Service named after the component, no Ingress, no patch', async () => {
    const r = await rendered.minimal;
    assert.equal(r.output, undefined);
    assert.equal(r.patch, undefined);
    assert.deepEqual(r.outputs, { 'service-web': service('web', 'ClusterIP', [port('port-8080', 8080, 8080)]) });
  });

  test('a route without serviceName gets the component name, whatever other routes there are', async () => {
    const [minimal, stable] = await Promise.all([rendered.minimal, rendered.stable]);
    assert.deepEqual(Object.keys(stable.outputs).sort(), ['service-admin', 'service-web']);
    assert.deepEqual(stable.outputs['service-web'], minimal.outputs['service-web']);
    assert.deepEqual(stable.outputs['service-admin'], service('admin', 'ClusterIP', [port('port-9000', 9000, 9000)]));
  });

  test('routes to one Service give ONE Service with every port; routes to one Ingress give one Ingress, one rule per host', async () => {
    const r = await rendered.shared;
    assert.deepEqual(Object.keys(r.outputs).sort(), ['ingress-web', 'service-web']);
    const svc = r.outputs['service-web']!;
    assert.deepEqual({ ...svc, spec: { ...svc.spec, ports: sortBy(svc.spec.ports, 'port') } }, service('web', 'ClusterIP', [port('port-80', 80, 8080), port('port-9090', 9090, 9090)]));
    const ing = r.outputs['ingress-web']!;
    assert.equal(ing.apiVersion, 'networking.k8s.io/v1');
    assert.equal(ing.kind, 'Ingress');
    // Default class nginx, as the annotation (classInSpec defaults to false).
    assert.deepEqual(ing.metadata, { name: 'web', annotations: { 'kubernetes.io/ingress.class': 'nginx' } });
    assert.equal(ing.spec.ingressClassName, undefined);
    assert.equal(ing.spec.tls, undefined);
    const rules = sortBy(ing.spec.rules, 'host').map((rule: Obj) => ({ ...rule, http: { paths: sortBy(rule.http.paths, 'path') } }));
    assert.deepEqual(rules, [
      { host: 'shop.example.com', http: { paths: [path('/', 'web', 80), path('/metrics', 'web', 9090)] } },
      { host: 'www.example.com', http: { paths: [path('/', 'web', 80)] } },
    ]);
  });

  test('every option: NodePort/LoadBalancer/UDP/SCTP Services, HTTPS with TLS, annotations, class in spec', async () => {
    const r = await rendered.every;
    assert.deepEqual(Object.keys(r.outputs).sort(), ['ingress-api', 'service-api', 'service-dns', 'service-signal']);
    assert.deepEqual(r.outputs['service-api'], service('api', 'NodePort', [port('port-443', 443, 8443)]));
    assert.deepEqual(r.outputs['service-dns'], service('dns', 'LoadBalancer', [port('port-5353-udp', 5353, 5353, 'UDP')]));
    assert.deepEqual(r.outputs['service-signal'], service('signal', 'ClusterIP', [port('port-9000-sctp', 9000, 9000, 'SCTP')]));
    assert.deepEqual(r.outputs['ingress-api'], {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'api',
        // classInSpec: no kubernetes.io/ingress.class annotation, only the ones asked for.
        annotations: { 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS', 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' },
      },
      spec: {
        ingressClassName: 'internal',
        tls: [{ hosts: ['api.example.com'], secretName: 'api-tls' }],
        rules: [{ host: 'api.example.com', http: { paths: [path('/v1', 'api', 443)] } }],
      },
    });
  });

  test('classInSpec false puts the class in the annotation beside the extra ones; true puts it in spec.ingressClassName (default nginx)', async () => {
    const r = await rendered.classes;
    assert.deepEqual(Object.keys(r.outputs).sort(), ['ingress-plain', 'ingress-secure', 'service-secure', 'service-web']);
    assert.deepEqual(r.outputs['ingress-plain'], {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'plain',
        annotations: { 'kubernetes.io/ingress.class': 'traefik', 'traefik.ingress.kubernetes.io/router.entrypoints': 'web' },
      },
      // No domain: a rule without host, matching every host.
      spec: { rules: [{ http: { paths: [path('/', 'web', 80)] } }] },
    });
    assert.deepEqual(r.outputs['ingress-secure'], {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'secure' },
      // HTTPS without domain: a TLS block for the secret, without hosts.
      spec: { ingressClassName: 'nginx', tls: [{ secretName: 'wildcard-tls' }], rules: [{ http: { paths: [path('/', 'secure', 8443)] } }] },
    });
  });

  test('selector replaces app.oam.dev/component on every Service (the Pods of a Helm chart carry their own labels)', async () => {
    const r = await rendered.chart;
    assert.deepEqual(r.outputs['service-web']!.spec.selector, { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/name': 'web-shop' });
    assert.deepEqual(r.outputs['ingress-shop']!.spec.rules[0].http.paths, [path('/', 'web', 80)]);
  });

  test('it applies to Deployments, StatefulSets and Flux HelmReleases (helm-component)', async () => {
    const { attributes } = (await def.info()) as { attributes: { appliesToWorkloads?: string[] } };
    assert.deepEqual(attributes.appliesToWorkloads, ['deployments.apps', 'statefulsets.apps', 'helmreleases.helm.toolkit.fluxcd.io']);
  });

  test('customStatus reports the URLs (https for TLS hosts) or the Service count', async () => {
    const status = (await def.info()).attributes.status as { customStatus: string };
    const [minimal, every] = await Promise.all([rendered.minimal, rendered.every]);
    const [a, b] = await evalStatus(cue, status.customStatus, [{ outputs: minimal.outputs }, { outputs: every.outputs }]);
    assert.deepEqual(a, { message: '1 service(s), no ingress route' });
    assert.deepEqual(b, { message: 'Visiting URL: https://api.example.com/v1' });
  });
});

describe('bizworks-ingress: invalid parameters name the parameter', () => {
  const fails = (parameters: unknown) => early(def.render(parameters, context));

  test('HTTPS without secretName fails, naming route[i].secretName', async () => {
    await renderFails(
      fails({ route: [{ port: 80 }, { port: 443, ingressName: 'web', domain: 'shop.example.com', ingressProtocolType: 'HTTPS' }] }),
      'parameter.route[1].secretName',
      'HTTPS',
    );
  });

  test('HTTPS without ingressName fails, naming route[i].ingressName', async () => {
    await renderFails(fails({ route: [{ port: 443, ingressProtocolType: 'HTTPS', secretName: 'tls' }] }), 'parameter.route[0].ingressName');
  });

  test('wrong type: port as a string', async () => {
    const p = { route: [{ port: '80' }] };
    schemaRejects(await def.schema(), p, 'route[0].port', 'parameter-type');
    await renderFails(fails(p), 'parameter.route[0].port');
  });

  test('wrong type: classInSpec as a string, annotations as a map', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { route: [{ port: 80, classInSpec: 'yes' }] }, 'route[0].classInSpec', 'parameter-type');
    schemaRejects(schema, { route: [{ port: 80, annotations: { a: 'b' } }] }, 'route[0].annotations', 'parameter-type');
    await renderFails(fails({ route: [{ port: 80, classInSpec: 'yes' }] }), 'parameter.route[0].classInSpec');
  });

  test('missing required: route, and a route without port', async () => {
    const schema = await def.schema();
    schemaRejects(schema, {}, 'route', 'parameter-required');
    const p = { route: [{ serviceName: 'api' }] };
    schemaRejects(schema, p, 'route[0].port', 'parameter-required');
    await renderFailsRequired(fails(p), 'route[0].port');
  });

  test('out of range and not in the enum: port 0, serviceType Ingress, serviceProtocolType HTTP', async () => {
    const schema = await def.schema();
    schemaRejects(schema, { route: [{ port: 0 }] }, 'route[0].port', 'parameter-minimum');
    schemaRejects(schema, { route: [{ port: 80, serviceType: 'Ingress' }] }, 'route[0].serviceType', 'parameter-enum');
    schemaRejects(schema, { route: [{ port: 80, serviceProtocolType: 'HTTP' }] }, 'route[0].serviceProtocolType', 'parameter-enum');
    await renderFails(fails({ route: [{ port: 80, serviceType: 'Ingress' }] }), 'parameter.route[0].serviceType');
  });

  test('a serviceName that is no DNS label', async () => {
    const p = { route: [{ port: 80, serviceName: 'Web_API' }] };
    schemaRejects(await def.schema(), p, 'route[0].serviceName', 'parameter-pattern');
    await renderFails(fails(p), 'parameter.route[0].serviceName');
  });

  test('an unknown route field', async () => {
    const p = { route: [{ port: 80, host: 'shop.example.com' }] };
    const d = schemaRejects(await def.schema(), p, 'route[0].host', 'parameter-additionalProperties');
    assert.match(d.message, /did you mean "path"|valid: /);
    await renderFails(fails(p), 'parameter.route[0]', 'host', 'not allowed');
  });

  test('an empty selector, or one that is not a map of strings', async () => {
    await renderFails(fails({ selector: {}, route: [{ port: 80 }] }), 'parameter.selector');
    await renderFails(fails({ selector: { app: 1 }, route: [{ port: 80 }] }), 'parameter.selector');
  });

  test('an Ingress on a UDP port', async () => {
    await renderFails(fails({ route: [{ port: 53, serviceProtocolType: 'UDP', ingressName: 'dns' }] }), 'parameter.route[0]', 'UDP');
  });

  test('one servicePort of one Service sent to two container ports', async () => {
    await renderFails(fails({ route: [{ port: 8080, servicePort: 80 }, { port: 8081, servicePort: 80 }] }), 'parameter.route', 'servicePort 80', quoted('web'), '8080', '8081');
  });

  test('routes of one Service asking for different serviceTypes', async () => {
    await renderFails(fails({ route: [{ port: 80 }, { port: 81, serviceType: 'NodePort' }] }), 'parameter.route', 'serviceType', quoted('web'), 'NodePort');
  });

  test('routes of one Ingress asking for different classes, or one host+path to two backends', async () => {
    await renderFails(
      fails({ route: [{ port: 80, ingressName: 'web', class: 'nginx' }, { port: 81, ingressName: 'web', class: 'traefik', path: '/b' }] }),
      'parameter.route',
      'class',
      quoted('web'),
      'traefik',
    );
    await renderFails(fails({ route: [{ port: 80, ingressName: 'web' }, { port: 81, ingressName: 'web' }] }), 'parameter.route', quoted('web'), /path \\?"\/\\?"/);
  });
});

describe('bizworks-ingress: the API server accepts every rendered object', () => {
  const workload = sampleWorkload('web', ns);
  for (const key of Object.keys(params) as Array<keyof typeof params>) {
    test(`${key}: Services, Ingresses and the workload (patch merged) dry-run cleanly`, async () => {
      const [t, r] = await Promise.all([target.ready, rendered[key]]);
      const objects = [...objectsOf(r), withPatch(workload, r.patch)];
      const answers = await dryRun(t, objects);
      // The server kept what was sent: nothing pruned on the way.
      for (const [i, o] of objects.entries()) {
        if (o.kind === 'Ingress') assert.deepEqual(answers[i]!.spec, o.spec);
        if (o.kind === 'Service') assert.deepEqual(answers[i]!.spec.ports.map((p: Obj) => p.name), o.spec.ports.map((p: Obj) => p.name));
      }
    });
  }
});

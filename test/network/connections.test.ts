import { Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { HardenedService, HardenedServiceProps, NetworkPeer } from '../../lib';
import { HardenedCronJob } from '../../lib/workload/hardened-cron-job';
import { componentPeer, platformEndpointPeer } from '../../lib/network/connections';
import '../../lib/rbac/service-grants';
import { ApiResource, KubernetesApiServer, resourceOfKind } from '../../lib/workload/grants';
import { errorOf, findObject } from '../helpers/manifests';
import { PROMETHEUS } from '../../lib/core/endpoints';

const IMAGE = `registry.example.com/alp/app:1.0.0@sha256:${'c'.repeat(64)}`;
const RESOURCES: HardenedServiceProps['resources'] = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};

function service(chart: Chart, name: string, port: number): HardenedService {
  return new HardenedService(chart, name, { name, image: IMAGE, port, resources: RESOURCES });
}

/** The pod labels of a colourless service named `name`. */
function podsOf(name: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name };
}

function twoServiceApp(namespace = 'shop'): { chart: Chart; web: HardenedService; api: HardenedService } {
  const chart = new Chart(Testing.app(), 'shop', { namespace });
  return { chart, web: service(chart, 'web', 8080), api: service(chart, 'api', 9000) };
}

describe('Connections |', () => {
  test("a.connections.allowTo(b): egress on a, ingress on b, and b's AuthorizationPolicy admitting a's service account on b's port", () => {
    // GIVEN
    const { chart, web, api } = twoServiceApp();
    // WHEN
    web.connections.allowTo(api);
    // THEN
    const manifests = Testing.synth(chart);
    expect(findObject(manifests, 'NetworkPolicy', 'web').spec).toEqual({
      podSelector: { matchLabels: podsOf('web') },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: podsOf('api') } }], ports: [{ protocol: 'TCP', port: 9000 }] }],
    });
    expect(findObject(manifests, 'NetworkPolicy', 'api').spec).toEqual({
      podSelector: { matchLabels: podsOf('api') },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: podsOf('web') } }], ports: [{ protocol: 'TCP', port: 9000 }] }],
    });
    expect(findObject(manifests, 'AuthorizationPolicy', 'api').spec).toEqual({
      selector: { matchLabels: podsOf('api') },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['9000'] } }] }],
    });
    // The client admits nobody: it gets no AuthorizationPolicy.
    expect(manifests.filter((m) => m.kind === 'AuthorizationPolicy').map((m) => m.metadata.name)).toEqual(['api']);
  });

  test('b.connections.allowFrom(a, port) writes the same rules as a.connections.allowTo(b, port)', () => {
    const from = twoServiceApp();
    from.api.connections.allowFrom(from.web, 9001);
    const to = twoServiceApp();
    to.web.connections.allowTo(to.api, 9001);
    expect(Testing.synth(from.chart)).toEqual(Testing.synth(to.chart));
  });

  test("a job's connections: job.connections.allowTo(api) writes the job's egress and api's ingress and AuthorizationPolicy; nothing can connect to a job without a port", () => {
    // GIVEN
    const { chart, api } = twoServiceApp();
    const job = new HardenedCronJob(chart, 'Purge', {
      name: 'purge',
      schedule: '30 2 * * *',
      image: IMAGE,
      command: ['/app/purge'],
      resources: RESOURCES,
    });
    // WHEN
    job.connections.allowTo(api);
    // THEN
    const manifests = Testing.synth(chart);
    expect(findObject(manifests, 'NetworkPolicy', 'purge').spec).toEqual({
      podSelector: { matchLabels: podsOf('purge') },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: podsOf('api') } }], ports: [{ protocol: 'TCP', port: 9000 }] }],
    });
    expect(findObject(manifests, 'NetworkPolicy', 'api').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: podsOf('purge') } }], ports: [{ protocol: 'TCP', port: 9000 }] },
    ]);
    expect(findObject(manifests, 'AuthorizationPolicy', 'api').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/purge'] } }], to: [{ operation: { ports: ['9000'] } }] },
    ]);
    expect(errorOf(() => api.connections.allowTo(job))).toBe("shop/api: 'port' (missing) must be given: 'purge' has no ports of its own");
  });

  test('a peer in another namespace is selected with its namespace', () => {
    const app = Testing.app();
    const webChart = new Chart(app, 'front', { namespace: 'front' });
    const web = service(webChart, 'web', 8080);
    const apiChart = new Chart(app, 'back', { namespace: 'back' });
    const api = service(apiChart, 'api', 9000);
    web.connections.allowTo(api);
    expect(findObject(Testing.synth(webChart), 'NetworkPolicy', 'web').spec.egress).toEqual([
      {
        to: [
          { podSelector: { matchLabels: podsOf('api') }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'back' } } },
        ],
        ports: [{ protocol: 'TCP', port: 9000 }],
      },
    ]);
    expect(findObject(Testing.synth(apiChart), 'NetworkPolicy', 'api').spec.ingress).toEqual([
      {
        from: [
          { podSelector: { matchLabels: podsOf('web') }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'front' } } },
        ],
        ports: [{ protocol: 'TCP', port: 9000 }],
      },
    ]);
    expect(findObject(Testing.synth(apiChart), 'AuthorizationPolicy', 'api').spec.rules[0].from).toEqual([
      { source: { principals: ['cluster.local/ns/front/sa/web'] } },
    ]);
  });

  test('peers outside the app: only the owned side gets rules; an address range gets no mesh rule', () => {
    // GIVEN
    const { chart, web } = twoServiceApp();
    // WHEN
    web.connections
      .allowFrom(platformEndpointPeer(PROMETHEUS, 'monitoring'), 9090)
      .allowFrom(NetworkPeer.cidr('198.51.100.0/24'))
      .allowTo(NetworkPeer.cidr('203.0.113.0/24'), 587);
    // THEN
    const manifests = Testing.synth(chart);
    expect(findObject(manifests, 'NetworkPolicy', 'web').spec).toEqual({
      podSelector: { matchLabels: podsOf('web') },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        {
          from: [
            {
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 9090 }],
        },
      ],
      egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 587 }] }],
    });
    expect(findObject(manifests, 'AuthorizationPolicy', 'web').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/monitoring/sa/prometheus'] } }], to: [{ operation: { ports: ['9090'] } }] },
    ]);
    expect(manifests.filter((m) => m.kind === 'NetworkPolicy')).toHaveLength(1);
  });

  test('a cluster model component is a peer with its own ports', () => {
    const { chart, web } = twoServiceApp();
    web.connections.allowTo(
      componentPeer({
        id: 'api-server',
        name: 'api-server',
        title: 'API server',
        cidrs: ['10.0.0.1/32'],
        ports: [{ name: 'https', port: 443 }],
        prerequisites: [],
        docs: '',
      }),
    );
    expect(findObject(Testing.synth(chart), 'NetworkPolicy', 'web').spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });

  test('without the mesh, only NetworkPolicies', () => {
    const { chart, web, api } = twoServiceApp();
    api.connections.meshAuthorization = false;
    web.connections.allowTo(api);
    expect(
      Testing.synth(chart)
        .map((m) => m.kind)
        .filter((k) => k.endsWith('Policy')),
    ).toEqual(['NetworkPolicy', 'NetworkPolicy']);
  });

  test('fails when neither the rule nor the server names a port', () => {
    const { web } = twoServiceApp();
    expect(errorOf(() => web.connections.allowTo(NetworkPeer.cidr('203.0.113.0/24')))).toBe(
      "shop/web: 'port' (missing) must be given: addresses 203.0.113.0/24 has no ports of its own",
    );
  });

  test('fails, saying what to import, when no rule writer is installed', () => {
    jest.isolateModules(() => {
      // A fresh workload layer, without the network layer that installs the writer.
      const { Connections: FreshConnections } = require('../../lib/workload/connections');
      const client = new FreshConnections({ cidrs: ['10.0.0.0/8'] });
      const server = new FreshConnections({ cidrs: ['10.1.0.0/16'], ports: [{ port: 443 }] });
      expect(errorOf(() => client.allowTo({ connections: server }))).toBe(
        'Connections: no rule writer is installed; import lib/network/connections, which installs it',
      );
    });
  });

  test('fails under the mesh when the client has a service account but no namespace is known', () => {
    const chart = Testing.chart();
    const web = service(chart, 'web', 8080);
    const api = service(chart, 'api', 9000);
    expect(errorOf(() => web.connections.allowTo(api))).toBe(
      "test/api: 'namespace' (missing) must be set on the chart: the mesh names a client by namespace and service account",
    );
  });
});

describe('HardenedService grants |', () => {
  function appWithApiServer(): { chart: Chart; web: HardenedService; config: k8s.KubeConfigMap } {
    const { chart, web } = twoServiceApp();
    new KubernetesApiServer(chart, 'KubernetesApiServer', { cidrs: ['10.0.0.0/28'], ports: [{ port: 443 }, { port: 6443 }] });
    const config = new k8s.KubeConfigMap(chart, 'Tuning', { metadata: { name: 'web-tuning' }, data: { rate: '1' } });
    return { chart, web, config };
  }

  test('grantRead(configMap): a Role reading that one ConfigMap, its RoleBinding to the service account, and the API egress', () => {
    // GIVEN
    const { chart, web, config } = appWithApiServer();
    // WHEN
    web.grantRead(ApiResource.of(config));
    // THEN
    const manifests = Testing.synth(chart);
    expect(findObject(manifests, 'Role', 'web-api')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'web-api', namespace: 'shop' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-tuning'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(findObject(manifests, 'RoleBinding', 'web-api')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'web-api', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-api' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    });
    expect(findObject(manifests, 'NetworkPolicy', 'web').spec).toEqual({
      podSelector: { matchLabels: podsOf('web') },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ipBlock: { cidr: '10.0.0.0/28' } }],
          ports: [
            { protocol: 'TCP', port: 443 },
            { protocol: 'TCP', port: 6443 },
          ],
        },
      ],
    });
    // The API server is outside the mesh and the app: no AuthorizationPolicy.
    expect(manifests.filter((m) => m.kind === 'AuthorizationPolicy')).toEqual([]);
  });

  test('grants accumulate in one Role, in the order of the calls', () => {
    const { chart, web, config } = appWithApiServer();
    web.grant(ApiResource.named({ apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] }), 'patch', 'get');
    web.grantRead(ApiResource.of(config));
    expect(findObject(Testing.synth(chart), 'Role', 'web-api').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['web-tuning'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('refuses a grant the API rules refuse, naming the rule', () => {
    const { web } = appWithApiServer();
    web.grantRead(ApiResource.named({ apiGroups: [''], resources: ['configmaps'] }));
    expect(errorOf(() => web.grant(ApiResource.named({ apiGroups: [''], resources: ['pods/exec'] }), 'create'))).toBe(
      "shop/web/ApiAccess: 'rules[1].resources[0]' (\"pods/exec\") must not be pods/exec: it runs commands in any pod of the namespace, with that pod's service account and secrets; remove it; no service is granted it (operators use their own access)",
    );
    expect(errorOf(() => web.grantRead(ApiResource.named({ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-token'] })))).toBe(
      "shop/web/ApiAccess: 'rules[1].resources[0]' (\"secrets\") must not be secrets unless 'allowSecretAccess' is true; mount the secret into the pod from an ExternalSecret instead of reading it through the API",
    );
  });

  test('a declared Secret read marks the Role', () => {
    const { chart, web } = appWithApiServer();
    web.grantRead(ApiResource.named({ apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }));
    web.grantRead(ApiResource.named({ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-token'], allowSecretAccess: true }));
    expect(findObject(Testing.synth(chart), 'Role', 'web-api').metadata.annotations).toEqual({ 'alp-deploy.io/secret-access': 'declared' });
  });

  test('fails without a KubernetesApiServer, writing nothing', () => {
    const { chart, web } = twoServiceApp();
    expect(errorOf(() => web.grantRead(ApiResource.named({ apiGroups: [''], resources: ['configmaps'] })))).toBe(
      "shop/web: 'grant' (missing) needs the Kubernetes API server: there is no KubernetesApiServer in the chart or above it; add one (new KubernetesApiServer(chart, 'KubernetesApiServer', { cidrs, ports })) so that the grant's API egress can be written",
    );
    expect(Testing.synth(chart).filter((m) => m.kind === 'Role' || m.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('fails, saying what to import, when no grant writer is installed', () => {
    const { web } = appWithApiServer();
    jest.isolateModules(() => {
      // A fresh workload layer, without the RBAC layer that installs the writer.
      const { writeGrant: freshWriteGrant } = require('../../lib/workload/grants');
      expect(errorOf(() => freshWriteGrant(web, ApiResource.named({ apiGroups: [''], resources: ['configmaps'] }), ['get']))).toBe(
        'Grants: no grant writer is installed; import lib/rbac/service-grants, which installs it',
      );
    });
  });

  test('refuses a grant on an object of another namespace, writing nothing', () => {
    const { chart, web } = appWithApiServer();
    const elsewhere = new k8s.KubeConfigMap(new Chart(Testing.app(), 'other', { namespace: 'other' }), 'Other', {
      metadata: { name: 'other-tuning' },
    });
    expect(errorOf(() => web.grantRead(ApiResource.of(elsewhere)))).toBe(
      "shop/web: 'resource.namespace' (\"other\") must be the service's namespace (shop): a Role grants access in its own namespace only",
    );
    expect(Testing.synth(chart).filter((m) => m.kind === 'Role' || m.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('the resource of a kind', () => {
    expect(['ConfigMap', 'NetworkPolicy', 'Ingress', 'Deployment', 'Endpoints'].map(resourceOfKind)).toEqual([
      'configmaps',
      'networkpolicies',
      'ingresses',
      'deployments',
      'endpoints',
    ]);
  });
});

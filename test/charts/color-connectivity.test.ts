import { Testing } from 'cdk8s';
import { ColorChart, connectColorServices, platformSpec } from '../../charts';
import { clusterModel, clusterPlacements, declaredConnections, edgeGateways, PlatformModel, validatePlatform } from '../../platform';
import { clone, committedRelease, errorOf, findObject, platformModel } from '../helpers/manifests';

function synthBlue(model: PlatformModel): any[] {
  const chart = new ColorChart(Testing.app(), 'Blue', {
    spec: model.spec,
    release: model.release,
    region: model.spec.regions[0],
    color: 'blue',
  });
  return Testing.synth(chart);
}

describe('ColorChart connectivity |', () => {
  const model = platformModel();
  const manifests = synthBlue(model);
  const ns = model.spec.namespaces;

  test("a dependency is admitted by the callers' service accounts, exactly those the spec declares", () => {
    // GIVEN: the services that depend on the content service, and its ports
    const content = model.spec.services.find((s) => s.name === 'content-service')!;
    const callers = model.spec.services
      .filter((s) => s.dependsOn.services.includes(content.name))
      .map((s) => s.name)
      .sort();
    expect(callers.length).toBeGreaterThan(1);
    // THEN
    const rules = findObject(manifests, 'AuthorizationPolicy', content.name).spec.rules;
    expect(rules).toContainEqual({
      from: [{ source: { principals: callers.map((c) => `cluster.local/ns/${ns.blue}/sa/${c}`) } }],
      to: [{ operation: { ports: [String(content.port)] } }],
    });
    for (const caller of callers) {
      expect(findObject(manifests, 'NetworkPolicy', caller).spec.egress).toContainEqual({
        to: [
          {
            podSelector: {
              matchLabels: {
                'alp-deploy.io/color': 'blue',
                'app.kubernetes.io/instance': `${content.name}-blue`,
                'app.kubernetes.io/name': content.name,
              },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: content.port }],
      });
    }
  });

  test("a Kubernetes API grant: the Role of the spec's rules and the egress to the cluster's API server", () => {
    const service = model.spec.services.find((s) => s.kubernetesApi)!;
    expect(findObject(manifests, 'Role', `${service.name}-api`).rules).toEqual(
      service.kubernetesApi!.rules.map((r) => ({ ...r, verbs: [...r.verbs].sort() })),
    );
    // The primary region's cluster runs both colours; its API server per the cluster model.
    const cluster = clusterPlacements(model.spec).find((p) => p.region.name === model.spec.regions[0].name)!.cluster;
    const apiServer = clusterModel(
      model.spec,
      edgeGateways(model.spec).map((g) => g.name),
      cluster,
    ).components['api-server'];
    expect(apiServer.cidrs!.length).toBeGreaterThan(0);
    for (const cidr of apiServer.cidrs!) {
      expect(findObject(manifests, 'NetworkPolicy', service.name).spec.egress).toContainEqual({
        to: [{ ipBlock: { cidr } }],
        ports: apiServer.ports.map((p) => ({ protocol: 'TCP', port: p.port })),
      });
    }
  });

  test('fails on an edge of the graph whose end it cannot resolve', () => {
    // GIVEN no workloads: the first declared connection with an end in the colour's namespace names one
    const inBlue = (id: string) => id.startsWith(`${ns.blue}/`);
    const first = declaredConnections(
      model.spec,
      ['blue'],
      edgeGateways(model.spec).map((g) => g.name),
    ).find((c) => inBlue(c.from) || inBlue(c.to))!;
    const unresolved = inBlue(first.from) ? first.from : first.to;
    // THEN
    expect(errorOf(() => connectColorServices(new Map(), model.spec, 'blue'))).toBe(
      `connectColorServices: the dependency graph names '${unresolved}', which has no peer here`,
    );
  });

  test('without the mesh: the same NetworkPolicies, and no AuthorizationPolicy', () => {
    // GIVEN
    const spec: any = clone(platformSpec);
    spec.mesh = { ...spec.mesh, enabled: false };
    // WHEN
    const off = synthBlue(validatePlatform(spec, committedRelease()));
    // THEN
    const policies = (all: any[]) => all.filter((m) => m.kind === 'NetworkPolicy');
    expect(policies(off)).toEqual(policies(manifests));
    expect(off.filter((m) => m.kind === 'AuthorizationPolicy')).toEqual([]);
    expect(manifests.filter((m) => m.kind === 'AuthorizationPolicy').length).toBe(model.spec.services.length);
  });
});

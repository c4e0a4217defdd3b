import { Testing } from 'cdk8s';
import { ColorChart, meshEnrolledNamespaces, platformApp, PlatformChart } from '../../charts';
import { platformModel, findObject, kindCounts, seedPlatformModel } from '../helpers/manifests';
import { clusterPlacements } from '../../platform';

describe('PlatformChart |', () => {
  const model = platformModel();
  // In the whole app: the ClusterSecretStore admits the namespaces of the ExternalSecrets that
  // the other charts of its cluster hold.
  const placement = clusterPlacements(model.spec)[0];
  const chart = platformApp
    .build(model)
    .node.findAll()
    .find((c): c is PlatformChart => c instanceof PlatformChart && (c as PlatformChart).region === placement.region.name)!;
  const manifests = Testing.synth(chart);

  test('holds every platform namespace with its baseline, and the cluster-wide objects', () => {
    const namespaces = manifests.filter((m) => m.kind === 'Namespace').length;
    // Every namespace is enrolled in the mesh's dataplane but the edge, whose gateways join it themselves.
    const enrolled = meshEnrolledNamespaces(model.spec, ['blue', 'green', 'edge', 'data', 'monitoring']).size;
    expect(kindCounts(manifests)).toEqual({
      PriorityClass: 2,
      Namespace: namespaces,
      ResourceQuota: namespaces,
      LimitRange: namespaces,
      // default-deny, DNS, istiod and the mesh's dataplane per namespace
      NetworkPolicy: 4 * namespaces,
      PeerAuthentication: enrolled,
      AuthorizationPolicy: namespaces,
      Role: 2 * namespaces,
      RoleBinding: 2 * namespaces,
      ClusterSecretStore: 1,
      ClusterIssuer: 1,
      Schedule: 1,
      // The restore drill's right to create its throwaway namespaces (placed with the cluster-wide objects).
      ClusterRole: 1,
      ClusterRoleBinding: 1,
    });
    expect(enrolled).toBe(namespaces - 1);
    expect(manifests.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)).toEqual([
      'alp-blue',
      'alp-green',
      'alp-edge',
      'alp-data',
      'alp-monitoring',
    ]);
    expect(chart.region).toBe('primary');
    expect(chart.component).toBe('platform');
  });

  test('sizes the colour quotas for every service at full scale', () => {
    const hard = findObject(manifests, 'ResourceQuota', 'alp-blue-quota').spec.hard;
    // Each service at its largest (maxReplicas, or its fixed replicas), plus a 25 % surge rounded up.
    const largest = model.spec.services.map((s) => s.autoscaling?.maxReplicas ?? s.replicas!);
    expect(hard.pods).toBe(largest.reduce((pods, n) => pods + n + Math.ceil(n / 4), 0));
    expect(findObject(manifests, 'ResourceQuota', 'alp-green-quota').spec.hard).toEqual(hard);
  });

  test('matches the snapshot', () => {
    // Of the seed's services: a service added to the spec leaves it as it is.
    const seed = seedPlatformModel();
    const seedChart = platformApp
      .build(seed)
      .node.findAll()
      .find((c): c is PlatformChart => c instanceof PlatformChart && (c as PlatformChart).region === placement.region.name)!;
    expect(Testing.synth(seedChart)).toMatchSnapshot();
  });
});

describe('ColorChart |', () => {
  const model = platformModel();
  const dr = model.spec.regions.find((r) => r.name === 'dr')!;
  const chart = new ColorChart(Testing.app(), 'Green', { spec: model.spec, release: model.release, region: dr, color: 'green' });
  const manifests = Testing.synth(chart);

  test('runs every service of the spec in the colour namespace', () => {
    expect(chart.services.map((s) => s.name)).toEqual(model.spec.services.map((s) => s.name));
    expect(new Set(manifests.map((m) => m.metadata.namespace))).toEqual(new Set(['alp-green']));
    // One of each per service; an ExternalSecret per secret, a Role and its binding per service with
    // API access, an autoscaler per autoscaled service; one ReferenceGrant for the edge's routes.
    const services = model.spec.services;
    const perService = services.length;
    const withApiAccess = services.filter((s) => s.kubernetesApi).length;
    expect(kindCounts(manifests)).toEqual({
      ServiceAccount: perService,
      Deployment: perService,
      Service: perService,
      PodDisruptionBudget: perService,
      HorizontalPodAutoscaler: services.filter((s) => s.autoscaling).length,
      NetworkPolicy: perService,
      AuthorizationPolicy: perService,
      ExternalSecret: services.reduce((n, s) => n + s.secrets.length, 0),
      Role: withApiAccess,
      RoleBinding: withApiAccess,
      ReferenceGrant: 1,
      ServiceMonitor: perService,
    });
  });

  test("takes the colour's image from the release state and maps the spec's fields", () => {
    const deployment = findObject(manifests, 'Deployment', 'api-gateway');
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].image).toBe(model.release.colors.green.images['api-gateway']);
    expect(pod.priorityClassName).toBe('alp-critical');
    expect(deployment.metadata.labels['app.kubernetes.io/component']).toBe('gateway');
    expect(deployment.metadata.labels['alp-deploy.io/color']).toBe('green');
    const hpa = findObject(manifests, 'HorizontalPodAutoscaler', 'notification-service').spec;
    expect(hpa.metrics[2]).toEqual({
      type: 'External',
      external: {
        metric: { name: 'notification_queue_messages', selector: { matchLabels: { queue: 'notifications' } } },
        target: { type: 'AverageValue', averageValue: '50' },
      },
    });
    expect(findObject(manifests, 'Deployment', 'content-service').spec.template.spec.priorityClassName).toBe('alp-standard');
  });

  test('runs the DR region as a warm standby: minimum replicas scaled by minReplicasPercent, never below 2', () => {
    // api-gateway: 3 at 50 % -> 2; learning-engine: 2 -> 2; maxima unchanged
    expect(findObject(manifests, 'HorizontalPodAutoscaler', 'api-gateway').spec).toMatchObject({ minReplicas: 2, maxReplicas: 20 });
    expect(findObject(manifests, 'HorizontalPodAutoscaler', 'learning-engine').spec).toMatchObject({ minReplicas: 2, maxReplicas: 12 });
  });

  test('matches the snapshot', () => {
    // Of the seed's services: a service added to the spec leaves it as it is.
    const seed = seedPlatformModel();
    const seedDr = seed.spec.regions.find((r) => r.name === 'dr')!;
    const seedChart = new ColorChart(Testing.app(), 'Green', { spec: seed.spec, release: seed.release, region: seedDr, color: 'green' });
    expect(Testing.synth(seedChart)).toMatchSnapshot();
  });
});

import { Testing } from 'cdk8s';
import { HardenedService, HardenedServiceProps, PRIORITY_STANDARD, ScalingMetric } from '../../lib';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';

const IMAGE = `registry.example.com/alp/quiz:1.4.0@sha256:${'b'.repeat(64)}`;
const BASE: HardenedServiceProps = {
  name: 'quiz',
  image: IMAGE,
  port: 8080,
  metricsPort: 9090,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
};

function synth(props: Partial<HardenedServiceProps> = {}): any[] {
  const chart = Testing.chart();
  new HardenedService(chart, 'Quiz', { ...BASE, ...props });
  return Testing.synth(chart);
}

describe('HardenedService |', () => {
  test('emits Deployment, Service, ServiceAccount and PDB; an HPA only with autoscaling', () => {
    expect(kindCounts(synth())).toEqual({ Deployment: 1, Service: 1, ServiceAccount: 1, PodDisruptionBudget: 1 });
    const scaled = synth({ autoscaling: { minReplicas: 2, maxReplicas: 5 } });
    expect(kindCounts(scaled)).toEqual({
      Deployment: 1,
      Service: 1,
      ServiceAccount: 1,
      PodDisruptionBudget: 1,
      HorizontalPodAutoscaler: 1,
    });
  });

  test('meets Pod Security Standards restricted', () => {
    // WHEN
    const pod = findObject(synth(), 'Deployment', 'quiz').spec.template.spec;
    const container = pod.containers[0];
    // THEN
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(findObject(synth(), 'ServiceAccount', 'quiz').automountServiceAccountToken).toBe(false);
  });

  test('sets resources, the three probes, rollout, spread, priority and grace period', () => {
    const deployment = findObject(synth(), 'Deployment', 'quiz');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
    expect(container.startupProbe).toEqual({
      httpGet: { path: '/livez', port: 'http' },
      periodSeconds: 5,
      failureThreshold: 30,
      timeoutSeconds: 2,
    });
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
    expect(deployment.spec.revisionHistoryLimit).toBe(5);
    expect(pod.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['topology.kubernetes.io/zone', 'DoNotSchedule'],
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
    ]);
    expect(pod.priorityClassName).toBe(PRIORITY_STANDARD);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    expect(container.env).toBeUndefined();
  });

  test('labels carry name, instance, colour and version; selectors never the version', () => {
    const manifests = synth({ color: 'green' });
    const deployment = findObject(manifests, 'Deployment', 'quiz');
    const selector = { 'app.kubernetes.io/name': 'quiz', 'app.kubernetes.io/instance': 'quiz-green', 'alp-deploy.io/color': 'green' };
    expect(deployment.metadata.labels).toEqual({
      ...selector,
      'app.kubernetes.io/component': 'backend',
      'app.kubernetes.io/version': '1.4.0',
    });
    expect(deployment.spec.selector.matchLabels).toEqual(selector);
    expect(findObject(manifests, 'Service', 'quiz').spec.selector).toEqual(selector);
    expect(findObject(manifests, 'PodDisruptionBudget', 'quiz').spec.selector.matchLabels).toEqual(selector);
  });

  test('names every object explicitly, without hash suffixes', () => {
    expect(synth({ autoscaling: { minReplicas: 2, maxReplicas: 4 } }).map((m) => m.metadata.name)).toEqual([
      'quiz',
      'quiz',
      'quiz',
      'quiz',
      'quiz',
    ]);
  });

  test('without autoscaling the Deployment sets replicas (default 2)', () => {
    expect(findObject(synth(), 'Deployment', 'quiz').spec.replicas).toBe(2);
    expect(findObject(synth({ replicas: 4 }), 'Deployment', 'quiz').spec.replicas).toBe(4);
  });

  test('with autoscaling the Deployment omits replicas and the HPA owns them', () => {
    // WHEN
    const manifests = synth({
      autoscaling: { minReplicas: 3, maxReplicas: 9, metrics: [ScalingMetric.pods('http_requests_per_second', '100')] },
    });
    // THEN
    expect(findObject(manifests, 'Deployment', 'quiz').spec.replicas).toBeUndefined();
    const hpa = findObject(manifests, 'HorizontalPodAutoscaler', 'quiz');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'quiz' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 9]);
  });

  test('exposes http and metrics ports on the Service by name', () => {
    expect(findObject(synth(), 'Service', 'quiz').spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  test('mounts a token only when the service declares it needs the API', () => {
    const manifests = synth({ automountServiceAccountToken: true });
    expect(findObject(manifests, 'Deployment', 'quiz').spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(findObject(manifests, 'ServiceAccount', 'quiz').automountServiceAccountToken).toBe(true);
  });

  test('writes env sorted by name', () => {
    const env = findObject(synth({ env: { ZETA: '1', ALPHA: '2' } }), 'Deployment', 'quiz').spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'ALPHA', value: '2' },
      { name: 'ZETA', value: '1' },
    ]);
  });

  test("mounts secret files under /var/run/secrets/app by default, under the workload's secretMountRoot when given", () => {
    const mountsOf = (manifests: any[]) => findObject(manifests, 'Deployment', 'quiz').spec.template.spec.containers[0].volumeMounts;
    const secretMounts = [{ name: 'db', secretName: 'quiz-db' }];
    expect(mountsOf(synth({ secretMounts }))).toContainEqual({ name: 'secret-db', mountPath: '/var/run/secrets/app/db', readOnly: true });
    expect(mountsOf(synth({ secretMounts, secretMountRoot: '/var/run/secrets/shop' }))).toContainEqual({
      name: 'secret-db',
      mountPath: '/var/run/secrets/shop/db',
      readOnly: true,
    });
    expect(errorOf(() => synth({ secretMountRoot: 'secrets/' }))).toBe(
      `test/Quiz: 'secretMountRoot' ("secrets/") must be an absolute directory other than / and /tmp, without a trailing "/"`,
    );
  });

  test('fails when the image is not pinned', () => {
    expect(errorOf(() => synth({ image: 'registry.example.com/alp/quiz:latest' }))).toBe(
      "test/Quiz: 'image' (\"registry.example.com/alp/quiz:latest\") must be pinned by a digest (@sha256:…) or a tag other than 'latest'; pin the image so that every synth deploys the same code",
    );
  });

  test('fails with every invalid prop at once', () => {
    expect(
      errorOf(() =>
        synth({
          port: 0,
          metricsPort: 0,
          runAsUser: 1000,
          replicas: 3,
          autoscaling: { minReplicas: 2, maxReplicas: 3 },
          resources: { requests: { cpu: '2', memory: '1GB' }, limits: { cpu: '1', memory: '1Gi' } },
        }),
      ),
    ).toBe(
      [
        'test/Quiz: 6 invalid props',
        "  - test/Quiz: 'port' (0) must be an integer from 1 to 65535",
        "  - test/Quiz: 'metricsPort' (0) must be an integer from 1 to 65535",
        '  - test/Quiz: \'resources.requests.cpu\' ("2") must not exceed the limit (1)',
        '  - test/Quiz: \'resources.requests.memory\' ("1GB") must be a memory quantity such as "512Mi"',
        "  - test/Quiz: 'replicas' (3) must not be set together with 'autoscaling'; the HorizontalPodAutoscaler owns the replica count; remove replicas",
        "  - test/Quiz: 'runAsUser' (1000) must be an integer of at least 10000; a low UID can collide with a user of the node",
      ].join('\n'),
    );
  });

  test('fails when the disruption budget would block every drain', () => {
    expect(errorOf(() => synth({ autoscaling: { minReplicas: 2, maxReplicas: 4 }, disruptionBudget: { minAvailable: 2 } }))).toBe(
      "test/Quiz/DisruptionBudget: 'minAvailable' (2) must be an integer below the workload's minimum replicas (2); otherwise no pod can ever be evicted and every node drain blocks; lower minAvailable or raise the minimum replicas",
    );
  });
});

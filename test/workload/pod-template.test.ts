import { Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  claimVolume,
  configMapVolume,
  containerEnv,
  emptyDirVolume,
  hostDirectoryVolume,
  httpProbes,
  probe,
  restrictedPodTemplate,
  RestrictedPodTemplateOptions,
  runAsUserProblems,
  secretEnvProblems,
  secretMountVolume,
  secretVolume,
  tmpVolume,
  zoneAndHostSpread,
  zoneSpread,
} from '../../lib/workload/pod-template';
import { restrictedViolations } from '../helpers/pod-security';

const IMAGE = `registry.example.com/alp/worker:2.0.1@sha256:${'c'.repeat(64)}`;
const RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const BASE: RestrictedPodTemplateOptions = {
  labels: { 'app.kubernetes.io/name': 'worker' },
  serviceAccountName: 'worker',
  priorityClassName: 'alp-standard',
  container: { name: 'worker', image: IMAGE, resources: RESOURCES },
  volumes: [tmpVolume()],
};

/** The template as it is written to a manifest (undefined fields dropped). */
function synthTemplate(options: Partial<RestrictedPodTemplateOptions> = {}): any {
  const chart = Testing.chart();
  new k8s.KubeDeployment(chart, 'Deployment', {
    metadata: { name: 'worker' },
    spec: { selector: { matchLabels: BASE.labels }, template: restrictedPodTemplate({ ...BASE, ...options }) },
  });
  return Testing.synth(chart)[0].spec.template;
}

describe('restrictedPodTemplate |', () => {
  test('writes a pod that meets Pod Security Standards restricted, with no token and no service links', () => {
    // WHEN
    const template = synthTemplate();
    const pod = template.spec;
    // THEN
    expect(restrictedViolations(pod)).toEqual([]);
    expect(template.metadata).toEqual({ labels: BASE.labels });
    expect(pod).toEqual({
      serviceAccountName: 'worker',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      priorityClassName: 'alp-standard',
      terminationGracePeriodSeconds: 30,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'worker',
          image: IMAGE,
          imagePullPolicy: 'IfNotPresent',
          resources: RESOURCES,
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        },
      ],
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
    });
  });

  test('mounts the volumes in the given order; a claim gets a mount and no pod volume', () => {
    // WHEN
    const pod = synthTemplate({
      volumes: [
        claimVolume('data', '/data'),
        configMapVolume('config', 'worker-config', '/etc/worker'),
        emptyDirVolume('runtime', '/run/worker', '1Mi', 'Memory'),
        secretMountVolume({ name: 'db', secretName: 'worker-db' }),
        secretVolume('ca', 'worker-ca', '/etc/worker-ca', ['ca.crt']),
        hostDirectoryVolume('logs', '/var/log/pods'),
        tmpVolume('32Mi'),
      ],
    }).spec;
    // THEN
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'config', mountPath: '/etc/worker', readOnly: true },
      { name: 'runtime', mountPath: '/run/worker' },
      { name: 'secret-db', mountPath: '/var/run/secrets/app/db', readOnly: true },
      { name: 'ca', mountPath: '/etc/worker-ca', readOnly: true },
      { name: 'logs', mountPath: '/var/log/pods', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'config', configMap: { name: 'worker-config', defaultMode: 0o444 } },
      { name: 'runtime', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      { name: 'secret-db', secret: { secretName: 'worker-db', defaultMode: 0o440 } },
      { name: 'ca', secret: { secretName: 'worker-ca', defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { name: 'logs', hostPath: { path: '/var/log/pods', type: 'Directory' } },
      { name: 'tmp', emptyDir: { sizeLimit: '32Mi' } },
    ]);
  });

  test('passes the container, the pod options and the annotations through', () => {
    // WHEN
    const template = synthTemplate({
      annotations: { 'checksum/config': 'abc' },
      automountServiceAccountToken: true,
      terminationGracePeriodSeconds: 5,
      restartPolicy: 'Never',
      container: {
        ...BASE.container,
        command: ['/bin/worker'],
        args: ['--once'],
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [{ name: 'MODE', value: 'batch' }],
        probes: httpProbes('http', '/livez', '/readyz'),
      },
    });
    const pod = template.spec;
    const container = pod.containers[0];
    // THEN
    expect(template.metadata.annotations).toEqual({ 'checksum/config': 'abc' });
    expect([pod.automountServiceAccountToken, pod.terminationGracePeriodSeconds, pod.restartPolicy]).toEqual([true, 5, 'Never']);
    expect([container.command, container.args, container.ports, container.env]).toEqual([
      ['/bin/worker'],
      ['--once'],
      [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      [{ name: 'MODE', value: 'batch' }],
    ]);
    expect(container.readinessProbe).toEqual({
      httpGet: { path: '/readyz', port: 'http' },
      periodSeconds: 10,
      failureThreshold: 3,
      timeoutSeconds: 2,
    });
    expect(container.livenessProbe).toEqual({
      httpGet: { path: '/livez', port: 'http' },
      periodSeconds: 10,
      failureThreshold: 3,
      timeoutSeconds: 2,
    });
    expect(container.startupProbe).toEqual({
      httpGet: { path: '/livez', port: 'http' },
      periodSeconds: 5,
      failureThreshold: 30,
      timeoutSeconds: 2,
    });
  });

  test('UID 0 (a recorded exception) turns runAsNonRoot off in pod and container, and keeps every other restriction', () => {
    // WHEN
    const pod = synthTemplate({ runAsUser: 0, supplementalGroups: [0] }).spec;
    // THEN
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, fsGroup: 0, supplementalGroups: [0] });
    expect(pod.containers[0].securityContext).toMatchObject({
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(restrictedViolations(pod)).toEqual(['pod runs as UID 0', 'container worker may run as root']);
  });
});

describe('pod template helpers |', () => {
  test('containerEnv sorts plain, secret and other variables by name, and is undefined when there are none', () => {
    // WHEN
    const env = containerEnv(
      { ZONE: 'a', API_URL: 'https://api' },
      [{ name: 'DB_PASSWORD', secretName: 'db', key: 'password' }],
      [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
    );
    // THEN
    expect(env?.map((v) => v.name)).toEqual(['API_URL', 'DB_PASSWORD', 'POD_IP', 'ZONE']);
    expect(env?.[1]).toEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } });
    expect(containerEnv()).toBeUndefined();
    expect(containerEnv({}, [])).toBeUndefined();
  });

  test('probe takes any handler and defaults to a 2 s timeout', () => {
    expect(probe({ exec: { command: ['true'] } }, 5, 60)).toEqual({
      exec: { command: ['true'] },
      periodSeconds: 5,
      failureThreshold: 60,
      timeoutSeconds: 2,
    });
    expect(probe({ exec: { command: ['true'] } }, 5, 3, 3).timeoutSeconds).toBe(3);
  });

  test('spreads over zones (hard) and hosts (soft); per rollout only when asked', () => {
    // WHEN
    const selector = { 'app.kubernetes.io/name': 'worker' };
    const perRollout = zoneAndHostSpread(selector, true);
    const plain = zoneAndHostSpread(selector, false);
    // THEN
    expect(perRollout.map((c) => [c.topologyKey, c.whenUnsatisfiable, c.maxSkew, c.matchLabelKeys])).toEqual([
      ['topology.kubernetes.io/zone', 'DoNotSchedule', 1, ['pod-template-hash']],
      ['kubernetes.io/hostname', 'ScheduleAnyway', 1, ['pod-template-hash']],
    ]);
    expect(plain.map((c) => c.matchLabelKeys)).toEqual([undefined, undefined]);
    expect(plain[0].labelSelector).toEqual({ matchLabels: selector });
    expect(zoneSpread(selector)).toEqual(plain[0]);
  });

  test('runAsUserProblems refuses UIDs below 10000 and non-integers', () => {
    expect(runAsUserProblems(10000)).toEqual([]);
    for (const uid of [0, 9999, 10000.5]) {
      expect(runAsUserProblems(uid)).toEqual([
        {
          prop: 'runAsUser',
          value: uid,
          rule: 'must be an integer of at least 10000',
          fix: 'a low UID can collide with a user of the node',
        },
      ]);
    }
  });

  test('secretEnvProblems names each secret variable that repeats a plain one', () => {
    const secretEnv = [
      { name: 'TOKEN', secretName: 's', key: 'token' },
      { name: 'MODE', secretName: 's', key: 'mode' },
    ];
    expect(secretEnvProblems({ MODE: 'a' }, secretEnv)).toEqual([
      { prop: 'secretEnv', value: 'MODE', rule: "must not repeat a name of 'env'" },
    ]);
    expect(secretEnvProblems(undefined, secretEnv)).toEqual([]);
  });
});

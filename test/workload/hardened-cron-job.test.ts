import { Chart, Testing } from 'cdk8s';
import { cronScheduleReason, HardenedCronJob, HardenedCronJobProps } from '../../lib/workload/hardened-cron-job';
import { podSecurityProblems, schemaProblems, SERVICE_IMAGE } from '../data/_helpers';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';

const BASE: HardenedCronJobProps = {
  name: 'purge',
  schedule: '30 2 * * *',
  image: SERVICE_IMAGE,
  command: ['/app/purge'],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
};

function synth(props: Partial<HardenedCronJobProps> = {}, chart: Chart = Testing.chart()): any[] {
  new HardenedCronJob(chart, 'Purge', { ...BASE, ...props });
  return Testing.synth(chart);
}

describe('HardenedCronJob |', () => {
  test('emits a CronJob and its own ServiceAccount, both named explicitly', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(kindCounts(manifests)).toEqual({ CronJob: 1, ServiceAccount: 1 });
    expect(manifests.map((m) => m.metadata.name)).toEqual(['purge', 'purge']);
    expect(findObject(manifests, 'ServiceAccount', 'purge').automountServiceAccountToken).toBe(false);
  });

  test('sets the scheduling and run limits', () => {
    const spec = findObject(synth(), 'CronJob', 'purge').spec;
    expect(spec).toMatchObject({
      schedule: '30 2 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      suspend: false,
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(spec.jobTemplate.spec.backoffLimit).toBe(2);
    expect(spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    expect(spec.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('meets Pod Security Standards restricted, with a read-only root and /tmp', () => {
    // WHEN
    const manifests = synth();
    const pod = findObject(manifests, 'CronJob', 'purge').spec.jobTemplate.spec.template.spec;
    // THEN
    expect(podSecurityProblems(manifests)).toEqual([]);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('purge');
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  test('every object validates against its schema', () => {
    expect(
      schemaProblems(
        synth({
          env: { B: '2', A: '1' },
          secretEnv: [{ name: 'DB_PASSWORD', secretName: 'db', key: 'password' }],
          secretMounts: [{ name: 'db', secretName: 'db' }],
          configMounts: [{ name: 'scripts', configMapName: 'scripts', mountPath: '/etc/scripts' }],
        }),
      ),
    ).toEqual([]);
  });

  test('mounts secrets and ConfigMaps read-only and writes env sorted', () => {
    const pod = findObject(
      synth({
        env: { ZETA: '1', ALPHA: '2' },
        secretMounts: [{ name: 'db', secretName: 'db-credentials' }],
        configMounts: [{ name: 'scripts', configMapName: 'purge-scripts', mountPath: '/etc/purge' }],
      }),
      'CronJob',
      'purge',
    ).spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].env.map((e: any) => e.name)).toEqual(['ALPHA', 'ZETA']);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'secret-db', mountPath: '/var/run/secrets/app/db', readOnly: true },
      { name: 'config-scripts', mountPath: '/etc/purge', readOnly: true },
    ]);
    expect(pod.volumes.slice(1)).toEqual([
      { name: 'secret-db', secret: { secretName: 'db-credentials', defaultMode: 0o440 } },
      { name: 'config-scripts', configMap: { name: 'purge-scripts', defaultMode: 0o444 } },
    ]);
  });

  test('mounts a token only when the job calls the API, and honours suspend and namespace', () => {
    const manifests = synth({ automountServiceAccountToken: true, suspend: true, namespace: 'velero' });
    const cronJob = findObject(manifests, 'CronJob', 'purge');
    expect(cronJob.spec.jobTemplate.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(cronJob.spec.suspend).toBe(true);
    expect(manifests.map((m) => m.metadata.namespace)).toEqual(['velero', 'velero']);
  });

  test('labels carry name, instance, component and version; extra labels too', () => {
    const cronJob = findObject(synth({ labels: { 'alp-deploy.io/data-class': 'x' } }), 'CronJob', 'purge');
    expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toEqual({
      'alp-deploy.io/data-class': 'x',
      'app.kubernetes.io/name': 'purge',
      'app.kubernetes.io/instance': 'purge',
      'app.kubernetes.io/component': 'job',
      'app.kubernetes.io/version': '2.3.1',
    });
  });

  test('accepts ranges, steps, lists and names in the schedule', () => {
    for (const schedule of ['*/15 * * * *', '0 3 1 * *', '5-59/15 0-6 * JAN-MAR mon,wed,FRI', '0 0 * * 7']) {
      expect(cronScheduleReason(schedule)).toBeUndefined();
    }
  });

  test('fails when the schedule is not a five-field cron expression', () => {
    expect(errorOf(() => synth({ schedule: '@daily' }))).toBe(
      'test/Purge: \'schedule\' ("@daily") must be a five-field cron expression (minute hour day-of-month month day-of-week) such as "30 2 * * *"; it has 1 field, not 5',
    );
    expect(errorOf(() => synth({ schedule: '0 25 * * *' }))).toBe(
      'test/Purge: \'schedule\' ("0 25 * * *") must be a five-field cron expression (minute hour day-of-month month day-of-week) such as "30 2 * * *"; the hour field "25" is out of range 0-23',
    );
  });

  test('fails when the name is longer than 52 characters', () => {
    const name = `a${'b'.repeat(52)}`;
    expect(errorOf(() => synth({ name }))).toBe(
      `test/Purge: 'name' ("${name}") must be a DNS label of at most 52 characters (lowercase letters, digits, "-"); the Job controller appends an 11-character suffix to a CronJob name, and a Job name has at most 63`,
    );
  });

  test('fails when the image is not pinned', () => {
    expect(errorOf(() => synth({ image: 'registry.example.com/alp/user-service' }))).toBe(
      "test/Purge: 'image' (\"registry.example.com/alp/user-service\") must be pinned by a digest (@sha256:…) or a tag; it has neither, which means 'latest'; pin the image so that every run executes the same code",
    );
  });

  test('fails with every invalid prop at once', () => {
    expect(
      errorOf(() =>
        synth({
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m', memory: '1G' } },
          backoffLimit: -1,
          startingDeadlineSeconds: 5,
          runAsUser: 0,
          configMounts: [{ name: 'x', configMapName: 'x', mountPath: '/tmp' }],
        }),
      ),
    ).toBe(
      [
        'test/Purge: 6 invalid props',
        '  - test/Purge: \'resources.requests.cpu\' ("1") must not exceed the limit (500m)',
        '  - test/Purge: \'resources.limits.memory\' ("1G") must be a memory quantity such as "512Mi"',
        "  - test/Purge: 'backoffLimit' (-1) must be an integer of at least 0",
        "  - test/Purge: 'startingDeadlineSeconds' (5) must be an integer of at least 10",
        "  - test/Purge: 'runAsUser' (0) must be an integer of at least 10000; a low UID can collide with a user of the node",
        '  - test/Purge: \'configMounts[0].mountPath\' ("/tmp") must be an absolute path other than /tmp and outside /var/run/secrets/app',
      ].join('\n'),
    );
  });

  test('fails when requests or limits are missing', () => {
    expect(errorOf(() => synth({ resources: undefined as any }))).toBe(
      "test/Purge: 'resources' (missing) must set both requests and limits; unbounded containers starve their neighbours",
    );
  });
});

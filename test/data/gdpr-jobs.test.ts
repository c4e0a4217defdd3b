import { Chart, Testing } from 'cdk8s';
import { POSTGRES } from '../../lib/core';
import { DataClass, GdprJobs, GdprJobsProps } from '../../lib/data/gdpr-jobs';
import { NetworkPeer } from '../../lib/network/network-peer';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';
import { podSecurityProblems, schemaProblems, SERVICE_IMAGE } from './_helpers';

const toPooler = { peer: NetworkPeer.pods({ ...POSTGRES.podLabels }, 'alp-data'), ports: [{ port: POSTGRES.port }] };
const dbSecret = { name: 'db', secretName: 'user-service-db' };

const ACTIVITY: DataClass = {
  name: 'learner-activity',
  retentionDays: 365,
  owningService: 'progress-service',
  image: SERVICE_IMAGE,
  command: ['/app/bin/purge', 'learner-activity'],
  secretMounts: [dbSecret],
  egress: [toPooler],
};
const ACCOUNTS: DataClass = {
  ...ACTIVITY,
  name: 'closed-accounts',
  retentionDays: 30,
  owningService: 'user-service',
  command: ['/app/bin/purge-accounts'],
};

const BASE: GdprJobsProps = {
  dataClasses: [ACTIVITY, ACCOUNTS],
  erasure: { image: SERVICE_IMAGE, command: ['/app/bin/process-erasure-requests'], secretMounts: [dbSecret], egress: [toPooler] },
};

function synth(props: Partial<GdprJobsProps> = {}): any[] {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'alp-data' });
  new GdprJobs(chart, 'Gdpr', { ...BASE, ...props });
  return Testing.synth(chart);
}

const container = (manifests: any[], name: string) =>
  findObject(manifests, 'CronJob', name).spec.jobTemplate.spec.template.spec.containers[0];

describe('GdprJobs |', () => {
  test('emits a retention job per data class and the erasure job, each with its account and policy', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(kindCounts(manifests)).toEqual({ CronJob: 3, ServiceAccount: 3, NetworkPolicy: 3 });
    expect(manifests.filter((m) => m.kind === 'CronJob').map((m) => m.metadata.name)).toEqual([
      'retention-closed-accounts',
      'retention-learner-activity',
      'gdpr-erasure',
    ]);
  });

  test('every object validates against its schema; the pods meet PSS restricted', () => {
    const manifests = synth();
    expect(schemaProblems(manifests)).toEqual([]);
    expect(podSecurityProblems(manifests)).toEqual([]);
  });

  test("runs the owning service's purge command daily, staggered, with the class and its retention", () => {
    // WHEN
    const manifests = synth();
    // THEN
    const activity = findObject(manifests, 'CronJob', 'retention-learner-activity');
    expect(activity.spec).toMatchObject({ schedule: '10 2 * * *', concurrencyPolicy: 'Forbid', timeZone: 'Etc/UTC' });
    expect(activity.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3 * 3600 });
    expect(findObject(manifests, 'CronJob', 'retention-closed-accounts').spec.schedule).toBe('0 2 * * *');
    const c = container(manifests, 'retention-learner-activity');
    expect([c.image, c.command]).toEqual([SERVICE_IMAGE, ['/app/bin/purge', 'learner-activity']]);
    expect(c.env).toEqual([
      { name: 'DATA_CLASS', value: 'learner-activity' },
      { name: 'RETENTION_DAYS', value: '365' },
    ]);
    expect(activity.metadata.labels).toMatchObject({
      'alp-deploy.io/data-class': 'learner-activity',
      'alp-deploy.io/owning-service': 'progress-service',
      'app.kubernetes.io/component': 'gdpr',
    });
  });

  test('names the class and retention variables as `retentionEnv` says, and runs at `priorityClassName`', () => {
    const manifests = synth({
      retentionEnv: { dataClass: 'SHOP_DATA_CLASS', retentionDays: 'SHOP_RETENTION_DAYS' },
      priorityClassName: 'shop-standard',
    });
    expect(container(manifests, 'retention-learner-activity').env).toEqual([
      { name: 'SHOP_DATA_CLASS', value: 'learner-activity' },
      { name: 'SHOP_RETENTION_DAYS', value: '365' },
    ]);
    const priorities = manifests.filter((m) => m.kind === 'CronJob').map((m) => m.spec.jobTemplate.spec.template.spec.priorityClassName);
    expect(priorities).toEqual(['shop-standard', 'shop-standard', 'shop-standard']);
    expect(
      synth()
        .filter((m) => m.kind === 'CronJob')
        .map((m) => m.spec.jobTemplate.spec.template.spec.priorityClassName),
    ).toEqual(['standard', 'standard', 'standard']);
  });

  test("fails when a data class sets a retention variable itself, or the variables' names are bad", () => {
    expect(errorOf(() => synth({ dataClasses: [{ ...ACTIVITY, env: { RETENTION_DAYS: '1' } }] }))).toBe(
      'test/Gdpr: \'dataClasses[0].env\' ("RETENTION_DAYS") must not set a variable the retention job sets itself',
    );
    expect(errorOf(() => synth({ retentionEnv: { dataClass: 'DATA-CLASS', retentionDays: 'DAYS' } }))).toBe(
      'test/Gdpr: \'retentionEnv.dataClass\' ("DATA-CLASS") must be an environment variable name (letters, digits, "_", not starting with a digit)',
    );
    expect(errorOf(() => synth({ retentionEnv: { dataClass: 'DAYS', retentionDays: 'DAYS' } }))).toBe(
      "test/Gdpr: 'retentionEnv.retentionDays' (\"DAYS\") must differ from 'retentionEnv.dataClass'",
    );
  });

  test('processes queued erasure requests hourly', () => {
    const erasure = findObject(synth(), 'CronJob', 'gdpr-erasure');
    expect(erasure.spec.schedule).toBe('15 * * * *');
    expect(erasure.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(45 * 60);
    expect(erasure.spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(['/app/bin/process-erasure-requests']);
  });

  test('lets each job reach only what it declares', () => {
    const policy = findObject(synth(), 'NetworkPolicy', 'retention-learner-activity');
    expect(policy.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'retention-learner-activity',
      'app.kubernetes.io/instance': 'retention-learner-activity',
    });
    expect(policy.spec.egress).toEqual([
      {
        to: [
          {
            podSelector: { matchLabels: POSTGRES.podLabels },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'alp-data' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]);
  });

  test('suspends every job for a region whose database is a replica', () => {
    expect(
      synth({ suspend: true })
        .filter((m) => m.kind === 'CronJob')
        .map((m) => m.spec.suspend),
    ).toEqual([true, true, true]);
  });

  test('fails when a data class is repeated, has no retention or no purge command', () => {
    expect(errorOf(() => synth({ dataClasses: [ACTIVITY, { ...ACTIVITY, retentionDays: 0, command: [] }] }))).toBe(
      [
        'test/Gdpr: 3 invalid props',
        '  - test/Gdpr: \'dataClasses[1].name\' ("learner-activity") must be unique',
        "  - test/Gdpr: 'dataClasses[1].retentionDays' (0) must be an integer of at least 1",
        "  - test/Gdpr: 'dataClasses[1].command' ([]) must not be empty; give the owning service's purge command",
      ].join('\n'),
    );
  });

  test('fails when a job could reach nothing', () => {
    expect(errorOf(() => synth({ erasure: { ...BASE.erasure, egress: [] } }))).toBe(
      "test/Gdpr: 'erasure.egress' ([]) must list at least one destination; the job must reach the data it purges or erases, e.g. the PostgreSQL pooler",
    );
  });

  test('fails when no data class is declared', () => {
    expect(errorOf(() => synth({ dataClasses: [] }))).toBe(
      "test/Gdpr: 'dataClasses' ([]) must list at least one data class; every class of personal data needs a retention period",
    );
  });

  test("fails when the owning service's image is not pinned", () => {
    expect(errorOf(() => synth({ dataClasses: [{ ...ACTIVITY, image: 'registry.example.com/alp/progress-service:latest' }] }))).toBe(
      "test/Gdpr: 'dataClasses[0].image' (\"registry.example.com/alp/progress-service:latest\") must be pinned by a digest (@sha256:…) or a tag other than 'latest'; pin the image so that every run executes the same code",
    );
  });
});

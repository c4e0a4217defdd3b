import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { buildPlatformApp, DataChart, platformApp, platformDrReport, platformSpec } from '../../charts';
import { BackupSchedule, PostgresCluster } from '../../lib';
import { isStatefulKind, SYNC_OPTIONS } from '../../lib/delivery/sync-policy';
import { validateSchema } from '../../lib/policy/schema';
import { clone, committedRelease, errorOf, platformModel, REPO_ROOT, serviceNameList } from '../helpers/manifests';
import { podSpecOf, restrictedViolations } from '../helpers/pod-security';
import { declaredConnections, synthesize, validatePlatform } from '../../platform';

const RELEASE = join(REPO_ROOT, 'release.yaml');

/** A synthesis of the platform with a changed copy of its spec. */
function synthWith(change: (spec: any) => void) {
  const spec: any = clone(platformSpec);
  change(spec);
  return synthesize({ ...platformApp, defaultSpec: spec }, { releaseFile: RELEASE });
}

describe('the data layer |', () => {
  const model = platformModel();
  const { spec } = model;
  const output = synthesize(platformApp, { releaseFile: RELEASE });
  const inFolder = (region: string, component: string) =>
    output.objects.filter((o) => o.region === region && o.component === component).map((o) => o.manifest);
  const find = (region: string, component: string, kind: string, name: string) => {
    const found = inFolder(region, component).filter((m) => m.kind === kind && m.metadata.name === name);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const dataObjects = output.objects.filter((o) => o.component === 'data').map((o) => o.manifest);

  describe('backups meet the RPO', () => {
    test('the ScheduledBackup and the Velero Schedule run every hour, at the RPO of 60 minutes, in both regions', () => {
      expect(spec.data.rpoMinutes).toBe(60);
      for (const region of ['primary', 'dr']) {
        // CloudNativePG's schedules have a leading seconds field.
        expect(find(region, 'data', 'ScheduledBackup', 'postgres-backup').spec).toEqual({
          backupOwnerReference: 'self',
          cluster: { name: 'postgres' },
          immediate: true,
          method: 'barmanObjectStore',
          schedule: '0 0 * * * *',
        });
        expect(find(region, 'data', 'Cluster', 'postgres').spec.postgresql.parameters.archive_timeout).toBe('5min');
        const schedule = find(region, 'platform', 'Schedule', 'alp-platform');
        expect(schedule.metadata.namespace).toBe('velero');
        expect(schedule.spec.schedule).toBe('0 * * * *');
        expect(schedule.spec.template.includedNamespaces).toEqual(['alp-blue', 'alp-data', 'alp-edge', 'alp-green', 'alp-monitoring']);
        // 30 days, within the GDPR retention of 365.
        expect(schedule.spec.template.ttl).toBe('720h0m0s');
      }
    });

    test('a tighter RPO tightens both schedules: never longer than the RPO', () => {
      const app = buildPlatformApp(
        validatePlatform({ ...clone(platformSpec), data: { ...clone(platformSpec.data), rpoMinutes: 45 } }, committedRelease()),
      );
      const charts = app.node.findAll().filter(DataChart.isDataChart);
      expect(charts).toHaveLength(2);
      for (const chart of charts) {
        expect(chart.postgres.backupIntervalMinutes).toBe(30);
        expect(chart.backupSchedule.intervalMinutes).toBe(30);
        expect(chart.backupSchedule.cron).toBe('*/30 * * * *');
      }
    });

    test('the build fails when the RPO is tightened beyond what scheduled backups can keep', () => {
      expect(
        errorOf(() =>
          synthWith((s) => {
            s.data.rpoMinutes = 10;
          }),
        ),
      ).toBe(
        'invalid platform input (1 problem); nothing was written\n'
          + "  - charts/platform-spec.ts: 'data.rpoMinutes' (10) must be a whole number of minutes, at least 15 (scheduled backups run at most every 15 minutes)",
      );
    });

    test('the constructs refuse a backup interval longer than the RPO', () => {
      const chart = new Chart(Testing.app(), 'Data', { namespace: 'alp-data' });
      expect(
        errorOf(
          () =>
            new BackupSchedule(chart, 'Backup', {
              name: 'alp-platform',
              namespaces: ['alp-data'],
              rpoMinutes: 30,
              intervalMinutes: 60,
              ttlHours: 720,
              gdprRetentionDays: 365,
            }),
        ),
      ).toBe(
        "Data/Backup: 'intervalMinutes' (60) must not exceed 'rpoMinutes' (30); a failure just before the next backup would lose up to 60 minutes of data; back up every 30 minutes or less",
      );
      expect(
        errorOf(
          () =>
            new PostgresCluster(chart, 'Postgres', {
              imageName: spec.data.postgres.image,
              resources: spec.data.postgres.resources,
              storageClass: 'encrypted-ssd',
              storageSize: '50Gi',
              secretStoreName: 'vault',
              appCredentialsKey: 'alp/data/postgres',
              objectStoreCredentialsKey: 'alp/data/object-store',
              backup: { destinationPath: 's3://alp-backups-primary/postgres' },
              rpoMinutes: 30,
              intervalMinutes: 60,
            }),
        ),
      ).toBe(
        "Data/Postgres: 'intervalMinutes' (60) must not exceed 'rpoMinutes' (30); a failure just before the next backup would lose up to 60 minutes of data; back up every 30 minutes or less",
      );
    });

    test('the build fails when Velero would keep backups longer than the GDPR retention', () => {
      expect(
        errorOf(() =>
          synthWith((s) => {
            s.data.gdpr.retentionDays = 20;
            s.data.backups.retentionDays = 7;
            s.data.gdpr.dataClasses.forEach((c: any) => {
              c.retentionDays = 20;
            });
          }),
        ),
      ).toBe(
        'invalid platform input (1 problem); nothing was written\n'
          + "  - charts/platform-spec.ts: 'data.backups.veleroTtlHours' (720) must not exceed the GDPR retention period ('data.gdpr.retentionDays' 20, 480 hours): a backup kept longer holds personal data that should have been erased",
      );
    });
  });

  test("the DR region runs a replica cluster that recovers from the primary's archive", () => {
    const primary = find('primary', 'data', 'Cluster', 'postgres').spec;
    const dr = find('dr', 'data', 'Cluster', 'postgres').spec;
    expect(primary.replica).toBeUndefined();
    expect(primary.backup.barmanObjectStore).toMatchObject({
      destinationPath: 's3://alp-backups-primary/postgres',
      serverName: 'alp-primary',
    });
    expect(dr.replica).toEqual({ enabled: true, source: 'alp-primary-archive' });
    expect(dr.externalClusters).toHaveLength(1);
    expect(dr.externalClusters[0]).toMatchObject({
      name: 'alp-primary-archive',
      barmanObjectStore: {
        destinationPath: primary.backup.barmanObjectStore.destinationPath,
        serverName: primary.backup.barmanObjectStore.serverName,
      },
    });
    expect(dr.bootstrap.recovery.source).toBe('alp-primary-archive');
    // Its own archive, for when it is promoted.
    expect(dr.backup.barmanObjectStore).toMatchObject({ destinationPath: 's3://alp-backups-dr/postgres', serverName: 'alp-dr' });
    // Redis follows the primary region's; the GDPR jobs wait for a promotion.
    const redisEnv = find('dr', 'data', 'StatefulSet', 'redis').spec.template.spec.containers[0].env;
    expect(redisEnv).toEqual(expect.arrayContaining([{ name: 'REDIS_PRIMARY_HOST', value: 'redis.primary.alp.example.com' }]));
    const jobs = (region: string) => inFolder(region, 'data').filter((m) => m.kind === 'CronJob' && m.metadata.name !== 'restore-drill');
    expect(jobs('dr').map((j) => j.spec.suspend)).toEqual([true, true, true, true]);
    expect(jobs('primary').map((j) => j.spec.suspend ?? false)).toEqual([false, false, false, false]);
  });

  test('no object that holds data can be pruned or deleted by Argo CD', () => {
    const holders = dataObjects.filter((m) => ['Cluster', 'StatefulSet', 'ScheduledBackup', 'PersistentVolumeClaim'].includes(m.kind));
    // Per region: the PostgreSQL Cluster, its ScheduledBackup and Redis's StatefulSet.
    expect(holders.map((m) => m.kind).sort()).toEqual([
      'Cluster',
      'Cluster',
      'ScheduledBackup',
      'ScheduledBackup',
      'StatefulSet',
      'StatefulSet',
    ]);
    for (const m of holders)
      expect({ object: `${m.kind}/${m.metadata.name}`, options: m.metadata.annotations?.[SYNC_OPTIONS] }).toEqual({
        object: `${m.kind}/${m.metadata.name}`,
        options: 'Prune=false,Delete=false',
      });
    // The volume claims of Redis's pods are owned by the StatefulSet, and outlive it.
    for (const m of dataObjects.filter((o) => o.kind === 'StatefulSet')) {
      expect(m.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    }
    // Every other object of the data folders holds no data: Argo CD may prune it.
    for (const m of dataObjects.filter((o) => !isStatefulKind(o.kind))) expect(m.metadata.annotations?.[SYNC_OPTIONS]).toBeUndefined();
    expect(find('primary', 'platform', 'Namespace', 'alp-data').metadata.annotations[SYNC_OPTIONS]).toBe('Prune=false,Delete=false');
  });

  test('every new workload passes Pod Security Standards restricted', () => {
    const workloads = dataObjects.filter((m) => podSpecOf(m));
    // Per region: Redis, 3 retention jobs, the erasure job and the restore drill.
    expect(workloads.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'CronJob/gdpr-erasure',
      'CronJob/gdpr-erasure',
      'CronJob/restore-drill',
      'CronJob/restore-drill',
      'CronJob/retention-analytics-events',
      'CronJob/retention-analytics-events',
      'CronJob/retention-assessment-results',
      'CronJob/retention-assessment-results',
      'CronJob/retention-learner-activity',
      'CronJob/retention-learner-activity',
      'StatefulSet/redis',
      'StatefulSet/redis',
    ]);
    for (const m of workloads)
      expect({ object: `${m.kind}/${m.metadata.name}`, violations: restrictedViolations(podSpecOf(m)) }).toEqual({
        object: `${m.kind}/${m.metadata.name}`,
        violations: [],
      });
    // The operator builds the PostgreSQL and PgBouncer pods; the Pooler's template pins the restricted settings it allows.
    const pooler = find('primary', 'data', 'Pooler', 'postgres-pooler-rw').spec.template.spec;
    expect(pooler.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pooler.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    });
  });

  test('every new object validates against its schema', () => {
    const added = [
      ...dataObjects,
      ...output.objects
        .filter((o) => o.component === 'platform' && ['Schedule', 'ClusterRole', 'ClusterRoleBinding'].includes(o.manifest.kind))
        .map((o) => o.manifest),
    ];
    expect(new Set(added.map((m) => m.kind))).toEqual(
      new Set([
        'AuthorizationPolicy',
        'Cluster',
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'CronJob',
        'ExternalSecret',
        'NetworkPolicy',
        'PeerAuthentication',
        'PodDisruptionBudget',
        'Pooler',
        'Role',
        'RoleBinding',
        'Schedule',
        'ScheduledBackup',
        'Service',
        'ServiceAccount',
        'StatefulSet',
      ]),
    );
    expect(added.flatMap(validateSchema)).toEqual([]);
  });

  test('the restore drill may delete only its own throwaway namespace, and reach only the API server', () => {
    expect(find('primary', 'platform', 'ClusterRole', 'restore-drill-namespaces').rules).toEqual([
      { apiGroups: [''], resourceNames: ['drill-alp-data'], resources: ['namespaces'], verbs: ['delete', 'get', 'list', 'watch'] },
    ]);
    expect(find('primary', 'data', 'Role', 'restore-drill')).toMatchObject({
      metadata: { namespace: 'velero' },
      rules: [{ apiGroups: ['velero.io'], resources: ['restores'], verbs: ['create', 'delete', 'get'] }],
    });
    expect(find('primary', 'data', 'NetworkPolicy', 'restore-drill').spec.egress).toEqual([
      {
        ports: [
          { port: 443, protocol: 'TCP' },
          { port: 6443, protocol: 'TCP' },
        ],
        to: [{ ipBlock: { cidr: '10.0.0.0/28' } }],
      },
    ]);
  });

  test('the GDPR jobs reach only the pooler, which lets them in', () => {
    const pooler = find('primary', 'data', 'NetworkPolicy', 'postgres-pooler-rw').spec.ingress;
    for (const job of ['gdpr-erasure', 'retention-analytics-events', 'retention-assessment-results', 'retention-learner-activity']) {
      expect(find('primary', 'data', 'NetworkPolicy', job).spec.egress).toEqual([
        {
          ports: [{ port: 5432, protocol: 'TCP' }],
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'alp-data' } },
              podSelector: { matchLabels: { 'cnpg.io/poolerName': 'postgres-pooler-rw' } },
            },
          ],
        },
      ]);
      expect(JSON.stringify(pooler)).toContain(`"app.kubernetes.io/name":"${job}"`);
    }
    const declared = declaredConnections(spec)
      .filter((c) => c.to === 'alp-data/postgres-pooler-rw' && c.from.startsWith('alp-data/'))
      .map((c) => c.from);
    expect(declared).toEqual([
      'alp-data/gdpr-erasure',
      'alp-data/retention-analytics-events',
      'alp-data/retention-assessment-results',
      'alp-data/retention-learner-activity',
    ]);
  });

  test("with one cluster per colour, the primary region's first colour holds the primaries and every other cluster a replica", () => {
    const perColor = synthWith((s) => {
      s.topology = 'cluster-per-color';
      for (const region of s.regions) {
        delete region.cluster;
        region.colorClusters = {
          blue: { name: `alp-${region.name}-blue`, server: `https://blue.${region.name}.k8s.alp.example.com` },
          green: { name: `alp-${region.name}-green`, server: `https://green.${region.name}.k8s.alp.example.com` },
        };
      }
    });
    const clusters = perColor.objects
      .filter((o) => o.manifest.kind === 'Cluster')
      .map((o) => ({
        folder: `${o.region}/${o.component}`,
        replicaOf: o.manifest.spec.replica?.enabled ? o.manifest.spec.externalClusters[0].barmanObjectStore.serverName : undefined,
        archive: `${o.manifest.spec.backup.barmanObjectStore.destinationPath}/${o.manifest.spec.backup.barmanObjectStore.serverName}`,
      }));
    expect(clusters.sort((a, b) => a.folder.localeCompare(b.folder))).toEqual([
      { folder: 'dr/blue-data', replicaOf: 'alp-primary-blue', archive: 's3://alp-backups-dr/postgres/alp-dr-blue' },
      { folder: 'dr/green-data', replicaOf: 'alp-primary-blue', archive: 's3://alp-backups-dr/postgres/alp-dr-green' },
      { folder: 'primary/blue-data', replicaOf: undefined, archive: 's3://alp-backups-primary/postgres/alp-primary-blue' },
      { folder: 'primary/green-data', replicaOf: 'alp-primary-blue', archive: 's3://alp-backups-primary/postgres/alp-primary-green' },
    ]);
    expect(perColor.files.get('reports/dr.md')).toContain('**Gaps: none.**');
  });

  describe('Redis replication through the mesh', () => {
    /** The Redis container's TLS port (the one replication uses): its name and number. */
    const redisTlsPort = (region: string) =>
      find(region, 'data', 'StatefulSet', 'redis').spec.template.spec.containers[0].ports.find((p: any) => p.name === 'redis-tls');

    test("the primary's replication endpoint admits the replicas' addresses on its TLS port only; every other port stays STRICT", () => {
      // GIVEN the primary's endpoint for the other clusters' replicas
      const service = find('primary', 'data', 'Service', 'redis-replication');
      const tlsPort = redisTlsPort('primary');
      expect(service.spec.ports.map((p: any) => p.targetPort)).toEqual([tlsPort.name]);
      // THEN the mesh lets exactly those addresses in on exactly that pod port, and no other
      expect(find('primary', 'data', 'PeerAuthentication', 'redis-replication-from-replicas').spec).toEqual({
        selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } },
        mtls: { mode: 'UNSET' },
        portLevelMtls: { [String(tlsPort.containerPort)]: { mode: 'PERMISSIVE' } },
      });
      expect(find('primary', 'data', 'AuthorizationPolicy', 'redis-replication-from-replicas').spec).toEqual({
        selector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } },
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { ipBlocks: service.spec.loadBalancerSourceRanges } }],
            to: [{ operation: { ports: [String(tlsPort.containerPort)] } }],
          },
        ],
      });
      expect(service.spec.loadBalancerSourceRanges).toEqual([...spec.data.replication.replicaCidrs].sort());
      // AND a replica cluster has no such way in
      expect(inFolder('dr', 'data').filter((m) => m.metadata.name === 'redis-replication-from-replicas')).toEqual([]);
    });

    test("Redis's own pods may replicate to each other over TLS under the mesh's deny-by-default", () => {
      for (const region of ['primary', 'dr']) {
        const tlsPort = String(redisTlsPort(region).containerPort);
        const rules = find(region, 'data', 'AuthorizationPolicy', 'redis').spec.rules;
        const redisPrincipal = `cluster.local/ns/${spec.namespaces.data}/sa/redis`;
        expect(
          rules.filter((r: any) => r.to[0].operation.ports.includes(tlsPort)).flatMap((r: any) => r.from[0].source.principals),
        ).toEqual([redisPrincipal]);
      }
    });
  });

  describe('reports/dr.md', () => {
    const report = readFileSync(join(REPO_ROOT, 'dist', 'reports', 'dr.md'), 'utf8');

    test("is written and lists no gap for the platform's own spec", () => {
      expect(output.files.get('reports/dr.md')).toBe(report);
      expect(report).toContain('Objectives: RPO 1 h, RTO 4 h. Primary region `primary`, DR region `dr`.');
      expect(report).toContain('**Gaps: none.**');
      expect(report).not.toContain('**Gap:**');
      expect(report.match(/^## (postgres|redis|velero\/alp-platform): /gm)).toEqual([
        '## postgres: ',
        '## redis: ',
        '## velero/alp-platform: ',
      ]);
      expect(report).toContain('`kubectl -n alp-data patch cluster postgres --type merge -p \'{"spec":{"replica":{"enabled":false}}}\'`');
    });

    test('calls out a gap when the spec leaves one', () => {
      const spec2: any = clone(platformSpec);
      delete spec2.data.backups.veleroDrCopy;
      spec2.data.redis.restoreEstimateMinutes = 300;
      const text = platformDrReport(
        buildPlatformApp(validatePlatform(spec2, committedRelease())),
        validatePlatform(spec2, committedRelease()),
      );
      expect(text).toContain('**Gaps: 2** (see each data store).');
      expect(text).toContain('- **Gap:** Restore estimate 5 h exceeds the RTO of 4 h.');
      expect(text).toContain('- **Gap:** No copy in the DR region: a region loss loses the store.');
    });
  });

  test('cluster/audit-policy.yaml holds the API server audit policy with the required levels', () => {
    const text = readFileSync(join(REPO_ROOT, 'dist', 'cluster', 'audit-policy.yaml'), 'utf8');
    expect(output.files.get('cluster/audit-policy.yaml')).toBe(text);
    const policy = yaml.load(text) as any;
    expect(policy).toMatchObject({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'] });
    const levelOf = (group: string, resource: string) =>
      policy.rules.find(
        (r: any) =>
          !r.verbs && !r.users && !r.userGroups && r.resources?.some((g: any) => g.group === group && g.resources.includes(resource)),
      )?.level;
    expect(levelOf('', 'secrets')).toBe('Metadata');
    expect(levelOf('', 'configmaps')).toBe('Metadata');
    expect(levelOf('rbac.authorization.k8s.io', 'clusterrolebindings')).toBe('RequestResponse');
    expect(levelOf('', 'pods/exec')).toBe('RequestResponse');
    expect(levelOf('', 'pods/attach')).toBe('RequestResponse');
    expect(policy.rules[0]).toEqual({ level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/metrics', '/readyz*', '/version'] });
  });

  describe("the spec's data section", () => {
    const problems = (change: (spec: any) => void) => {
      const s: any = clone(platformSpec);
      change(s);
      return errorOf(() => validatePlatform(s, committedRelease()))
        .split('\n  - ')
        .slice(1);
    };

    test('is cross-checked against the services and regions', () => {
      expect(
        problems((s) => {
          s.data.gdpr.dataClasses[0].owningService = 'quiz-service';
          s.data.gdpr.dataClasses[1].image = 'registry.alp.example.com/alp/user-service:3.2.0';
          s.data.gdpr.dataClasses[2].retentionDays = 400;
          delete s.data.backups.destinations.dr;
        }),
      ).toEqual([
        "spec: 'data.backups.destinations.dr' (missing) is required: every region archives its PostgreSQL to its own location",
        `spec: 'data.gdpr.dataClasses[0].owningService' ("quiz-service") must name a service of this spec (one of: ${serviceNameList(platformSpec)})`,
        "spec: 'data.gdpr.dataClasses[1].image' (\"registry.alp.example.com/alp/user-service:3.2.0\") must be an image of the owning service 'assessment-service' (repository registry.alp.example.com/alp/assessment-service)",
        "spec: 'data.gdpr.dataClasses[2].retentionDays' (400) must not exceed 'data.gdpr.retentionDays' (365)",
      ]);
    });

    test('has precise messages for its own fields', () => {
      expect(
        problems((s) => {
          s.data.postgres.image = 'ghcr.io/cloudnative-pg/postgresql:latest';
          s.data.postgres.instances = 2;
          s.data.redis.storageSize = '8GB';
          s.data.backups.destinations.primary = 'https://alp-backups-primary';
          s.data.apiServerCidrs = [];
          s.data.retention = 1;
        }),
      ).toEqual([
        "spec: 'data.apiServerCidrs' ([]) must list at least one CIDR (CloudNativePG's instance manager cannot run without the API)",
        'spec: \'data.backups.destinations.primary\' ("https://alp-backups-primary") must be an S3 URL such as "s3://alp-backups-primary/postgres"',
        'spec: \'data.postgres.image\' ("ghcr.io/cloudnative-pg/postgresql:latest") must be a pinned image reference: <repository>:<tag other than "latest"> or <repository>[:<tag>]@sha256:<digest>',
        "spec: 'data.postgres.instances' (2) must be an integer of at least 3 (a primary and two standbys, for synchronous replication over zones)",
        'spec: \'data.redis.storageSize\' ("8GB") must be a storage size such as "50Gi" (a whole number of Mi, Gi or Ti)',
        "spec: 'data.retention' (1) is not a known field",
      ]);
    });
  });
});

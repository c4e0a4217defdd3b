import { Chart, Testing } from 'cdk8s';
import { CNPG_POD_VOLUMES, PostgresCluster, PostgresClusterProps } from '../../lib/data/postgres';
import { POSTGRES } from '../../lib/core';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';
import { restrictedViolations } from '../helpers/pod-security';
import { POSTGRES_IMAGE, PRIMARY_POSTGRES, schemaProblems } from './_helpers';

const PRIMARY: PostgresClusterProps = {
  ...PRIMARY_POSTGRES,
  backup: { ...PRIMARY_POSTGRES.backup, endpointURL: 'https://s3.eu-west-1.amazonaws.com' },
};

/** The DR region's replica of PRIMARY's archive, archiving to a bucket of its own. */
const REPLICA: PostgresClusterProps = {
  ...PRIMARY,
  backup: { destinationPath: 's3://alp-pg-dr/alp' },
  replicaOf: {
    name: 'postgres-archive',
    destinationPath: 's3://alp-pg-primary/alp',
    endpointURL: 'https://s3.eu-west-1.amazonaws.com',
    serverName: 'postgres',
  },
};

function synth(props: Partial<PostgresClusterProps> = {}): any[] {
  const chart = Testing.chart();
  new PostgresCluster(chart, 'Postgres', { ...PRIMARY, ...props });
  return Testing.synth(chart);
}

describe('PostgresCluster | primary', () => {
  test('emits the Cluster, ScheduledBackup, Pooler and two ExternalSecrets', () => {
    expect(kindCounts(synth())).toEqual({ ExternalSecret: 2, Cluster: 1, ScheduledBackup: 1, Pooler: 1 });
  });

  test('every object validates against its schema', () => {
    expect(schemaProblems(synth())).toEqual([]);
    expect(schemaProblems(synth(REPLICA))).toEqual([]);
  });

  test('runs 3 instances with quorum synchronous replication, spread over zones', () => {
    const spec = findObject(synth(), 'Cluster', 'postgres').spec;
    expect(spec.instances).toBe(3);
    expect(spec.postgresql.synchronous).toEqual({ method: 'any', number: 1, dataDurability: 'required' });
    expect(spec.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres', 'cnpg.io/podRole': 'instance' } },
      },
    ]);
    expect(spec.affinity).toEqual({ enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname', podAntiAffinityType: 'preferred' });
    expect(spec.storage).toEqual({ storageClass: 'encrypted-ssd', size: '50Gi' });
    expect(spec.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } });
    expect(spec.monitoring).toEqual({ enablePodMonitor: true });
    expect(spec.enableSuperuserAccess).toBe(false);
    expect(spec.imageName).toBe(POSTGRES_IMAGE);
  });

  test('archives WAL and base backups to S3, encrypted and compressed, with credentials from an ExternalSecret', () => {
    // WHEN
    const manifests = synth();
    const backup = findObject(manifests, 'Cluster', 'postgres').spec.backup;
    // THEN
    expect(backup.retentionPolicy).toBe('30d');
    expect(backup.barmanObjectStore).toEqual({
      destinationPath: 's3://alp-pg-primary/alp',
      endpointURL: 'https://s3.eu-west-1.amazonaws.com',
      serverName: 'postgres',
      s3Credentials: {
        accessKeyId: { name: 'postgres-object-store', key: 'ACCESS_KEY_ID' },
        secretAccessKey: { name: 'postgres-object-store', key: 'ACCESS_SECRET_KEY' },
      },
      data: { compression: 'gzip', encryption: 'AES256' },
      wal: { compression: 'gzip', encryption: 'AES256', maxParallel: 2 },
    });
    const secret = findObject(manifests, 'ExternalSecret', 'postgres-object-store');
    expect(secret.spec.data.map((d: any) => [d.secretKey, d.remoteRef.key])).toEqual([
      ['ACCESS_KEY_ID', 'alp/postgres/object-store'],
      ['ACCESS_SECRET_KEY', 'alp/postgres/object-store'],
    ]);
  });

  test('bootstraps the application database with the owner credentials from an ExternalSecret (basic-auth)', () => {
    const manifests = synth();
    expect(findObject(manifests, 'Cluster', 'postgres').spec.bootstrap).toEqual({
      initdb: { database: 'app', owner: 'app', secret: { name: 'postgres-app-user' }, dataChecksums: true },
    });
    expect(findObject(manifests, 'ExternalSecret', 'postgres-app-user').spec.target.template.type).toBe('kubernetes.io/basic-auth');
  });

  test('derives the backup schedule and archive_timeout from the RPO', () => {
    // GIVEN an RPO of 60 minutes
    const manifests = synth();
    // THEN hourly base backups (CloudNativePG cron has a seconds field) and 5-minute WAL archiving
    expect(findObject(manifests, 'ScheduledBackup', 'postgres-backup').spec).toEqual({
      cluster: { name: 'postgres' },
      schedule: '0 0 * * * *',
      method: 'barmanObjectStore',
      immediate: true,
      backupOwnerReference: 'self',
    });
    expect(findObject(manifests, 'Cluster', 'postgres').spec.postgresql.parameters).toEqual({ archive_timeout: '5min' });
    // AND a tighter RPO gives a tighter schedule
    expect(findObject(synth({ rpoMinutes: 30, minuteOffset: 10 }), 'ScheduledBackup', 'postgres-backup').spec.schedule).toBe(
      '0 10-59/30 * * * *',
    );
  });

  test("keeps the instances' data volumes out of Velero's file-system backup, through the annotation the operator puts on its pods", () => {
    for (const props of [PRIMARY, REPLICA]) {
      const spec = findObject(synth(props), 'Cluster', 'postgres').spec;
      // Velero's opt-out mode reads this pod annotation; CloudNativePG copies inheritedMetadata onto every pod it creates.
      const excluded = spec.inheritedMetadata.annotations['backup.velero.io/backup-volumes-excludes'].split(',');
      expect(excluded).toEqual(expect.arrayContaining(['pgdata', 'pg-wal']));
      expect(excluded).toEqual([...CNPG_POD_VOLUMES]);
    }
  });

  test('creates the read-write PgBouncer pooler the services use', () => {
    const pooler = findObject(synth(), 'Pooler', POSTGRES.name);
    expect(pooler.spec).toMatchObject({ cluster: { name: 'postgres' }, type: 'rw', instances: 2, pgbouncer: { poolMode: 'session' } });
    expect(pooler.spec.template.metadata.labels).toEqual(POSTGRES.podLabels);
    expect(restrictedViolations(pooler.spec.template.spec)).toEqual([]);
  });

  test('exposes the source a replica cluster follows', () => {
    const chart = Testing.chart();
    const primary = new PostgresCluster(chart, 'Postgres', PRIMARY);
    expect(primary.replicaSource).toEqual({
      name: 'postgres-archive',
      destinationPath: 's3://alp-pg-primary/alp',
      endpointURL: 'https://s3.eu-west-1.amazonaws.com',
      serverName: 'postgres',
    });
    expect([primary.backupIntervalMinutes, primary.archiveTimeoutMinutes]).toEqual([60, 5]);
  });

  test('fails when the backup interval would exceed the RPO', () => {
    expect(errorOf(() => synth({ rpoMinutes: 30, intervalMinutes: 60 }))).toBe(
      "test/Postgres: 'intervalMinutes' (60) must not exceed 'rpoMinutes' (30); a failure just before the next backup would lose up to 60 minutes of data; back up every 30 minutes or less",
    );
  });

  test('fails when a primary has fewer than 3 instances', () => {
    expect(errorOf(() => synth({ instances: 2 }))).toBe(
      "test/Postgres: 'instances' (2) must be an integer of at least 3; a primary needs a synchronous standby and a spare to survive the loss of one instance or zone",
    );
  });

  test('fails when archive_timeout exceeds the RPO', () => {
    expect(errorOf(() => synth({ rpoMinutes: 15, archiveTimeoutMinutes: 20 }))).toBe(
      "test/Postgres: 'archiveTimeoutMinutes' (20) must be an integer from 1 to 15; a WAL segment archived later than the RPO can lose more data than the RPO allows",
    );
  });

  test('fails when backups outlive the GDPR retention period', () => {
    expect(errorOf(() => synth({ retentionDays: 30, gdprRetentionDays: 30 }))).toBe(
      "test/Postgres: 'retentionDays' (30) must keep backups no longer than 'gdprRetentionDays' (30) allows; the archive keeps data up to 30 days plus one backup interval (60 minutes); a backup kept longer than the retention period is an error; lower retentionDays",
    );
    expect(() => synth({ retentionDays: 29, gdprRetentionDays: 30 })).not.toThrow();
  });

  test('fails with every invalid prop at once', () => {
    expect(
      errorOf(() =>
        synth({
          imageName: 'ghcr.io/cloudnative-pg/postgresql:latest',
          synchronousReplicas: 3,
          storageSize: '50GB',
          backup: { destinationPath: 'https://bucket', endpointURL: 'http://minio:9000' },
          pooler: { instances: 1 },
        }),
      ),
    ).toBe(
      [
        'test/Postgres: 6 invalid props',
        "  - test/Postgres: 'imageName' (\"ghcr.io/cloudnative-pg/postgresql:latest\") must be pinned by a digest (@sha256:…) or a tag other than 'latest'; pin the operand image: an unplanned PostgreSQL upgrade is an outage",
        "  - test/Postgres: 'synchronousReplicas' (3) must be an integer from 1 to 2; each synchronous standby must be another instance of the cluster",
        '  - test/Postgres: \'storageSize\' ("50GB") must be a storage size such as "50Gi" (a whole number of Mi, Gi or Ti)',
        '  - test/Postgres: \'backup.destinationPath\' ("https://bucket") must be an S3 URL such as "s3://bucket/path"',
        '  - test/Postgres: \'backup.endpointURL\' ("http://minio:9000") must be an https:// URL; backups and credentials must not travel in plain text',
        "  - test/Postgres: 'pooler.instances' (1) must be an integer of at least 2; a single PgBouncer pod cuts every connection when it is drained or fails",
      ].join('\n'),
    );
  });
});

describe('PostgresCluster | replica', () => {
  test("is bootstrapped from the primary's archive and stays in continuous recovery", () => {
    // WHEN
    const spec = findObject(synth(REPLICA), 'Cluster', 'postgres').spec;
    // THEN
    expect(spec.bootstrap).toEqual({ recovery: { source: 'postgres-archive' } });
    expect(spec.replica).toEqual({ enabled: true, source: 'postgres-archive' });
    expect(spec.externalClusters).toEqual([
      {
        name: 'postgres-archive',
        barmanObjectStore: {
          destinationPath: 's3://alp-pg-primary/alp',
          endpointURL: 'https://s3.eu-west-1.amazonaws.com',
          serverName: 'postgres',
          s3Credentials: {
            accessKeyId: { name: 'postgres-object-store', key: 'ACCESS_KEY_ID' },
            secretAccessKey: { name: 'postgres-object-store', key: 'ACCESS_SECRET_KEY' },
          },
          wal: { maxParallel: 8 },
        },
      },
    ]);
    // AND archives to a location of its own, ready for promotion
    expect(spec.backup.barmanObjectStore.destinationPath).toBe('s3://alp-pg-dr/alp');
  });

  test('follows the archive the primary construct exposes', () => {
    // GIVEN the primary and the DR replica in two charts of one app
    const app = Testing.app();
    const primary = new PostgresCluster(new Chart(app, 'Primary'), 'Postgres', PRIMARY);
    const dr = new Chart(app, 'Dr');
    // WHEN
    new PostgresCluster(dr, 'Postgres', { ...REPLICA, replicaOf: primary.replicaSource });
    // THEN
    expect(findObject(Testing.synth(dr), 'Cluster', 'postgres').spec.externalClusters[0].barmanObjectStore.destinationPath).toBe(
      's3://alp-pg-primary/alp',
    );
  });

  test('may run a single instance, without synchronous replication', () => {
    const spec = findObject(synth({ ...REPLICA, instances: 1 }), 'Cluster', 'postgres').spec;
    expect(spec.instances).toBe(1);
    expect(spec.postgresql.synchronous).toBeUndefined();
  });

  test('fails when it would archive into the archive it replicates from', () => {
    expect(errorOf(() => synth({ ...REPLICA, backup: PRIMARY.backup }))).toBe(
      "test/Postgres: 'backup.serverName' (\"postgres\") must name an archive other than the source's; this cluster would write into the archive it replicates from (s3://alp-pg-primary/alp, server postgres); use another bucket or serverName",
    );
  });

  test("fails when the source has the cluster's own name", () => {
    expect(errorOf(() => synth({ ...REPLICA, replicaOf: { ...REPLICA.replicaOf!, name: 'postgres' } }))).toBe(
      "test/Postgres: 'replicaOf.name' (\"postgres\") must differ from the cluster's name (postgres); name the primary's archive, e.g. the primary's replicaSource",
    );
  });
});

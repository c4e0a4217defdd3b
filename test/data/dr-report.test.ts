import { App, Chart, Testing } from 'cdk8s';
import { drGaps, DataStoreDrSummary, DrReportInput, formatMinutes, renderDrReport } from '../../lib/data/dr-report';
import { postgresFailoverSteps, redisFailoverSteps, trafficFailoverSteps } from '../../lib/data/dr-runbooks';
import { clusterObjectsDrSummary, postgresDrSummary, redisDrSummary } from '../../lib/data/dr-summaries';
import { PostgresCluster, PostgresClusterProps } from '../../lib/data/postgres';
import { Redis, RedisProps } from '../../lib/data/redis';
import { RestoreDrill } from '../../lib/data/restore-drill';
import { BackupSchedule } from '../../lib/data/velero';
import { NetworkPeer } from '../../lib/network/network-peer';
import { KUBECTL_IMAGE, PRIMARY_POSTGRES, REDIS_IMAGE } from './_helpers';

const OBJECTIVES = { rpoMinutes: 60, rtoMinutes: 240 };

const PG: PostgresClusterProps = { ...PRIMARY_POSTGRES, rpoMinutes: OBJECTIVES.rpoMinutes };
const REDIS_PROPS: RedisProps = {
  image: REDIS_IMAGE,
  resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  storageClassName: 'encrypted-ssd',
  secretStoreName: 'vault',
  passwordKey: 'alp/redis/auth',
  tlsKey: 'alp/redis/tls',
};

/** The platform's data layer in two regions, and the report built from it. */
function platformReport(): DrReportInput {
  const app = new App();
  const primary = new Chart(app, 'Primary', { namespace: 'alp-data' });
  const dr = new Chart(app, 'Dr', { namespace: 'alp-data' });
  const postgres = new PostgresCluster(primary, 'Postgres', PG);
  const postgresDr = new PostgresCluster(dr, 'Postgres', {
    ...PG,
    backup: { destinationPath: 's3://alp-pg-dr/alp' },
    replicaOf: postgres.replicaSource,
  });
  const redis = new Redis(primary, 'Redis', { ...REDIS_PROPS, replicaPeers: [NetworkPeer.cidr('10.20.0.0/16')] });
  const redisDr = new Redis(dr, 'Redis', {
    ...REDIS_PROPS,
    replicaOf: { host: 'redis.alp-data.primary.internal', peer: NetworkPeer.cidr('10.10.0.0/16') },
  });
  const backups = new BackupSchedule(primary, 'Backups', {
    name: 'platform',
    namespaces: ['alp-data', 'alp-edge'],
    rpoMinutes: 60,
    ttlHours: 720,
    gdprRetentionDays: 30,
  });
  const drill = new RestoreDrill(primary, 'Drill', {
    backupSchedule: backups,
    namespaces: ['alp-data'],
    image: KUBECTL_IMAGE,
    apiServer: [NetworkPeer.cidr('172.20.0.1/32')],
  });
  return {
    objectives: OBJECTIVES,
    primaryRegion: 'primary',
    drRegion: 'dr',
    dataStores: [
      postgresDrSummary(postgres, {
        drReplica: postgresDr,
        restoreEstimateMinutes: 30,
        failover: postgresFailoverSteps({ namespace: 'alp-data', clusterName: postgresDr.name, dataApplication: 'alp-dr-data' }),
      }),
      redisDrSummary(redis, {
        drReplica: redisDr,
        backupSchedule: backups,
        drill,
        restoreEstimateMinutes: 10,
        failover: redisFailoverSteps({ namespace: 'alp-data', name: 'redis', passwordFile: '/var/run/secrets/alp/redis-auth/password' }),
      }),
      clusterObjectsDrSummary(backups, {
        drCopy: 'the backup bucket is replicated to the DR region',
        drill,
        restoreEstimateMinutes: 90,
        failover: ['Argo CD syncs the DR region from git; restore volumes with Velero where needed.'],
      }),
    ],
    trafficFailover: trafficFailoverSteps({ drRegion: 'dr', color: 'blue', switchTrafficCommand: 'npx alp switch-traffic' }),
  };
}

const STORE: DataStoreDrSummary = {
  name: 'postgres',
  engine: 'PostgreSQL',
  backupIntervalMinutes: 60,
  continuousArchiveMinutes: 5,
  replication: 'synchronous',
  drCopy: 'replica cluster',
  restorePath: 'promote',
  restoreEstimateMinutes: 30,
  restoreTest: 'continuous',
  failover: ['promote'],
};

describe('renderDrReport |', () => {
  test("lists no gap for the platform's own data layer", () => {
    // WHEN
    const input = platformReport();
    const report = renderDrReport(input);
    // THEN
    expect(input.dataStores.map((s) => drGaps(s, OBJECTIVES))).toEqual([[], [], []]);
    expect(report).toContain('**Gaps: none.**');
    expect(report).not.toContain('**Gap:**');
  });

  test('shows each store against the RPO and RTO, with its runbook', () => {
    const report = renderDrReport(platformReport());
    expect(
      report.startsWith('# Disaster recovery posture\n\nObjectives: RPO 1 h, RTO 4 h. Primary region `primary`, DR region `dr`.\n'),
    ).toBe(true);
    expect(report).toContain('| postgres | 1 h | 5 min | 5 min ≤ 1 h | yes | 30 min ≤ 4 h | 0 |');
    expect(report).toContain('| redis | 1 h | none | 1 h ≤ 1 h | yes | 10 min ≤ 4 h | 0 |');
    expect(report).toContain(
      '- DR copy: replica cluster `postgres` (3 instances) recovering continuously from the archive s3://alp-pg-primary/alp/postgres.',
    );
    expect(report).toContain(
      `2. Promote the replica cluster: \`kubectl -n alp-data patch cluster postgres --type merge -p '{"spec":{"replica":{"enabled":false}}}'\`.`,
    );
    expect(report).toContain('## Moving traffic to the DR region');
    expect(report).toContain('`npx alp switch-traffic --to blue --region dr`');
    expect(trafficFailoverSteps({ drRegion: 'dr', color: 'blue' })[0]).toBe('Make sure the DR region serves the intended colour (blue).');
    expect(report.endsWith('\n')).toBe(true);
    expect(report.endsWith('\n\n')).toBe(false);
  });

  test('is deterministic', () => {
    expect(renderDrReport(platformReport())).toBe(renderDrReport(platformReport()));
  });

  test('calls out a backup interval above the RPO, a missing DR copy and a restore slower than the RTO', () => {
    // GIVEN a tightened RPO and a weak store
    const weak: DataStoreDrSummary = { ...STORE, backupIntervalMinutes: 120, drCopy: undefined, restoreEstimateMinutes: 300 };
    // THEN
    expect(drGaps(weak, OBJECTIVES)).toEqual([
      'Backup interval 2 h exceeds the RPO of 1 h.',
      'No copy in the DR region: a region loss loses the store.',
      'Restore estimate 5 h exceeds the RTO of 4 h.',
    ]);
    const report = renderDrReport({
      objectives: OBJECTIVES,
      primaryRegion: 'primary',
      drRegion: 'dr',
      dataStores: [weak],
      trafficFailover: [],
    });
    expect(report).toContain('**Gaps: 3** (see each data store).');
    expect(report).toContain('- **Gap:** Restore estimate 5 h exceeds the RTO of 4 h.');
  });

  test('calls out a store without backups, restore estimate, restore test or runbook', () => {
    const bare: DataStoreDrSummary = { name: 'x', engine: 'X', replication: 'none', restorePath: 'none', failover: [] };
    expect(drGaps(bare, OBJECTIVES)).toEqual([
      'No backup: neither scheduled backups nor continuous archiving.',
      'No copy in the DR region: a region loss loses the store.',
      'No restore time estimate: the RTO cannot be shown to hold.',
      'Restores are never tested.',
      'No failover runbook.',
    ]);
  });

  test('does not count a DR replica that follows another archive', () => {
    const chart = Testing.chart();
    const postgres = new PostgresCluster(chart, 'Postgres', PG);
    const other = new PostgresCluster(Testing.chart(), 'Postgres', {
      ...PG,
      backup: { destinationPath: 's3://alp-pg-dr/alp' },
      replicaOf: { name: 'elsewhere', destinationPath: 's3://other/alp', serverName: 'postgres' },
    });
    expect(postgresDrSummary(postgres, { drReplica: other, failover: ['x'] }).drCopy).toBeUndefined();
  });

  test('formats durations', () => {
    expect([15, 60, 90, 1440].map(formatMinutes)).toEqual(['15 min', '1 h', '1 h 30 min', '24 h']);
  });
});

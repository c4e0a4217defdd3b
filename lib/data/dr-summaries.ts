import { Chart } from 'cdk8s';
import { DataStoreDrSummary } from './dr-report';
import { archiveOf } from './object-store';
import { PostgresCluster } from './postgres';
import { Redis } from './redis';
import { RestoreDrill } from './restore-drill';
import { BackupSchedule } from './velero';

/** What the constructs cannot know about a store's recovery. */
export interface DrSummaryOptions {
  /** Estimated minutes until the store serves again after a region loss. @default - unknown (a gap) */
  readonly restoreEstimateMinutes?: number;
  /** The failover runbook (e.g. `postgresFailoverSteps(…)`). */
  readonly failover: readonly string[];
}

export interface PostgresDrSummaryOptions extends DrSummaryOptions {
  /** The DR region's replica cluster. @default - none (a gap) */
  readonly drReplica?: PostgresCluster;
}

/**
 * PostgreSQL's DR summary from the primary cluster and the DR replica. The replica counts as
 * the DR copy only if it replicates from the primary's own archive.
 */
export function postgresDrSummary(primary: PostgresCluster, options: PostgresDrSummaryOptions): DataStoreDrSummary {
  const dr = options.drReplica;
  const follows = dr?.replicaOf !== undefined && archiveOf(dr.replicaOf) === archiveOf(primary.backupLocation);
  const archive = `${primary.backupLocation.destinationPath.replace(/\/+$/, '')}/${primary.backupLocation.serverName}`;
  return {
    name: primary.name,
    engine: 'PostgreSQL (CloudNativePG)',
    backupIntervalMinutes: primary.backupIntervalMinutes,
    continuousArchiveMinutes: primary.archiveTimeoutMinutes,
    replication:
      primary.synchronousReplicas === undefined
        ? `${primary.instances} instance, no standby`
        : `synchronous (${primary.synchronousReplicas} of ${primary.instances - 1} standbys confirm each commit), ${primary.instances} instances spread over zones`,
    drCopy: follows
      ? `replica cluster \`${dr!.name}\` (${dr!.instances} instances) recovering continuously from the archive ${archive}`
      : undefined,
    restorePath: `promote the DR replica cluster (\`replica.enabled: false\`); after data corruption, recover a new Cluster to a point in time from ${archive} (\`bootstrap.recovery\` with a \`recoveryTarget\`)`,
    restoreEstimateMinutes: options.restoreEstimateMinutes,
    restoreTest: follows
      ? 'continuous: the DR replica restored the base backup and replays every archived WAL segment, so a broken archive shows as replication lag'
      : undefined,
    failover: options.failover,
  };
}

export interface RedisDrSummaryOptions extends DrSummaryOptions {
  /** The DR region's replica-only Redis. @default - none (a gap) */
  readonly drReplica?: Redis;
  /** The Velero Schedule that backs up Redis's namespace. @default - none */
  readonly backupSchedule?: BackupSchedule;
  /** The restore drill, if it restores Redis's namespace. @default - none (a gap) */
  readonly drill?: RestoreDrill;
}

/** Redis's DR summary from the primary deployment, its Velero backups and the DR replica. */
export function redisDrSummary(primary: Redis, options: RedisDrSummaryOptions): DataStoreDrSummary {
  const namespace = Chart.of(primary).namespace;
  const backedUp = namespace !== undefined && options.backupSchedule?.namespaces.includes(namespace) === true;
  const drilled = namespace !== undefined && options.drill !== undefined && namespace in options.drill.namespaceMapping;
  const dr = options.drReplica;
  return {
    name: primary.name,
    engine: 'Redis (StatefulSet, AOF and RDB persistence)',
    backupIntervalMinutes: backedUp ? options.backupSchedule!.intervalMinutes : undefined,
    replication: `asynchronous, pod 0 primary and ${primary.replicas - 1} replicas`,
    drCopy: dr?.isReplicaOnly ? `replica-only Redis (${dr.replicas} pods) whose pod 0 follows the primary region's pod 0` : undefined,
    restorePath: 'promote the DR Redis pod 0 (`REPLICAOF NO ONE`); after data corruption, restore the namespace from the Velero backup',
    restoreEstimateMinutes: options.restoreEstimateMinutes,
    restoreTest: drilled
      ? `monthly restore drill \`${options.drill!.name}\` restores namespace \`${namespace}\` from \`${options.backupSchedule?.name ?? 'the schedule'}\``
      : undefined,
    failover: options.failover,
  };
}

export interface ClusterObjectsDrSummaryOptions extends DrSummaryOptions {
  /** How the DR region can read the backups (e.g. a replicated bucket). @default - none (a gap) */
  readonly drCopy?: string;
  /** The restore drill of the schedule. @default - none (a gap) */
  readonly drill?: RestoreDrill;
}

/** The Kubernetes objects (and volumes) that Velero backs up, as one store. */
export function clusterObjectsDrSummary(schedule: BackupSchedule, options: ClusterObjectsDrSummaryOptions): DataStoreDrSummary {
  return {
    name: `velero/${schedule.name}`,
    engine: `Velero backups of ${schedule.namespaces.map((ns) => `\`${ns}\``).join(', ')}`,
    backupIntervalMinutes: schedule.intervalMinutes,
    replication: 'none (the objects are also in git; volumes are backed up by the node agent)',
    drCopy: options.drCopy,
    restorePath: `\`velero restore create --from-schedule ${schedule.name}\` in the target cluster; manifests come back from git through Argo CD`,
    restoreEstimateMinutes: options.restoreEstimateMinutes,
    restoreTest: options.drill ? `monthly restore drill \`${options.drill.name}\`` : undefined,
    failover: options.failover,
  };
}

import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Cluster,
  ClusterSpecBackupBarmanObjectStoreDataCompression as DataCompression,
  ClusterSpecBackupBarmanObjectStoreDataEncryption as DataEncryption,
  ClusterSpecBackupBarmanObjectStoreWalCompression as WalCompression,
  ClusterSpecBackupBarmanObjectStoreWalEncryption as WalEncryption,
  ClusterSpecPostgresqlSynchronousDataDurability,
  ClusterSpecPostgresqlSynchronousMethod,
  ClusterSpecPrimaryUpdateMethod,
  ClusterSpecPrimaryUpdateStrategy,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
} from '../../imports/cnpgcluster-postgresql.cnpg.io';
import {
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
} from '../../imports/scheduledbackup-postgresql.cnpg.io';
import { LABEL_COMPONENT, PropProblem, selectorLabels, throwIfProblems, unpinnedReason } from '../core';
import { ServiceSecret } from '../security/service-secret';
import { zoneSpread } from '../workload/pod-template';
import { ContainerResources, containerResourceProblems, resourceQuantities } from '../workload/resources';
import { PRIORITY_CRITICAL } from '../workload/priority-classes';
import { dnsLabelProblems, integerProblems, sortedRecord, storageSizeProblems, subdomainProblems } from './_validation';
import { BackupIntervalOptions, backupIntervalProblems, cronForInterval, resolveInterval } from './backup-interval';
import {
  archiveOf,
  locationProblems,
  OBJECT_STORE_ACCESS_KEY_ID,
  OBJECT_STORE_SECRET_ACCESS_KEY,
  ObjectStoreLocation,
  ObjectStoreOptions,
  s3Credentials,
} from './object-store';
import { PgBouncerPooler, PgBouncerPoolerOptions, poolerOptionProblems } from './pgbouncer-pooler';

/**
 * The volumes of CloudNativePG's instance pods (`pgdata`, `pg-wal` with separate WAL storage,
 * and the `scratch-data` and `shm` scratch space) that Velero's file-system backup must skip:
 * copying a live PGDATA gives an inconsistent copy, and the archive is PostgreSQL's backup.
 */
export const CNPG_POD_VOLUMES: readonly string[] = ['pg-wal', 'pgdata', 'scratch-data', 'shm'];

/** Velero's opt-out annotation: the pod volumes its file-system backup leaves out. */
export const VELERO_VOLUMES_EXCLUDES_ANNOTATION = 'backup.velero.io/backup-volumes-excludes';

/** A primary's archive, as a replica cluster reads it: its `externalClusters` entry. */
export interface PostgresReplicaSource extends ObjectStoreLocation {
  /** Name of the entry in `externalClusters` (and of `replica.source`); not the replica's own name. */
  readonly name: string;
}

export interface PostgresClusterProps extends BackupIntervalOptions {
  /** Name of the CloudNativePG Cluster (at most 50 characters). @default 'postgres' */
  readonly name?: string;
  /** Pinned PostgreSQL operand image, e.g. `ghcr.io/cloudnative-pg/postgresql:16.4@sha256:…`. */
  readonly imageName: string;
  /** PostgreSQL instances: at least 3 for a primary, at least 1 for a replica cluster. @default 3 */
  readonly instances?: number;
  /**
   * Standbys that must confirm each commit (quorum, `method: any`, `dataDurability:
   * required`); below `instances`. Not rendered for a single-instance replica cluster.
   * @default 1
   */
  readonly synchronousReplicas?: number;
  /** CPU and memory requests and limits of each instance. */
  readonly resources: ContainerResources;
  /** StorageClass of the data volumes (an encrypted one). */
  readonly storageClass: string;
  /** Size of each instance's data volume, e.g. "50Gi". */
  readonly storageSize: string;
  /** The ClusterSecretStore both ExternalSecrets read from. */
  readonly secretStoreName: string;
  /** Remote key holding `username` and `password` of the application's database owner. */
  readonly appCredentialsKey: string;
  /** Remote key holding the object store's `ACCESS_KEY_ID` and `ACCESS_SECRET_KEY`. */
  readonly objectStoreCredentialsKey: string;
  /** Where this cluster archives WAL and writes base backups. */
  readonly backup: ObjectStoreOptions;
  /** Days of point-in-time recovery the archive keeps (barman's recovery window). @default 30 */
  readonly retentionDays?: number;
  /**
   * The longest personal data may be kept, in days: the retention window plus one backup
   * interval (barman also keeps the newest base backup older than the window) must fit in it.
   * @default - not checked
   */
  readonly gdprRetentionDays?: number;
  /**
   * `archive_timeout`: a WAL segment is archived at least this often, which bounds the data
   * a point-in-time restore can lose. At most the RPO.
   * @default - 5, or the RPO when it is shorter
   */
  readonly archiveTimeoutMinutes?: number;
  /**
   * Run as a replica cluster of this source: bootstrapped from its archive, replaying its WAL
   * (`replica.enabled: true`), promoted by setting `replica.enabled` to false.
   * @default - a primary cluster with a new database (initdb)
   */
  readonly replicaOf?: PostgresReplicaSource;
  /** Application database created by initdb. @default 'app' */
  readonly database?: string;
  /** Owner of the application database (`appCredentialsKey` holds its password). @default 'app' */
  readonly owner?: string;
  /** Extra PostgreSQL parameters, written sorted. @default - only archive_timeout */
  readonly parameters?: Record<string, string>;
  /** Create the operator's PodMonitor (deprecated upstream in favour of a manual PodMonitor). @default true */
  readonly enablePodMonitor?: boolean;
  /** PriorityClass of the instances. @default PRIORITY_CRITICAL ('critical') */
  readonly priorityClassName?: string;
  /** The read-write PgBouncer pooler the services connect to. @default - see PgBouncerPoolerOptions */
  readonly pooler?: PgBouncerPoolerOptions;
}

/**
 * PostgreSQL run by CloudNativePG: a `Cluster` spread over zones with quorum synchronous
 * replication, continuous WAL archiving and base backups to S3 (server-side encrypted,
 * compressed), a `ScheduledBackup` whose period never exceeds the RPO, a read-write PgBouncer
 * `Pooler`, and ExternalSecrets for the object-store and application credentials.
 *
 * Velero's file-system backup (opt-out mode, `defaultVolumesToFsBackup`) skips the instances'
 * data volumes: the operator creates the pods, so the `backup.velero.io/backup-volumes-excludes`
 * annotation goes through the Cluster's `inheritedMetadata`, which the operator copies onto
 * every pod it creates (no operator setting needed, unlike `INHERITED_ANNOTATIONS`).
 *
 * With `replicaOf` it is a replica cluster, for the DR region or the standby colour's cluster:
 * bootstrapped from the primary's archive and kept in continuous recovery from it; it archives
 * to its own location, so that it has backups of its own once promoted.
 *
 * @see https://cloudnative-pg.io/documentation/current/replica_cluster/
 */
export class PostgresCluster extends Construct {
  public readonly name: string;
  public readonly instances: number;
  /** Standbys that confirm each commit; undefined for a single instance. */
  public readonly synchronousReplicas?: number;
  public readonly isReplica: boolean;
  public readonly rpoMinutes: number;
  /** Minutes between two scheduled base backups. */
  public readonly backupIntervalMinutes: number;
  /** `archive_timeout` in minutes: the most data a point-in-time restore loses. */
  public readonly archiveTimeoutMinutes: number;
  public readonly retentionDays: number;
  /** The labels of every pod of the cluster (instances and the operator's bootstrap jobs). */
  public readonly clusterSelector: Record<string, string>;
  /** Where this cluster's archive is. */
  public readonly backupLocation: ObjectStoreLocation;
  /** How a replica cluster reads this cluster's archive (`replicaOf` of the replica). */
  public readonly replicaSource: PostgresReplicaSource;
  /** The archive this cluster replicates from, when it is a replica cluster. */
  public readonly replicaOf?: PostgresReplicaSource;
  public readonly cluster: ApiObject;
  public readonly scheduledBackup: ApiObject;
  public readonly pooler: PgBouncerPooler;
  public readonly objectStoreSecret: ServiceSecret;
  public readonly appSecret: ServiceSecret;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id);
    this.name = props.name ?? 'postgres';
    this.isReplica = props.replicaOf !== undefined;
    this.replicaOf = props.replicaOf;
    this.clusterSelector = { 'cnpg.io/cluster': this.name };
    this.instances = props.instances ?? 3;
    this.rpoMinutes = props.rpoMinutes;
    this.retentionDays = props.retentionDays ?? 30;
    this.backupLocation = {
      destinationPath: props.backup.destinationPath,
      endpointURL: props.backup.endpointURL,
      serverName: props.backup.serverName ?? this.name,
    };
    throwIfProblems(this, postgresProblems(props, this));
    this.backupIntervalMinutes = resolveInterval(props)!;
    this.synchronousReplicas = this.instances < 2 ? undefined : (props.synchronousReplicas ?? 1);
    this.archiveTimeoutMinutes = props.archiveTimeoutMinutes ?? Math.min(5, props.rpoMinutes);
    this.replicaSource = { ...this.backupLocation, name: `${this.backupLocation.serverName}-archive` };

    const labels = { ...selectorLabels({ name: this.name }), [LABEL_COMPONENT]: 'database' };
    this.objectStoreSecret = new ServiceSecret(this, 'ObjectStoreSecret', {
      name: `${this.name}-object-store`,
      storeName: props.secretStoreName,
      remoteKey: props.objectStoreCredentialsKey,
      keys: [OBJECT_STORE_ACCESS_KEY_ID, OBJECT_STORE_SECRET_ACCESS_KEY],
      labels,
    });
    this.appSecret = new ServiceSecret(this, 'AppSecret', {
      name: `${this.name}-app-user`,
      storeName: props.secretStoreName,
      remoteKey: props.appCredentialsKey,
      keys: ['password', 'username'],
      labels,
    });
    // Escape hatch: CloudNativePG wants a kubernetes.io/basic-auth Secret, and ServiceSecret
    // has no prop for the target's type; the template copies both keys unchanged.
    ApiObject.of(this.appSecret.resource).addJsonPatch(
      JsonPatch.add('/spec/target/template', {
        type: 'kubernetes.io/basic-auth',
        engineVersion: 'v2',
        data: { password: '{{ .password }}', username: '{{ .username }}' },
      }),
    );

    this.cluster = new Cluster(this, 'Resource', { metadata: { name: this.name, labels }, spec: this.clusterSpec(props) });
    this.scheduledBackup = new ScheduledBackup(this, 'ScheduledBackup', {
      metadata: { name: `${this.name}-backup`, labels },
      spec: {
        cluster: { name: this.name },
        // CloudNativePG schedules have a leading seconds field.
        schedule: `0 ${cronForInterval(this.backupIntervalMinutes, props.minuteOffset ?? 0)}`,
        method: ScheduledBackupSpecMethod.BARMAN_OBJECT_STORE,
        immediate: true,
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
      },
    });
    this.pooler = new PgBouncerPooler(this, 'Pooler', { ...props.pooler, clusterName: this.name });
  }

  private clusterSpec(props: PostgresClusterProps) {
    const source = props.replicaOf;
    return {
      instances: this.instances,
      imageName: props.imageName,
      inheritedMetadata: { annotations: { [VELERO_VOLUMES_EXCLUDES_ANNOTATION]: CNPG_POD_VOLUMES.join(',') } },
      enableSuperuserAccess: false,
      enablePdb: true,
      primaryUpdateStrategy: ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
      primaryUpdateMethod: ClusterSpecPrimaryUpdateMethod.SWITCHOVER,
      priorityClassName: props.priorityClassName ?? PRIORITY_CRITICAL,
      postgresql: {
        parameters: sortedRecord({ ...props.parameters, archive_timeout: `${this.archiveTimeoutMinutes}min` }),
        synchronous:
          this.synchronousReplicas === undefined
            ? undefined
            : {
                method: ClusterSpecPostgresqlSynchronousMethod.ANY,
                number: this.synchronousReplicas,
                dataDurability: ClusterSpecPostgresqlSynchronousDataDurability.REQUIRED,
              },
      },
      resources: resourceQuantities(props.resources, ClusterSpecResourcesRequests.fromString, ClusterSpecResourcesLimits.fromString),
      storage: { storageClass: props.storageClass, size: props.storageSize },
      // Zones are a hard constraint, hosts a soft one (as for every platform workload).
      affinity: { enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname', podAntiAffinityType: 'preferred' },
      topologySpreadConstraints: [zoneSpread({ ...this.clusterSelector, 'cnpg.io/podRole': 'instance' })],
      monitoring: { enablePodMonitor: props.enablePodMonitor ?? true },
      backup: this.backupSpec(props.backup),
      bootstrap: source
        ? { recovery: { source: source.name } }
        : {
            initdb: {
              database: props.database ?? 'app',
              owner: props.owner ?? 'app',
              secret: { name: this.appSecret.secretName },
              dataChecksums: true,
            },
          },
      replica: source ? { enabled: true, source: source.name } : undefined,
      externalClusters: source ? [this.externalCluster(source)] : undefined,
    };
  }

  /** WAL archiving and base backups to this cluster's own location, compressed and encrypted. */
  private backupSpec(backup: ObjectStoreOptions) {
    const compression = backup.compression ?? 'gzip';
    const encryption = backup.encryption ?? 'AES256';
    return {
      retentionPolicy: `${this.retentionDays}d`,
      barmanObjectStore: {
        destinationPath: this.backupLocation.destinationPath,
        endpointUrl: this.backupLocation.endpointURL,
        serverName: this.backupLocation.serverName,
        s3Credentials: s3Credentials(this.objectStoreSecret.secretName),
        data: { compression: compression as string as DataCompression, encryption: encryption as string as DataEncryption },
        wal: { compression: compression as string as WalCompression, encryption: encryption as string as WalEncryption, maxParallel: 2 },
      },
    };
  }

  /** The primary's archive, which a replica cluster bootstraps from and keeps replaying. */
  private externalCluster(source: PostgresReplicaSource) {
    return {
      name: source.name,
      barmanObjectStore: {
        destinationPath: source.destinationPath,
        endpointUrl: source.endpointURL,
        serverName: source.serverName,
        s3Credentials: s3Credentials(this.objectStoreSecret.secretName),
        wal: { maxParallel: 8 },
      },
    };
  }
}

function postgresProblems(props: PostgresClusterProps, cluster: PostgresCluster): PropProblem[] {
  const problems: PropProblem[] = [
    ...dnsLabelProblems('name', cluster.name, 50, 'CloudNativePG derives pod, service and secret names from it'),
  ];
  const unpinned = unpinnedReason(props.imageName);
  if (unpinned)
    problems.push({
      prop: 'imageName',
      value: props.imageName,
      rule: unpinned,
      fix: 'pin the operand image: an unplanned PostgreSQL upgrade is an outage',
    });
  const minInstances = cluster.isReplica ? 1 : 3;
  problems.push(
    ...integerProblems(
      'instances',
      cluster.instances,
      minInstances,
      undefined,
      cluster.isReplica ? undefined : 'a primary needs a synchronous standby and a spare to survive the loss of one instance or zone',
    ),
  );
  const synchronous = props.synchronousReplicas ?? 1;
  if (cluster.instances >= 2 && Number.isInteger(cluster.instances)) {
    problems.push(
      ...integerProblems(
        'synchronousReplicas',
        synchronous,
        1,
        cluster.instances - 1,
        'each synchronous standby must be another instance of the cluster',
      ),
    );
  }
  problems.push(...containerResourceProblems(props.resources));
  problems.push(...subdomainProblems('storageClass', props.storageClass), ...storageSizeProblems('storageSize', props.storageSize));
  problems.push(...backupIntervalProblems(props));
  problems.push(...locationProblems('backup', props.backup));
  const choices: ReadonlyArray<[string, string, readonly string[]]> = [
    ['backup.encryption', props.backup.encryption ?? 'AES256', ['AES256', 'aws:kms']],
    ['backup.compression', props.backup.compression ?? 'gzip', ['gzip', 'bzip2', 'snappy']],
  ];
  for (const [prop, value, allowed] of choices) {
    if (!allowed.includes(value)) problems.push({ prop, value, rule: `must be one of ${allowed.join(', ')}` });
  }
  problems.push(...retentionProblems(props, cluster));
  problems.push(
    ...integerProblems(
      'archiveTimeoutMinutes',
      props.archiveTimeoutMinutes,
      1,
      Number.isInteger(props.rpoMinutes) ? props.rpoMinutes : undefined,
      'a WAL segment archived later than the RPO can lose more data than the RPO allows',
    ),
  );
  problems.push(...dnsLabelProblems('database', props.database ?? 'app'), ...dnsLabelProblems('owner', props.owner ?? 'app'));
  problems.push(...poolerOptionProblems(props.pooler ?? {}, 'pooler.'));
  if (props.replicaOf) problems.push(...replicaSourceProblems(props.replicaOf, props, cluster));
  return problems;
}

/** The archive's retention window, and that it fits in the GDPR retention period. */
function retentionProblems(props: PostgresClusterProps, cluster: PostgresCluster): PropProblem[] {
  const problems: PropProblem[] = [...integerProblems('retentionDays', cluster.retentionDays, 1)];
  const interval = resolveInterval(props);
  if (props.gdprRetentionDays !== undefined) {
    problems.push(...integerProblems('gdprRetentionDays', props.gdprRetentionDays, 1));
    const keptMinutes = cluster.retentionDays * 1440 + (interval ?? 0);
    if (Number.isInteger(cluster.retentionDays) && keptMinutes > props.gdprRetentionDays * 1440) {
      problems.push({
        prop: 'retentionDays',
        value: cluster.retentionDays,
        rule: `must keep backups no longer than 'gdprRetentionDays' (${props.gdprRetentionDays}) allows`,
        fix: `the archive keeps data up to ${cluster.retentionDays} days plus one backup interval (${interval} minutes); a backup kept longer than the retention period is an error; lower retentionDays`,
      });
    }
  }
  return problems;
}

/** A replica cluster's source: a valid archive, and not the one this cluster writes to. */
function replicaSourceProblems(source: PostgresReplicaSource, props: PostgresClusterProps, cluster: PostgresCluster): PropProblem[] {
  const problems: PropProblem[] = [...dnsLabelProblems('replicaOf.name', source.name), ...locationProblems('replicaOf', source)];
  if (source.name === cluster.name) {
    problems.push({
      prop: 'replicaOf.name',
      value: source.name,
      rule: `must differ from the cluster's name (${cluster.name})`,
      fix: "name the primary's archive, e.g. the primary's replicaSource",
    });
  }
  if (
    typeof source.serverName === 'string'
    && typeof props.backup.destinationPath === 'string'
    && archiveOf(source) === archiveOf(cluster.backupLocation)
  ) {
    problems.push({
      prop: 'backup.serverName',
      value: cluster.backupLocation.serverName,
      rule: "must name an archive other than the source's",
      fix: `this cluster would write into the archive it replicates from (${source.destinationPath}, server ${source.serverName}); use another bucket or serverName`,
    });
  }
  return problems;
}

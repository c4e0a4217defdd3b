import { Construct } from 'constructs';
import {
  BackupSchedule,
  GdprJobs,
  MeshExternalPort,
  meshPrincipal,
  NetworkPeer,
  PlacedChart,
  PostgresCluster,
  PostgresNetworkPolicy,
  PostgresReplicaSource,
  Redis,
  RestoreDrill,
  ServiceAuthorization,
} from '../lib';
import { CNPG_PORTS, POSTGRES, POSTGRES_INSTANCES, PROMETHEUS, REDIS, REDIS_REPLICATION_PORT } from '../lib/core/endpoints';
import { SECRET_STORE_NAME } from './platform-chart';
import { admitClients, chartLabels, ClientPolicies, SharedServicesChartProps } from './chart-support';
import { clusterAddressesOf, ClusterPlacement, clusterPlacements, PlatformSpec } from '../platform';
import { PRIORITY_CLASSES, RETENTION_JOB_ENV, SECRET_MOUNT_ROOT } from '../platform/names';

export interface DataChartProps extends SharedServicesChartProps {
  /** The cluster's Velero Schedule of the data namespace (in its platform chart): what the restore drill restores. */
  readonly backupSchedule: BackupSchedule;
  /**
   * The archive of the platform's primary PostgreSQL: this cluster runs replicas of the data
   * stores (PostgreSQL recovering from that archive, Redis following the primary region's,
   * GDPR jobs suspended).
   * @default - this cluster holds the primary data stores
   */
  readonly replicaOf?: PostgresReplicaSource;
}

/**
 * The `data` component of a cluster, in the data namespace: PostgreSQL (a CloudNativePG Cluster
 * with continuous archiving, a ScheduledBackup within the RPO and the PgBouncer pooler the
 * services use), Redis, the GDPR retention and erasure jobs and the monthly restore drill, with
 * the NetworkPolicies they need and those that let the services that declare `postgres` or
 * `redis` in (every colour in the cluster). The data home (see `dataHome`) runs the primaries;
 * every other cluster runs replicas of them.
 */
export class DataChart extends PlacedChart {
  /**
   * Whether `x` is a DataChart. (`instanceof` does not tell charts apart: cdk8s's Chart answers
   * it for every chart.)
   */
  public static isDataChart(x: unknown): x is DataChart {
    return x !== null && typeof x === 'object' && DATA_CHART in x;
  }

  public readonly postgres: PostgresCluster;
  public readonly redis: Redis;
  public readonly gdprJobs: GdprJobs;
  public readonly restoreDrill: RestoreDrill;
  public readonly isReplica: boolean;
  /** The cluster's Velero Schedule of the data namespace, which the restore drill restores. */
  public readonly backupSchedule: BackupSchedule;

  constructor(scope: Construct, id: string, props: DataChartProps) {
    const { spec, placement } = props;
    super(scope, id, {
      region: placement.region.name,
      cluster: placement.cluster.name,
      component: placement.componentOf('data'),
      namespace: spec.namespaces.data,
      labels: chartLabels(spec),
    });
    Object.defineProperty(this, DATA_CHART, { value: true });
    this.isReplica = props.replicaOf !== undefined;
    this.backupSchedule = props.backupSchedule;
    // This cluster's own API server and object store endpoint: each region is a network of its own.
    const addresses = clusterAddressesOf(spec, placement.cluster);
    const apiServer = addresses.dataApiServerCidrs.map((cidr) => NetworkPeer.cidr(cidr));

    this.postgres = this.addPostgres(props);
    new PostgresNetworkPolicy(this, 'PostgresNetwork', {
      cluster: this.postgres,
      apiServer,
      objectStore: addresses.objectStoreCidrs.map((cidr) => NetworkPeer.cidr(cidr)),
      prometheus: NetworkPeer.pods({ ...PROMETHEUS.podLabels }, spec.namespaces.monitoring),
    });
    this.redis = this.addRedis(spec);
    this.gdprJobs = this.addGdprJobs(spec);
    this.restoreDrill = new RestoreDrill(this, 'RestoreDrill', {
      backupSchedule: props.backupSchedule,
      namespaces: [spec.namespaces.data],
      image: spec.data.restoreDrill.image,
      schedule: spec.data.restoreDrill.schedule,
      apiServer,
      priorityClassName: PRIORITY_CLASSES.standard,
    });

    const servicesUsing = (store: 'postgres' | 'redis') => spec.services.filter((s) => s.dependsOn[store]);
    const postgresClients = admitClients(this, 'Postgres', props, POSTGRES, servicesUsing('postgres'));
    // The GDPR jobs write their own egress (GdprJobs); the pooler admits them here.
    for (const job of [...this.gdprJobs.retentionJobs, this.gdprJobs.erasureJob]) {
      postgresClients?.policy.allowFrom(NetworkPeer.pods(job.selector), [{ port: POSTGRES.port }]);
      postgresClients?.authorization?.allowFrom(meshPrincipal(spec.namespaces.data, job.name), POSTGRES.port);
    }
    const redisClients = admitClients(this, 'Redis', props, REDIS, servicesUsing('redis'));

    // The mesh's deny-by-default: the same in-cluster paths, by identity.
    if (spec.mesh.enabled) this.addMeshAuthorization(spec, postgresClients, redisClients);
  }

  /** PostgreSQL: the CloudNativePG Cluster, archiving to the region's location (a replica recovers from `replicaOf`). */
  private addPostgres(props: DataChartProps): PostgresCluster {
    const {
      spec: { data },
      placement,
    } = props;
    return new PostgresCluster(this, 'Postgres', {
      name: POSTGRES_INSTANCES.name,
      imageName: data.postgres.image,
      instances: data.postgres.instances,
      resources: data.postgres.resources,
      storageClass: data.storageClass,
      storageSize: data.postgres.storageSize,
      secretStoreName: SECRET_STORE_NAME,
      appCredentialsKey: data.postgres.credentialsVaultKey,
      objectStoreCredentialsKey: data.backups.credentialsVaultKey,
      // Each cluster archives to its region's location, in a folder of its own.
      backup: {
        destinationPath: data.backups.destinations[placement.region.name],
        endpointURL: data.backups.endpointURL,
        serverName: placement.cluster.name,
      },
      retentionDays: data.backups.retentionDays,
      gdprRetentionDays: data.gdpr.retentionDays,
      rpoMinutes: data.rpoMinutes,
      replicaOf: props.replicaOf,
      priorityClassName: PRIORITY_CLASSES.critical,
    });
  }

  private addRedis(spec: PlatformSpec): Redis {
    const { data } = spec;
    return new Redis(this, 'Redis', {
      image: data.redis.image,
      resources: data.redis.resources,
      storageClassName: data.storageClass,
      storageSize: data.redis.storageSize,
      secretStoreName: SECRET_STORE_NAME,
      passwordKey: data.redis.passwordVaultKey,
      tlsKey: data.redis.tlsVaultKey,
      replicas: data.redis.replicas,
      priorityClassName: PRIORITY_CLASSES.critical,
      secretMountRoot: SECRET_MOUNT_ROOT,
      // The primary serves the other clusters' replicas through its redis-replication load balancer, over TLS.
      ...(this.isReplica
        ? { replicaOf: { host: data.replication.redisPrimaryHost, peer: NetworkPeer.cidr(data.replication.redisPrimaryCidr) } }
        : {
            replicaPeers: data.replication.replicaCidrs.map((cidr) => NetworkPeer.cidr(cidr)),
            replicationSourceCidrs: data.replication.replicaCidrs,
          }),
    });
  }

  /** The GDPR retention and erasure jobs, which reach the database through the pooler. */
  private addGdprJobs(spec: PlatformSpec): GdprJobs {
    const { data } = spec;
    const pooler = NetworkPeer.pods({ ...POSTGRES.podLabels }, spec.namespaces.data);
    const database = {
      egress: [{ peer: pooler, ports: [{ port: POSTGRES.port }] }],
      env: { PGHOST: POSTGRES.name, PGPORT: String(POSTGRES.port), PGDATABASE: 'app', PGSSLMODE: 'require' },
      secretMounts: [{ name: 'postgres', secretName: this.postgres.appSecret.secretName }],
    };
    return new GdprJobs(this, 'Gdpr', {
      dataClasses: data.gdpr.dataClasses.map((c) => ({
        name: c.name,
        retentionDays: c.retentionDays,
        owningService: c.owningService,
        image: c.image,
        command: c.purgeCommand,
        ...database,
      })),
      erasure: { image: data.gdpr.erasure.image, command: data.gdpr.erasure.command, schedule: data.gdpr.erasure.schedule, ...database },
      // A replica's database is read-only: the jobs resume after promotion.
      suspend: this.isReplica,
      retentionEnv: RETENTION_JOB_ENV,
      priorityClassName: PRIORITY_CLASSES.standard,
      secretMountRoot: SECRET_MOUNT_ROOT,
    });
  }

  /**
   * The data stores' AuthorizationPolicies under the mesh: CloudNativePG's instances (each other,
   * the operator, the pooler, Prometheus), the pooler's metrics, Redis's own replication, and on
   * the primary the other clusters' replicas, which are outside this cluster's mesh.
   */
  private addMeshAuthorization(
    spec: PlatformSpec,
    postgresClients: ClientPolicies | undefined,
    redisClients: ClientPolicies | undefined,
  ): void {
    const ns = spec.namespaces;
    const prometheusPrincipal = meshPrincipal(ns.monitoring, PROMETHEUS.serviceAccount);
    const operator = meshPrincipal(CNPG_OPERATOR_NAMESPACE, CNPG_OPERATOR_SERVICE_ACCOUNT);
    // CloudNativePG runs the instances as the Cluster's name and PgBouncer as the Pooler's.
    const instances = meshPrincipal(ns.data, this.postgres.name);
    new ServiceAuthorization(this, 'PostgresInstancesAuthorization', {
      name: this.postgres.name,
      selector: { ...this.postgres.clusterSelector },
    })
      .allowFrom(instances, CNPG_PORTS.postgres)
      .allowFrom(instances, CNPG_PORTS.instanceManager)
      .allowFrom(operator, CNPG_PORTS.postgres)
      .allowFrom(operator, CNPG_PORTS.instanceManager)
      .allowFrom(meshPrincipal(ns.data, this.postgres.pooler.name), CNPG_PORTS.postgres)
      .allowFrom(prometheusPrincipal, CNPG_PORTS.instanceMetrics);
    postgresClients?.authorization?.allowFrom(prometheusPrincipal, CNPG_PORTS.poolerMetrics);
    // Redis's own pods: the primary's clients port (its replicas' health checks) and replication over TLS.
    const redisPrincipal = meshPrincipal(ns.data, REDIS.serviceAccount);
    redisClients?.authorization?.allowFrom(redisPrincipal, REDIS.port).allowFrom(redisPrincipal, REDIS_REPLICATION_PORT);
    // The other clusters' replicas are outside this cluster's mesh: they reach the primary's TLS
    // port (client certificates) through its load balancer, from their egress addresses only.
    if (!this.isReplica) {
      new MeshExternalPort(this, 'RedisReplicationFromReplicas', {
        name: `${REDIS.name}-replication-from-replicas`,
        selector: { ...REDIS.podLabels },
        port: REDIS_REPLICATION_PORT,
        sourceCidrs: spec.data.replication.replicaCidrs,
      });
    }
  }
}

/** Where the CloudNativePG operator runs, and its service account (the chart's defaults). */
const CNPG_OPERATOR_NAMESPACE = 'cnpg-system';
const CNPG_OPERATOR_SERVICE_ACCOUNT = 'cnpg-manager';

const DATA_CHART = Symbol.for('alp-deploy.DataChart');

/**
 * The cluster that holds the primary data stores: the primary region's (with one cluster per
 * colour, its first colour's). It does not follow the live colour: a traffic switch never moves
 * the primary database; a failover does (see reports/dr.md).
 */
export function dataHome(spec: PlatformSpec): ClusterPlacement {
  return clusterPlacements(spec).find((p) => p.region.role === 'primary')!;
}

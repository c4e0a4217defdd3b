import { Construct } from 'constructs';
import {
  ALERTMANAGER, ALERTMANAGER_CLUSTER_PORT, AlertRouting, AllowPolicy, BackupSchedule, BLACKBOX_EXPORTER, blackboxProberUrl, BlueGreenDashboard, businessRules, ClusterPlacement,
  clusterPlacements, CNPG_PORTS, GdprJobs, jaegerCollectorPodLabels, LABEL_MANAGED_BY, LABEL_PART_OF, LOG_SHIPPER_METRICS_PORT, LOG_SHIPPER_NAME, loggingNamespace, LogShipper,
  MANAGED_BY, meshPrincipal, NetworkPeer, pascalCase, PlacedChart, PlatformEndpoint, platformHealthRules, PlatformOverviewDashboard, PlatformSpec, POSTGRES,
  POSTGRES_INSTANCE_METRICS_PORT, POSTGRES_INSTANCES, POSTGRES_POOLER_METRICS_PORT, PostgresCluster, PostgresNetworkPolicy, PostgresReplicaSource, PROMETHEUS, REDIS, Redis,
  RestoreDrill, RuleGroupSet, runbookBaseUrl, securityRules, selectorLabels, ServiceAuthorization, ServiceDashboard, ServiceRules, ServiceSpec, TRACE_COLLECTOR,
  TRACE_COLLECTOR_METRICS_PORT, TraceCollector, UptimeProbe,
} from '../lib';
import { SECRET_STORE_NAME } from './platform-chart';

export interface SharedServicesChartProps {
  readonly spec: PlatformSpec;
  readonly placement: ClusterPlacement;
}

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
    super(scope, id, { region: placement.region.name, cluster: placement.cluster.name, component: placement.componentOf('data'), namespace: spec.namespaces.data, labels: chartLabels(spec) });
    const { data } = spec;
    Object.defineProperty(this, DATA_CHART, { value: true });
    this.isReplica = props.replicaOf !== undefined;
    this.backupSchedule = props.backupSchedule;
    const apiServer = data.apiServerCidrs.map((cidr) => NetworkPeer.cidr(cidr));
    const prometheus = NetworkPeer.pods({ ...PROMETHEUS.podLabels }, spec.namespaces.monitoring);

    this.postgres = new PostgresCluster(this, 'Postgres', {
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
      backup: { destinationPath: data.backups.destinations[placement.region.name], endpointURL: data.backups.endpointURL, serverName: placement.cluster.name },
      retentionDays: data.backups.retentionDays,
      gdprRetentionDays: data.gdpr.retentionDays,
      rpoMinutes: data.rpoMinutes,
      replicaOf: props.replicaOf,
    });
    new PostgresNetworkPolicy(this, 'PostgresNetwork', {
      cluster: this.postgres,
      apiServer,
      objectStore: data.objectStoreCidrs.map((cidr) => NetworkPeer.cidr(cidr)),
      prometheus,
    });

    this.redis = new Redis(this, 'Redis', {
      image: data.redis.image,
      resources: data.redis.resources,
      storageClassName: data.storageClass,
      storageSize: data.redis.storageSize,
      secretStoreName: SECRET_STORE_NAME,
      passwordKey: data.redis.passwordVaultKey,
      replicas: data.redis.replicas,
      ...(this.isReplica
        ? { replicaOf: { host: data.replication.redisPrimaryHost, peer: NetworkPeer.cidr(data.replication.redisPrimaryCidr) } }
        : { replicaPeers: data.replication.replicaCidrs.map((cidr) => NetworkPeer.cidr(cidr)) }),
    });

    const pooler = NetworkPeer.pods({ ...POSTGRES.podLabels }, spec.namespaces.data);
    const database = {
      egress: [{ peer: pooler, ports: [{ port: POSTGRES.port }] }],
      env: { PGHOST: POSTGRES.name, PGPORT: String(POSTGRES.port), PGDATABASE: 'app', PGSSLMODE: 'require' },
      secretMounts: [{ name: 'postgres', secretName: this.postgres.appSecret.secretName }],
    };
    this.gdprJobs = new GdprJobs(this, 'Gdpr', {
      dataClasses: data.gdpr.dataClasses.map((c) => ({
        name: c.name, retentionDays: c.retentionDays, owningService: c.owningService, image: c.image, command: c.purgeCommand, ...database,
      })),
      erasure: { image: data.gdpr.erasure.image, command: data.gdpr.erasure.command, schedule: data.gdpr.erasure.schedule, ...database },
      // A replica's database is read-only: the jobs resume after promotion.
      suspend: this.isReplica,
    });

    this.restoreDrill = new RestoreDrill(this, 'RestoreDrill', {
      backupSchedule: props.backupSchedule,
      namespaces: [spec.namespaces.data],
      image: data.restoreDrill.image,
      schedule: data.restoreDrill.schedule,
      apiServer,
    });

    const postgresClients = admitClients(this, 'Postgres', props, POSTGRES, spec.services.filter((s) => s.dependsOn.postgres));
    const jobs = [...this.gdprJobs.retentionJobs, this.gdprJobs.erasureJob];
    for (const job of jobs) {
      postgresClients?.policy.allowFrom(NetworkPeer.pods(job.selector), [{ port: POSTGRES.port }]);
      postgresClients?.authorization?.allowFrom(meshPrincipal(spec.namespaces.data, job.name), POSTGRES.port);
    }
    const redisClients = admitClients(this, 'Redis', props, REDIS, spec.services.filter((s) => s.dependsOn.redis));

    // The mesh's deny-by-default: the same in-cluster paths, by identity.
    if (spec.mesh.enabled) {
      const ns = spec.namespaces;
      const prometheusPrincipal = meshPrincipal(ns.monitoring, PROMETHEUS.serviceAccount);
      const operator = meshPrincipal(CNPG_OPERATOR_NAMESPACE, CNPG_OPERATOR_SERVICE_ACCOUNT);
      // CloudNativePG runs the instances as the Cluster's name and PgBouncer as the Pooler's.
      const instances = meshPrincipal(ns.data, this.postgres.name);
      new ServiceAuthorization(this, 'PostgresInstancesAuthorization', { name: this.postgres.name, selector: { ...this.postgres.clusterSelector } })
        .allowFrom(instances, CNPG_PORTS.postgres).allowFrom(instances, CNPG_PORTS.instanceManager)
        .allowFrom(operator, CNPG_PORTS.postgres).allowFrom(operator, CNPG_PORTS.instanceManager)
        .allowFrom(meshPrincipal(ns.data, this.postgres.pooler.name), CNPG_PORTS.postgres)
        .allowFrom(prometheusPrincipal, CNPG_PORTS.instanceMetrics);
      postgresClients?.authorization?.allowFrom(prometheusPrincipal, CNPG_PORTS.poolerMetrics);
      redisClients?.authorization?.allowFrom(meshPrincipal(ns.data, REDIS.serviceAccount), REDIS.port);
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

/**
 * The `monitoring` component of a region, in the monitoring namespace: for every service (every
 * colour in the cluster) its rules (golden signals and SLO burn-rate alerts) and dashboard; the
 * platform, business and security rules, the overview and blue/green dashboards, alert routing,
 * the OpenTelemetry Collector and an uptime probe per public service. Its NetworkPolicies: what
 * Prometheus may scrape and where it sends alerts, who may send traces to the collector and where
 * the collector exports them, what the blackbox exporter and Alertmanager may reach.
 */
export class MonitoringChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec, placement } = props;
    super(scope, id, { region: placement.region.name, cluster: placement.cluster.name, component: placement.componentOf('monitoring'), namespace: spec.namespaces.monitoring, labels: chartLabels(spec) });
    const ns = spec.namespaces;
    const { monitoring } = spec;
    const runbooks = runbookBaseUrl(spec);
    const colorNamespaces = placement.colors.map((color) => ns[color]);
    const prometheusPeer = NetworkPeer.pods({ ...PROMETHEUS.podLabels }, ns.monitoring);
    const prometheusPrincipal = meshPrincipal(ns.monitoring, PROMETHEUS.serviceAccount);
    const endpointPeer = (endpoint: PlatformEndpoint) => NetworkPeer.pods({ ...endpoint.podLabels }, ns[endpoint.namespaceRole]);

    const scrape = new AllowPolicy(this, 'PrometheusNetworkPolicy', { name: PROMETHEUS.name, selector: { ...PROMETHEUS.podLabels } });
    for (const color of placement.colors) {
      for (const service of spec.services) {
        scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: service.name, color }), ns[color]), [{ port: service.metricsPort }]);
      }
    }
    scrape.allowTo(endpointPeer(TRACE_COLLECTOR), [{ port: TRACE_COLLECTOR_METRICS_PORT }]);
    scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: LOG_SHIPPER_NAME }), loggingNamespace(spec)), [{ port: LOG_SHIPPER_METRICS_PORT }]);
    scrape.allowTo(endpointPeer(BLACKBOX_EXPORTER), [{ port: BLACKBOX_EXPORTER.port }]);
    scrape.allowTo(endpointPeer(ALERTMANAGER), [{ port: ALERTMANAGER.port }]);
    // The data stores' exporters: CloudNativePG's instances and PgBouncer.
    scrape.allowTo(endpointPeer(POSTGRES_INSTANCES), [{ port: POSTGRES_INSTANCE_METRICS_PORT }]);
    scrape.allowTo(endpointPeer(POSTGRES), [{ port: POSTGRES_POOLER_METRICS_PORT }]);

    // The collector: services send traces (4317), Prometheus scrapes it (8888), it exports to Jaeger.
    const collector = admitClients(this, 'TraceCollector', props, TRACE_COLLECTOR, spec.services)!;
    collector.policy.allowFrom(prometheusPeer, [{ port: TRACE_COLLECTOR_METRICS_PORT }]);
    collector.policy.allowTo(NetworkPeer.pods(jaegerCollectorPodLabels(monitoring.jaeger.service), monitoring.jaeger.namespace), [{ port: monitoring.jaeger.port }]);
    collector.authorization?.allowFrom(prometheusPrincipal, TRACE_COLLECTOR_METRICS_PORT);
    new TraceCollector(this, 'Collector', {
      jaegerNamespace: monitoring.jaeger.namespace,
      jaegerService: monitoring.jaeger.service,
      jaegerPort: monitoring.jaeger.port,
      runbookBaseUrl: runbooks,
    });

    // The monitoring installation's own pods: Prometheus reaches them; they reach the outside on 443 only.
    const blackbox = admitPrometheus(this, 'BlackboxExporter', spec, BLACKBOX_EXPORTER);
    for (const cidr of monitoring.blackbox.egressCidrs) blackbox.allowTo(NetworkPeer.cidr(cidr), [{ port: 443 }]);
    const alertmanager = admitPrometheus(this, 'Alertmanager', spec, ALERTMANAGER);
    for (const cidr of monitoring.alerting.egressCidrs) alertmanager.allowTo(NetworkPeer.cidr(cidr), [{ port: 443 }]);
    // Its replicas gossip to deduplicate notifications.
    const gossip = [{ port: ALERTMANAGER_CLUSTER_PORT }, { port: ALERTMANAGER_CLUSTER_PORT, protocol: 'UDP' as const }];
    alertmanager.allowFrom(endpointPeer(ALERTMANAGER), gossip).allowTo(endpointPeer(ALERTMANAGER), gossip);

    for (const service of spec.services) {
      const signals = { service: service.name, namespaces: colorNamespaces, objective: service.availability.objective, latencyP99TargetMs: service.availability.latencyP99Ms };
      new ServiceRules(this, `${pascalCase(service.name)}Rules`, { ...signals, autoscaled: !!service.autoscaling, runbookBaseUrl: runbooks });
      new ServiceDashboard(this, `${pascalCase(service.name)}Dashboard`, signals);
      if (service.public) {
        new UptimeProbe(this, `${pascalCase(service.name)}Uptime`, {
          name: service.name,
          url: `https://${service.public.host}${service.public.path}`,
          proberUrl: blackboxProberUrl(spec, BLACKBOX_EXPORTER.name, BLACKBOX_EXPORTER.port),
        });
      }
    }
    new RuleGroupSet(this, 'PlatformRules', { component: 'platform', runbookBaseUrl: runbooks, rules: platformHealthRules({ rpoMinutes: spec.data.rpoMinutes }) });
    new RuleGroupSet(this, 'BusinessRules', { component: 'business', runbookBaseUrl: runbooks, rules: businessRules({ namespaces: colorNamespaces }) });
    new RuleGroupSet(this, 'SecurityRules', { component: 'security', runbookBaseUrl: runbooks, rules: securityRules({ namespaces: colorNamespaces }) });
    new PlatformOverviewDashboard(this, 'OverviewDashboard');
    new BlueGreenDashboard(this, 'BlueGreenDashboard');
    new AlertRouting(this, 'AlertRouting', {
      storeName: SECRET_STORE_NAME,
      pagerDuty: { remoteKey: monitoring.alerting.pagerDutyVaultKey },
      slack: { remoteKey: monitoring.alerting.slackVaultKey, channel: monitoring.alerting.slackChannel },
    });
  }
}

/**
 * The `logging` component of a region: the log shipper (Fluent Bit to Elasticsearch) in its own
 * namespace, `<name>-logging`, the only one whose Pod Security level is privileged (hostPath).
 */
export class LoggingChart extends PlacedChart {
  public readonly shipper: LogShipper;

  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec, placement } = props;
    const namespace = loggingNamespace(spec);
    super(scope, id, { region: placement.region.name, cluster: placement.cluster.name, component: placement.componentOf('logging'), namespace, labels: chartLabels(spec) });
    const es = spec.monitoring.elasticsearch;
    this.shipper = new LogShipper(this, 'LogShipper', {
      namespace,
      name: LOG_SHIPPER_NAME,
      monitoringNamespace: spec.namespaces.monitoring,
      elasticsearch: { host: es.host, port: es.port, peer: NetworkPeer.cidr(es.cidr) },
      credentials: { storeName: SECRET_STORE_NAME, remoteKey: es.vaultKey },
    });
  }
}

/** An endpoint of the monitoring installation that Prometheus reaches on its port: a NetworkPolicy and, with the mesh, an AuthorizationPolicy. */
function admitPrometheus(scope: Construct, id: string, spec: PlatformSpec, endpoint: PlatformEndpoint): AllowPolicy {
  const selector = { ...endpoint.podLabels };
  const policy = new AllowPolicy(scope, `${id}NetworkPolicy`, { name: endpoint.name, selector });
  policy.allowFrom(NetworkPeer.pods({ ...PROMETHEUS.podLabels }, spec.namespaces.monitoring), [{ port: endpoint.port }]);
  if (spec.mesh.enabled) {
    new ServiceAuthorization(scope, `${id}Authorization`, { name: endpoint.name, selector }).allowFrom(meshPrincipal(spec.namespaces.monitoring, PROMETHEUS.serviceAccount), endpoint.port);
  }
  return policy;
}

/** Lets `clients` (in the cluster's colours) reach `endpoint`: a NetworkPolicy and, with the mesh, an AuthorizationPolicy. */
function admitClients(scope: Construct, id: string, props: SharedServicesChartProps, endpoint: PlatformEndpoint, clients: ServiceSpec[]): { policy: AllowPolicy; authorization?: ServiceAuthorization } | undefined {
  const { spec, placement } = props;
  if (clients.length === 0) return undefined;
  const selector = { ...endpoint.podLabels };
  const policy = new AllowPolicy(scope, `${id}NetworkPolicy`, { name: endpoint.name, selector });
  const authorization = spec.mesh.enabled ? new ServiceAuthorization(scope, `${id}Authorization`, { name: endpoint.name, selector }) : undefined;
  for (const color of placement.colors) {
    for (const client of clients) {
      policy.allowFrom(NetworkPeer.pods(selectorLabels({ name: client.name, color }), spec.namespaces[color]), [{ port: endpoint.port, protocol: endpoint.protocol }]);
      authorization?.allowFrom(meshPrincipal(spec.namespaces[color], client.name), endpoint.port);
    }
  }
  return { policy, authorization };
}

function chartLabels(spec: PlatformSpec): Record<string, string> {
  return { [LABEL_PART_OF]: spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
}

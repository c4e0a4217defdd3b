import { Construct } from 'constructs';
import {
  ALERTMANAGER, ALERTMANAGER_CLUSTER_PORT, AlertRouting, AllowPolicy, BLACKBOX_EXPORTER, blackboxProberUrl, BlueGreenDashboard, businessRules, ClusterPlacement, jaegerCollectorPodLabels,
  LABEL_MANAGED_BY, LABEL_PART_OF, LOG_SHIPPER_METRICS_PORT, LOG_SHIPPER_NAME, loggingNamespace, LogShipper, MANAGED_BY, meshPrincipal, NetworkPeer,
  pascalCase, PlacedChart, PlatformEndpoint, platformHealthRules, PlatformOverviewDashboard, PlatformSpec, POSTGRES, PROMETHEUS, REDIS, RuleGroupSet,
  runbookBaseUrl, securityRules, selectorLabels, ServiceAuthorization, ServiceDashboard, ServiceRules, ServiceSpec, TRACE_COLLECTOR,
  TRACE_COLLECTOR_METRICS_PORT, TraceCollector, UptimeProbe,
} from '../lib';
import { SECRET_STORE_NAME } from './platform-chart';

export interface SharedServicesChartProps {
  readonly spec: PlatformSpec;
  readonly placement: ClusterPlacement;
}

/**
 * The `data` component of a region: which services may reach PostgreSQL and Redis, exactly as
 * the services declare it (every colour in the cluster).
 */
export class DataChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec, placement } = props;
    super(scope, id, { region: placement.region.name, cluster: placement.cluster.name, component: placement.componentOf('data'), namespace: spec.namespaces.data, labels: chartLabels(spec) });
    admitClients(this, 'Postgres', props, POSTGRES, spec.services.filter((s) => s.dependsOn.postgres));
    admitClients(this, 'Redis', props, REDIS, spec.services.filter((s) => s.dependsOn.redis));
  }
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
    new RuleGroupSet(this, 'PlatformRules', { component: 'platform', runbookBaseUrl: runbooks, rules: platformHealthRules({ rpoMinutes: monitoring.rpoMinutes }) });
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

import { Construct } from 'constructs';
import {
  ALERTMANAGER, ALERTMANAGER_CLUSTER_PORT, AlertRouting, AllowPolicy, BLACKBOX_EXPORTER, blackboxProberUrl, BlueGreenDashboard, businessRules,
  jaegerCollectorPodLabels, LOG_SHIPPER_METRICS_PORT, LOG_SHIPPER_NAME, loggingNamespace, LogShipper, meshPrincipal, NetworkPeer, pascalCase,
  PlacedChart, PlatformEndpoint, platformHealthRules, PlatformOverviewDashboard, POSTGRES, POSTGRES_INSTANCE_METRICS_PORT, POSTGRES_INSTANCES,
  POSTGRES_POOLER_METRICS_PORT, PROMETHEUS, RuleGroupSet, runbookBaseUrl, securityRules, selectorLabels, ServiceDashboard, ServiceRules,
  TRACE_COLLECTOR, TRACE_COLLECTOR_METRICS_PORT, TraceCollector, UptimeProbe,
} from '../lib';
import { addMetricsAdapter } from './metrics-adapter';
import { SECRET_STORE_NAME } from './platform-chart';
import { admitClients, admitPrometheus, chartLabels, SharedServicesChartProps } from './chart-support';

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
    addMetricsAdapter(this, spec, placement.colors, runbooks);
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

import { Construct } from 'constructs';
import { ALERTMANAGER, ALERTMANAGER_CLUSTER_PORT, AlertRouting, DEFAULT_DRILL_NAME, DEFAULT_DRILL_TIMEOUT_MINUTES, drillOverdueAfterMinutes, BLACKBOX_EXPORTER, componentPolicies, LOG_SHIPPER_METRICS_PORT, LOG_SHIPPER_NAME, LogShipper, meshPrincipal, NetworkPeer, pascalCase, PlacedChart, PlatformEndpoint, platformHealthRules, POSTGRES, POSTGRES_INSTANCE_METRICS_PORT, POSTGRES_INSTANCES, POSTGRES_POOLER_METRICS_PORT, PROMETHEUS, RuleGroupSet, selectorLabels, ServiceDashboard, ServiceRules, TRACE_COLLECTOR, TraceCollector, UptimeProbe } from '../lib';
import { addMetricsAdapter } from './metrics-adapter';
import { SECRET_STORE_NAME } from './platform-chart';
import { chartLabels, SharedServicesChartProps } from './chart-support';
import { ALERT_ROUTING_NAME, DASHBOARD_NAMING, LOG_INDEX_PREFIX, PLATFORM_DASHBOARD_FOLDER, PRIORITY_CLASSES, SERVICE_DASHBOARD_FOLDER } from '../platform/names';
import { blackboxProberUrl, BlueGreenDashboard, businessRules, clusterModel, edgeGateways, loggingNamespace, PlatformOverviewDashboard, runbookBaseUrl, securityRules } from '../platform';

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
    const endpointPeer = (endpoint: PlatformEndpoint) => NetworkPeer.pods({ ...endpoint.podLabels }, ns[endpoint.namespaceRole]);

    // The monitoring installation's pods: their flows with the cluster's components (the API
    // server, the kubelets, kube-state-metrics, cert-manager, Velero, Grafana, the metrics
    // adapter, Alertmanager, the blackbox exporter, the collector, Jaeger) come from the model.
    const model = clusterModel(spec, edgeGateways(spec).map((g) => g.name), placement.cluster);
    const policies = componentPolicies(this, { model, namespace: ns.monitoring, mesh: spec.mesh.enabled });
    const policyOf = (endpoint: PlatformEndpoint) => policies.get(endpoint.name)!;

    // What the services' graph adds: Prometheus scrapes every service's metrics port, the log
    // shipper and the data stores' exporters (CloudNativePG's instances and PgBouncer).
    const scrape = policyOf(PROMETHEUS).policy;
    for (const color of placement.colors) {
      for (const service of spec.services) {
        scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: service.name, color }), ns[color]), [{ port: service.metricsPort }]);
      }
    }
    scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: LOG_SHIPPER_NAME }), loggingNamespace(spec)), [{ port: LOG_SHIPPER_METRICS_PORT }]);
    scrape.allowTo(endpointPeer(POSTGRES_INSTANCES), [{ port: POSTGRES_INSTANCE_METRICS_PORT }]);
    scrape.allowTo(endpointPeer(POSTGRES), [{ port: POSTGRES_POOLER_METRICS_PORT }]);

    // The collector: the services send it traces (4317).
    const collector = policyOf(TRACE_COLLECTOR);
    for (const color of placement.colors) {
      for (const service of spec.services) {
        collector.policy.allowFrom(NetworkPeer.pods(selectorLabels({ name: service.name, color }), ns[color]), [{ port: TRACE_COLLECTOR.port }]);
        collector.authorization?.allowFrom(meshPrincipal(ns[color], service.name), TRACE_COLLECTOR.port);
      }
    }
    new TraceCollector(this, 'Collector', {
      jaegerNamespace: monitoring.jaeger.namespace,
      jaegerService: monitoring.jaeger.service,
      jaegerPort: monitoring.jaeger.port,
      runbookBaseUrl: runbooks,
      priorityClassName: PRIORITY_CLASSES.standard,
      dashboardNaming: DASHBOARD_NAMING,
      dashboardFolder: PLATFORM_DASHBOARD_FOLDER,
    });

    // The blackbox exporter and Alertmanager reach the outside on 443 only.
    const blackbox = policyOf(BLACKBOX_EXPORTER).policy;
    for (const cidr of monitoring.blackbox.egressCidrs) blackbox.allowTo(NetworkPeer.cidr(cidr), [{ port: 443 }]);
    const alertmanager = policyOf(ALERTMANAGER).policy;
    for (const cidr of monitoring.alerting.egressCidrs) alertmanager.allowTo(NetworkPeer.cidr(cidr), [{ port: 443 }]);
    // Its replicas gossip to deduplicate notifications.
    const gossip = [{ port: ALERTMANAGER_CLUSTER_PORT }, { port: ALERTMANAGER_CLUSTER_PORT, protocol: 'UDP' as const }];
    alertmanager.allowFrom(endpointPeer(ALERTMANAGER), gossip).allowTo(endpointPeer(ALERTMANAGER), gossip);
    // Under the mesh, ztunnel carries the gossip's TCP (UDP is not captured): admit the replicas' own identity.
    policyOf(ALERTMANAGER).authorization?.allowFrom(meshPrincipal(ns[ALERTMANAGER.namespaceRole], ALERTMANAGER.serviceAccount), ALERTMANAGER_CLUSTER_PORT);

    for (const service of spec.services) {
      const signals = { service: service.name, namespaces: colorNamespaces, objective: service.availability.objective, latencyP99TargetMs: service.availability.latencyP99Ms };
      new ServiceRules(this, `${pascalCase(service.name)}Rules`, { ...signals, autoscaled: !!service.autoscaling, runbookBaseUrl: runbooks });
      new ServiceDashboard(this, `${pascalCase(service.name)}Dashboard`, { ...signals, naming: DASHBOARD_NAMING, folder: SERVICE_DASHBOARD_FOLDER });
      if (service.public) {
        new UptimeProbe(this, `${pascalCase(service.name)}Uptime`, {
          name: service.name,
          url: `https://${service.public.host}${service.public.path}`,
          proberUrl: blackboxProberUrl(spec, BLACKBOX_EXPORTER.name, BLACKBOX_EXPORTER.port),
        });
      }
    }
    new RuleGroupSet(this, 'PlatformRules', { component: 'platform', runbookBaseUrl: runbooks, rules: platformHealthRules({
      rpoMinutes: spec.data.rpoMinutes,
      // The drill the data chart runs, on the spec's schedule: its alert waits for exactly that schedule.
      restoreDrill: { cronJob: DEFAULT_DRILL_NAME, overdueAfterMinutes: drillOverdueAfterMinutes(spec.data.restoreDrill.schedule, DEFAULT_DRILL_TIMEOUT_MINUTES)! },
    }) });
    new RuleGroupSet(this, 'BusinessRules', { component: 'business', runbookBaseUrl: runbooks, rules: businessRules({ namespaces: colorNamespaces }) });
    new RuleGroupSet(this, 'SecurityRules', { component: 'security', runbookBaseUrl: runbooks, rules: securityRules({ namespaces: colorNamespaces }) });
    addMetricsAdapter(this, spec, placement.colors, runbooks);
    new PlatformOverviewDashboard(this, 'OverviewDashboard');
    new BlueGreenDashboard(this, 'BlueGreenDashboard');
    new AlertRouting(this, 'AlertRouting', {
      name: ALERT_ROUTING_NAME,
      storeName: SECRET_STORE_NAME,
      pagerDuty: { remoteKey: monitoring.alerting.pagerDutyVaultKey },
      slack: { remoteKey: monitoring.alerting.slackVaultKey, channel: monitoring.alerting.slackChannel },
      deadMansSwitch: { remoteKey: monitoring.alerting.deadMansSwitchVaultKey },
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
      elasticsearch: { host: es.host, port: es.port, peer: NetworkPeer.cidr(es.cidr), indexPrefix: LOG_INDEX_PREFIX },
      credentials: { storeName: SECRET_STORE_NAME, remoteKey: es.vaultKey },
      priorityClassName: PRIORITY_CLASSES.critical,
    });
  }
}

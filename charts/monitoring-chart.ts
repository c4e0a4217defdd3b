import { Construct } from 'constructs';
import {
  AllowPolicy,
  AlertRouting,
  AlertWebhook,
  ComponentPolicy,
  componentPolicies,
  LogShipper,
  meshPrincipal,
  NetworkPeer,
  PlacedChart,
  platformHealthRules,
  RuleGroupSet,
  selectorLabels,
  ServiceDashboard,
  ServiceRules,
  TraceCollector,
  UptimeProbe,
} from '../lib';
import { addMetricsAdapter } from './metrics-adapter';
import { SECRET_STORE_NAME } from './platform-chart';
import { chartLabels, SharedServicesChartProps } from './chart-support';
import {
  blackboxProberUrl,
  BlueGreenDashboard,
  businessRules,
  clusterModel,
  edgeGateways,
  loggingNamespace,
  PlatformOverviewDashboard,
  PlatformSpec,
  runbookBaseUrl,
  securityRules,
  SharedComponent,
} from '../platform';
import {
  ALERTMANAGER,
  ALERTMANAGER_CLUSTER_PORT,
  BLACKBOX_EXPORTER,
  LOG_SHIPPER_METRICS_PORT,
  LOG_SHIPPER_NAME,
  PlatformEndpoint,
  POSTGRES,
  POSTGRES_INSTANCES,
  PROMETHEUS,
  TRACE_COLLECTOR,
  CNPG_PORTS,
} from '../lib/core/endpoints';
import { pascalCase } from '../lib/core/names';
import { PlacedChartProps } from '../lib/core/placement';
import { DEFAULT_DRILL_NAME, DEFAULT_DRILL_TIMEOUT_MINUTES, drillOverdueAfterMinutes } from '../lib/data/restore-drill';
import {
  ALERT_ROUTING_NAME,
  DASHBOARD_NAMING,
  LOG_INDEX_PREFIX,
  PLATFORM_DASHBOARD_FOLDER,
  PRIORITY_CLASSES,
  SERVICE_DASHBOARD_FOLDER,
  SWITCH_ALERTS,
  SWITCH_TRAFFIC_COMMAND,
  AUTO_ROLLBACK_RECEIVER,
} from '../platform/names';

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
    super(scope, id, sharedChartOptions(props, 'monitoring', spec.namespaces.monitoring));
    const runbooks = runbookBaseUrl(spec);

    // The monitoring installation's pods: their flows with the cluster's components (the API
    // server, the kubelets, kube-state-metrics, cert-manager, Velero, Grafana, the metrics
    // adapter, Alertmanager, the blackbox exporter, the collector, Jaeger) come from the model.
    const model = clusterModel(
      spec,
      edgeGateways(spec).map((g) => g.name),
      placement.cluster,
    );
    const policies = componentPolicies(this, { model, namespace: spec.namespaces.monitoring, mesh: spec.mesh.enabled });
    const policyOf = (endpoint: PlatformEndpoint) => policies.get(endpoint.name)!;

    // The order below is the order of the objects in the output.
    allowScrapes(props, policyOf(PROMETHEUS).policy);
    addTraceCollector(this, props, policyOf(TRACE_COLLECTOR), runbooks);
    allowOutboundAndGossip(spec, policyOf(BLACKBOX_EXPORTER).policy, policyOf(ALERTMANAGER));
    addServiceMonitoring(this, props, runbooks);
    addPlatformMonitoring(this, props, runbooks);
  }
}

/** A peer for the pods of a platform endpoint, in its namespace. */
function endpointPeer(spec: PlatformSpec, endpoint: PlatformEndpoint): NetworkPeer {
  return NetworkPeer.pods({ ...endpoint.podLabels }, spec.namespaces[endpoint.namespaceRole]);
}

/**
 * What the services' graph adds to Prometheus's policy: it scrapes every service's metrics port,
 * the log shipper and the data stores' exporters (CloudNativePG's instances and PgBouncer).
 */
function allowScrapes(props: SharedServicesChartProps, scrape: AllowPolicy): void {
  const { spec, placement } = props;
  for (const color of placement.colors) {
    for (const service of spec.services) {
      scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: service.name, color }), spec.namespaces[color]), [
        { port: service.metricsPort },
      ]);
    }
  }
  scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: LOG_SHIPPER_NAME }), loggingNamespace(spec)), [
    { port: LOG_SHIPPER_METRICS_PORT },
  ]);
  scrape.allowTo(endpointPeer(spec, POSTGRES_INSTANCES), [{ port: CNPG_PORTS.instanceMetrics }]);
  scrape.allowTo(endpointPeer(spec, POSTGRES), [{ port: CNPG_PORTS.poolerMetrics }]);
}

/** The OpenTelemetry Collector, which the services send traces to (4317) and which exports them to Jaeger. */
function addTraceCollector(scope: Construct, props: SharedServicesChartProps, collector: ComponentPolicy, runbooks: string): void {
  const { spec, placement } = props;
  const ns = spec.namespaces;
  for (const color of placement.colors) {
    for (const service of spec.services) {
      collector.policy.allowFrom(NetworkPeer.pods(selectorLabels({ name: service.name, color }), ns[color]), [
        { port: TRACE_COLLECTOR.port },
      ]);
      collector.authorization?.allowFrom(meshPrincipal(ns[color], service.name), TRACE_COLLECTOR.port);
    }
  }
  new TraceCollector(scope, 'Collector', {
    jaegerNamespace: spec.monitoring.jaeger.namespace,
    jaegerService: spec.monitoring.jaeger.service,
    jaegerPort: spec.monitoring.jaeger.port,
    runbookBaseUrl: runbooks,
    priorityClassName: PRIORITY_CLASSES.standard,
    dashboardNaming: DASHBOARD_NAMING,
    dashboardFolder: PLATFORM_DASHBOARD_FOLDER,
  });
}

/** The blackbox exporter and Alertmanager reach the outside on 443 only; Alertmanager's replicas gossip with each other. */
function allowOutboundAndGossip(spec: PlatformSpec, blackbox: AllowPolicy, alertmanagerPolicies: ComponentPolicy): void {
  const { monitoring } = spec;
  for (const cidr of monitoring.blackbox.egressCidrs) blackbox.allowTo(NetworkPeer.cidr(cidr), [{ port: 443 }]);
  const alertmanager = alertmanagerPolicies.policy;
  for (const cidr of monitoring.alerting.egressCidrs) alertmanager.allowTo(NetworkPeer.cidr(cidr), [{ port: 443 }]);
  // The Git server's pipeline trigger, when the automatic rollback is on.
  const autoRollback = spec.delivery.autoRollback;
  if (autoRollback.enabled) for (const cidr of autoRollback.egressCidrs) alertmanager.allowTo(NetworkPeer.cidr(cidr), [{ port: 443 }]);
  // Its replicas gossip to deduplicate notifications.
  const gossip = [{ port: ALERTMANAGER_CLUSTER_PORT }, { port: ALERTMANAGER_CLUSTER_PORT, protocol: 'UDP' as const }];
  alertmanager.allowFrom(endpointPeer(spec, ALERTMANAGER), gossip).allowTo(endpointPeer(spec, ALERTMANAGER), gossip);
  // Under the mesh, ztunnel carries the gossip's TCP (UDP is not captured): admit the replicas' own identity.
  alertmanagerPolicies.authorization?.allowFrom(
    meshPrincipal(spec.namespaces[ALERTMANAGER.namespaceRole], ALERTMANAGER.serviceAccount),
    ALERTMANAGER_CLUSTER_PORT,
  );
}

/** For every service (every colour in the cluster): its rules and dashboard, and an uptime probe when it is public. */
function addServiceMonitoring(scope: Construct, props: SharedServicesChartProps, runbooks: string): void {
  const { spec, placement } = props;
  const colorNamespaces = placement.colors.map((color) => spec.namespaces[color]);
  for (const service of spec.services) {
    const signals = {
      service: service.name,
      namespaces: colorNamespaces,
      objective: service.availability.objective,
      latencyP99TargetMs: service.availability.latencyP99Ms,
    };
    new ServiceRules(scope, `${pascalCase(service.name)}Rules`, {
      ...signals,
      autoscaled: !!service.autoscaling,
      runbookBaseUrl: runbooks,
      switchTrafficCommand: SWITCH_TRAFFIC_COMMAND,
    });
    new ServiceDashboard(scope, `${pascalCase(service.name)}Dashboard`, {
      ...signals,
      naming: DASHBOARD_NAMING,
      folder: SERVICE_DASHBOARD_FOLDER,
    });
    if (service.public) {
      new UptimeProbe(scope, `${pascalCase(service.name)}Uptime`, {
        name: service.name,
        url: `https://${service.public.host}${service.public.path}`,
        proberUrl: blackboxProberUrl(spec, BLACKBOX_EXPORTER.name, BLACKBOX_EXPORTER.port),
      });
    }
  }
}

/** The platform, business and security rules, the metrics adapter, the overview and blue/green dashboards, and alert routing. */
function addPlatformMonitoring(scope: Construct, props: SharedServicesChartProps, runbooks: string): void {
  const { spec, placement } = props;
  const { alerting } = spec.monitoring;
  const colorNamespaces = placement.colors.map((color) => spec.namespaces[color]);
  new RuleGroupSet(scope, 'PlatformRules', {
    component: 'platform',
    runbookBaseUrl: runbooks,
    rules: platformHealthRules({
      rpoMinutes: spec.data.rpoMinutes,
      switchTrafficCommand: SWITCH_TRAFFIC_COMMAND,
      // The drill the data chart runs, on the spec's schedule: its alert waits for exactly that schedule.
      restoreDrill: {
        cronJob: DEFAULT_DRILL_NAME,
        overdueAfterMinutes: drillOverdueAfterMinutes(spec.data.restoreDrill.schedule, DEFAULT_DRILL_TIMEOUT_MINUTES)!,
      },
    }),
  });
  new RuleGroupSet(scope, 'BusinessRules', {
    component: 'business',
    runbookBaseUrl: runbooks,
    rules: businessRules({ namespaces: colorNamespaces }),
  });
  new RuleGroupSet(scope, 'SecurityRules', {
    component: 'security',
    runbookBaseUrl: runbooks,
    rules: securityRules({ namespaces: colorNamespaces }),
  });
  addMetricsAdapter(scope, spec, placement.colors, runbooks);
  new PlatformOverviewDashboard(scope, 'OverviewDashboard');
  new BlueGreenDashboard(scope, 'BlueGreenDashboard');
  new AlertRouting(scope, 'AlertRouting', {
    name: ALERT_ROUTING_NAME,
    storeName: SECRET_STORE_NAME,
    pagerDuty: { remoteKey: alerting.pagerDutyVaultKey },
    slack: { remoteKey: alerting.slackVaultKey, channel: alerting.slackChannel },
    deadMansSwitch: { remoteKey: alerting.deadMansSwitchVaultKey },
    webhooks: autoRollbackWebhooks(spec),
  });
}

/**
 * With `delivery.autoRollback` on: `SwitchWatchFailed` also goes to the CI pipeline trigger (URL and
 * token from Vault), one call per region and colour; the pipeline rolls back through git.
 */
function autoRollbackWebhooks(spec: PlatformSpec): AlertWebhook[] {
  const autoRollback = spec.delivery.autoRollback;
  if (!autoRollback.enabled) return [];
  return [
    {
      receiver: AUTO_ROLLBACK_RECEIVER,
      alertnames: [SWITCH_ALERTS.watch],
      url: { remoteKey: autoRollback.triggerUrlVaultKey },
      groupBy: ['alertname', 'region', 'color'],
    },
  ];
}

/**
 * The `logging` component of a region: the log shipper (Fluent Bit to Elasticsearch) in its own
 * namespace, `<name>-logging`, the only one whose Pod Security level is privileged (hostPath).
 */
export class LoggingChart extends PlacedChart {
  public readonly shipper: LogShipper;

  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec } = props;
    const namespace = loggingNamespace(spec);
    super(scope, id, sharedChartOptions(props, 'logging', namespace));
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

/** The options of the chart of a shared component of the placement, in `namespace`. */
function sharedChartOptions(props: SharedServicesChartProps, component: SharedComponent, namespace: string): PlacedChartProps {
  const { spec, placement } = props;
  return {
    region: placement.region.name,
    cluster: placement.cluster.name,
    component: placement.componentOf(component),
    namespace,
    labels: chartLabels(spec),
  };
}

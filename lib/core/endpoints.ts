/**
 * The platform's shared endpoints outside the colour namespaces: who they are (namespace role
 * and pod labels) and where they listen. Network policies, mesh rules and the constructs that
 * run these pods all use this one table, so that the policies select exactly those pods.
 */
import { LABEL_NAME } from './labels';

/** Which platform namespace an endpoint lives in (resolved through the spec's namespaces). */
export type NamespaceRole = 'blue' | 'green' | 'edge' | 'data' | 'monitoring';

export interface PlatformEndpoint {
  /** The workload's name (Deployment, StatefulSet or operator object). */
  readonly name: string;
  readonly namespaceRole: NamespaceRole;
  /** Labels that select the endpoint's pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The service account its pods run as (for mesh principals). */
  readonly serviceAccount: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** A TCP endpoint whose pods run as the service account named like the workload. */
function endpoint(namespaceRole: NamespaceRole, name: string, port: number, podLabels: Readonly<Record<string, string>>): PlatformEndpoint {
  return { name, namespaceRole, podLabels, serviceAccount: name, port, protocol: 'TCP' };
}

/** An endpoint whose pods are labelled `app.kubernetes.io/name: <name>`, as their Helm charts do. */
function namedEndpoint(namespaceRole: NamespaceRole, name: string, port: number): PlatformEndpoint {
  return endpoint(namespaceRole, name, port, { [LABEL_NAME]: name });
}

/** An endpoint of the cluster's monitoring installation, in the monitoring namespace. */
function monitoringEndpoint(name: string, port: number): PlatformEndpoint {
  return namedEndpoint('monitoring', name, port);
}

/** Ports of CloudNativePG pods: PostgreSQL, the instance manager, and the two metrics exporters. */
export const CNPG_PORTS = { postgres: 5432, instanceManager: 8000, instanceMetrics: 9187, poolerMetrics: 9127 } as const;

/** PostgreSQL as the services see it: the CloudNativePG PgBouncer pooler (read-write). */
export const POSTGRES = endpoint('data', 'postgres-pooler-rw', CNPG_PORTS.postgres, { 'cnpg.io/poolerName': 'postgres-pooler-rw' });

/**
 * PostgreSQL's instances: the pods of the CloudNativePG Cluster `postgres` behind the pooler
 * (the pooler, the operator and Prometheus reach them; the services never do).
 */
export const POSTGRES_INSTANCES = endpoint('data', 'postgres', CNPG_PORTS.postgres, { 'cnpg.io/cluster': 'postgres' });

/** Redis (primary and replicas). */
export const REDIS = namedEndpoint('data', 'redis', 6379);

/** Redis's TLS port: replication between its pods and from other clusters' replicas runs over it. */
export const REDIS_REPLICATION_PORT = 6380;

/** The OpenTelemetry Collector that receives traces over OTLP/gRPC. */
export const TRACE_COLLECTOR = monitoringEndpoint('otel-collector', 4317);

/**
 * Prometheus, run by the cluster's Prometheus Operator installation in the monitoring
 * namespace; it scrapes every service's metrics port. Its port is the web port.
 */
export const PROMETHEUS = monitoringEndpoint('prometheus', 9090);

/**
 * Prometheus's in-cluster URL for clients such as Argo Rollouts: the Service `prometheus-operated`,
 * which the Prometheus Operator creates in the namespace of every Prometheus it runs, on the web port.
 */
export function prometheusUrl(namespace: string): string {
  return `http://prometheus-operated.${namespace}.svc:${PROMETHEUS.port}`;
}

/** The Argo Rollouts controller's metrics port (`/metrics`, its analysis runs' phases among them). */
export const ARGO_ROLLOUTS_METRICS_PORT = 8090;

/**
 * Alertmanager, run by the cluster's Prometheus Operator installation in the monitoring
 * namespace: Prometheus sends it alerts; it notifies PagerDuty and Slack.
 */
export const ALERTMANAGER = monitoringEndpoint('alertmanager', 9093);

/** Alertmanager's cluster port: its replicas gossip on it (TCP and UDP) to deduplicate notifications. */
export const ALERTMANAGER_CLUSTER_PORT = 9094;

/**
 * The blackbox exporter of the cluster's monitoring installation: Prometheus asks it to probe
 * the public endpoints (uptime).
 */
export const BLACKBOX_EXPORTER = monitoringEndpoint('blackbox-exporter', 9115);

/**
 * Grafana, run by the cluster's monitoring installation in the monitoring namespace: it queries
 * Prometheus for the dashboards.
 */
export const GRAFANA = monitoringEndpoint('grafana', 3000);

/**
 * prometheus-adapter, the metrics adapter of the cluster's monitoring installation: it serves
 * the custom and external metrics APIs (which the autoscalers read) from Prometheus. Its port
 * is the aggregated API server's secure port.
 */
export const METRICS_ADAPTER = monitoringEndpoint('prometheus-adapter', 6443);

/** kube-state-metrics, of the cluster's monitoring installation: the objects' state as metrics. */
export const KUBE_STATE_METRICS = monitoringEndpoint('kube-state-metrics', 8080);

/** The OpenTelemetry Collector's own metrics port (Prometheus scrapes it). */
export const TRACE_COLLECTOR_METRICS_PORT = 8888;

/** The log shipper's name (its DaemonSet, pods' `app.kubernetes.io/name`). */
export const LOG_SHIPPER_NAME = 'fluent-bit';
/** Fluent Bit's HTTP server (health and Prometheus metrics). */
export const LOG_SHIPPER_METRICS_PORT = 2020;

/**
 * The pod labels of Jaeger's collector: the Jaeger operator labels them
 * `app.kubernetes.io/name: <instance>-collector`, the collector Service's name.
 */
export function jaegerCollectorPodLabels(service: string): Record<string, string> {
  return { [LABEL_NAME]: service };
}

/** The edge gateway's pods, as Gateway API implementations label them. */
export function gatewayPodLabels(gatewayName: string): Record<string, string> {
  return { 'gateway.networking.k8s.io/gateway-name': gatewayName };
}

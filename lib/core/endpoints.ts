/**
 * The platform's shared endpoints outside the colour namespaces: who they are (namespace role
 * and pod labels) and where they listen. Network policies, mesh rules and the constructs that
 * run these pods all use this one table, so that the policies select exactly those pods.
 */

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

/** PostgreSQL as the services see it: the CloudNativePG PgBouncer pooler (read-write). */
export const POSTGRES: PlatformEndpoint = {
  name: 'postgres-pooler-rw',
  namespaceRole: 'data',
  podLabels: { 'cnpg.io/poolerName': 'postgres-pooler-rw' },
  serviceAccount: 'postgres-pooler-rw',
  port: 5432,
  protocol: 'TCP',
};

/**
 * PostgreSQL's instances: the pods of the CloudNativePG Cluster `postgres` behind the pooler
 * (the pooler, the operator and Prometheus reach them; the services never do).
 */
export const POSTGRES_INSTANCES: PlatformEndpoint = {
  name: 'postgres',
  namespaceRole: 'data',
  podLabels: { 'cnpg.io/cluster': 'postgres' },
  serviceAccount: 'postgres',
  port: 5432,
  protocol: 'TCP',
};

/** The instance manager's status API of each PostgreSQL instance (the operator and the other instances call it). */
export const POSTGRES_INSTANCE_STATUS_PORT = 8000;
/** The metrics exporter of each PostgreSQL instance (CloudNativePG's instance manager). */
export const POSTGRES_INSTANCE_METRICS_PORT = 9187;
/** The metrics exporter of each PgBouncer pod of the pooler. */
export const POSTGRES_POOLER_METRICS_PORT = 9127;

/** Redis (primary and replicas). */
export const REDIS: PlatformEndpoint = {
  name: 'redis',
  namespaceRole: 'data',
  podLabels: { 'app.kubernetes.io/name': 'redis' },
  serviceAccount: 'redis',
  port: 6379,
  protocol: 'TCP',
};

/** Redis's TLS port: replication between its pods and from other clusters' replicas runs over it. */
export const REDIS_REPLICATION_PORT = 6380;

/** The OpenTelemetry Collector that receives traces over OTLP/gRPC. */
export const TRACE_COLLECTOR: PlatformEndpoint = {
  name: 'otel-collector',
  namespaceRole: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'otel-collector' },
  serviceAccount: 'otel-collector',
  port: 4317,
  protocol: 'TCP',
};

/**
 * Prometheus, run by the cluster's Prometheus Operator installation in the monitoring
 * namespace; it scrapes every service's metrics port. Its port is the web port.
 */
export const PROMETHEUS: PlatformEndpoint = {
  name: 'prometheus',
  namespaceRole: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
  serviceAccount: 'prometheus',
  port: 9090,
  protocol: 'TCP',
};

/**
 * Alertmanager, run by the cluster's Prometheus Operator installation in the monitoring
 * namespace: Prometheus sends it alerts; it notifies PagerDuty and Slack.
 */
export const ALERTMANAGER: PlatformEndpoint = {
  name: 'alertmanager',
  namespaceRole: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'alertmanager' },
  serviceAccount: 'alertmanager',
  port: 9093,
  protocol: 'TCP',
};

/** Alertmanager's cluster port: its replicas gossip on it (TCP and UDP) to deduplicate notifications. */
export const ALERTMANAGER_CLUSTER_PORT = 9094;

/**
 * The blackbox exporter of the cluster's monitoring installation: Prometheus asks it to probe
 * the public endpoints (uptime).
 */
export const BLACKBOX_EXPORTER: PlatformEndpoint = {
  name: 'blackbox-exporter',
  namespaceRole: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'blackbox-exporter' },
  serviceAccount: 'blackbox-exporter',
  port: 9115,
  protocol: 'TCP',
};

/**
 * Grafana, run by the cluster's monitoring installation in the monitoring namespace: it queries
 * Prometheus for the dashboards.
 */
export const GRAFANA: PlatformEndpoint = {
  name: 'grafana',
  namespaceRole: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'grafana' },
  serviceAccount: 'grafana',
  port: 3000,
  protocol: 'TCP',
};

/**
 * prometheus-adapter, the metrics adapter of the cluster's monitoring installation: it serves
 * the custom and external metrics APIs (which the autoscalers read) from Prometheus. Its port
 * is the aggregated API server's secure port.
 */
export const METRICS_ADAPTER: PlatformEndpoint = {
  name: 'prometheus-adapter',
  namespaceRole: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'prometheus-adapter' },
  serviceAccount: 'prometheus-adapter',
  port: 6443,
  protocol: 'TCP',
};

/** kube-state-metrics, of the cluster's monitoring installation: the objects' state as metrics. */
export const KUBE_STATE_METRICS: PlatformEndpoint = {
  name: 'kube-state-metrics',
  namespaceRole: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'kube-state-metrics' },
  serviceAccount: 'kube-state-metrics',
  port: 8080,
  protocol: 'TCP',
};

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
  return { 'app.kubernetes.io/name': service };
}

/** The edge gateway's pods, as Gateway API implementations label them. */
export function gatewayPodLabels(gatewayName: string): Record<string, string> {
  return { 'gateway.networking.k8s.io/gateway-name': gatewayName };
}

import { Color, COLORS } from '../../lib/core';
import {
  ALERTMANAGER,
  ALERTMANAGER_CLUSTER_PORT,
  LOG_SHIPPER_METRICS_PORT,
  LOG_SHIPPER_NAME,
  PlatformEndpoint,
  POSTGRES,
  POSTGRES_INSTANCES,
  PROMETHEUS,
  REDIS,
  REDIS_REPLICATION_PORT,
  TRACE_COLLECTOR,
  CNPG_PORTS,
} from '../../lib/core/endpoints';
import { clusterModel } from './cluster-model';
import { loggingNamespace } from './monitoring';
import { ClusterSpec } from './schema';
import { PlatformSpec } from './validate';

/** One allowed connection of the declared graph: workload ids are `<namespace>/<name>`. */
export interface DeclaredConnection {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
}

/** The namespace of a shared platform endpoint. */
export function endpointNamespace(spec: PlatformSpec, endpoint: PlatformEndpoint): string {
  return spec.namespaces[endpoint.namespaceRole];
}

/** The workload id (`<namespace>/<name>`) of a shared platform endpoint. */
export function endpointWorkloadId(spec: PlatformSpec, endpoint: PlatformEndpoint): string {
  return `${endpointNamespace(spec, endpoint)}/${endpoint.name}`;
}

function tcp(from: string, to: string, port: number): DeclaredConnection {
  return { from, to, port, protocol: 'TCP' };
}

/**
 * Every connection the spec declares among the workloads of one cluster that runs `colors`:
 * service to service (same colour only), service to postgres/redis, the edge gateways to
 * public services, Prometheus to metrics ports and services to the trace collector; and the
 * cluster's own monitoring paths (`monitoringConnections`) and data paths (`dataConnections`). This is what the NetworkPolicies must
 * allow, and nothing more; tests and `alp verify` compare it with the policies' evaluation.
 */
export function declaredConnections(
  spec: PlatformSpec,
  colors: readonly Color[] = COLORS,
  gatewayNames: readonly string[] = [spec.edge.gatewayName],
): DeclaredConnection[] {
  const connections: DeclaredConnection[] = [];
  const add = (from: string, to: string, port: number) => connections.push(tcp(from, to, port));
  const byName = new Map(spec.services.map((s) => [s.name, s]));
  for (const color of colors) {
    const ns = spec.namespaces[color];
    for (const service of spec.services) {
      const id = `${ns}/${service.name}`;
      for (const dependency of service.dependsOn.services) add(id, `${ns}/${dependency}`, byName.get(dependency)!.port);
      if (service.dependsOn.postgres) add(id, endpointWorkloadId(spec, POSTGRES), POSTGRES.port);
      if (service.dependsOn.redis) add(id, endpointWorkloadId(spec, REDIS), REDIS.port);
      add(id, endpointWorkloadId(spec, TRACE_COLLECTOR), TRACE_COLLECTOR.port);
      add(endpointWorkloadId(spec, PROMETHEUS), id, service.metricsPort);
      if (service.public) for (const gateway of gatewayNames) add(`${spec.namespaces.edge}/${gateway}`, id, service.port);
    }
  }
  connections.push(...monitoringConnections(spec, gatewayNames), ...dataConnections(spec));
  return connections.sort(compareConnections);
}

/**
 * The data paths every cluster has, besides the services' own: the PostgreSQL instances reach
 * each other (streaming replication on 5432, the instance manager's status API on 8000), Redis's
 * replicas reach pod 0 (6379), PgBouncer reaches the instances (5432), the GDPR jobs
 * (`retention-<data class>` and `gdpr-erasure`, suspended in a replica's cluster but allowed all
 * the same) reach the pooler, and Prometheus scrapes the instances' and PgBouncer's exporters.
 * Paths to addresses outside the cluster (the API server, the object store, the other region's
 * Redis, the CloudNativePG operator's namespace) are not connections between workloads.
 */
export function dataConnections(spec: PlatformSpec): DeclaredConnection[] {
  const pooler = endpointWorkloadId(spec, POSTGRES);
  const jobs = [...spec.data.gdpr.dataClasses.map((c) => `retention-${c.name}`), 'gdpr-erasure'];
  const instances = endpointWorkloadId(spec, POSTGRES_INSTANCES);
  return [
    tcp(instances, instances, POSTGRES_INSTANCES.port),
    tcp(instances, instances, CNPG_PORTS.instanceManager),
    tcp(endpointWorkloadId(spec, REDIS), endpointWorkloadId(spec, REDIS), REDIS_REPLICATION_PORT),
    tcp(pooler, instances, POSTGRES_INSTANCES.port),
    ...jobs.map((job) => tcp(`${spec.namespaces.data}/${job}`, pooler, POSTGRES.port)),
    tcp(endpointWorkloadId(spec, PROMETHEUS), endpointWorkloadId(spec, POSTGRES_INSTANCES), CNPG_PORTS.instanceMetrics),
    tcp(endpointWorkloadId(spec, PROMETHEUS), pooler, CNPG_PORTS.poolerMetrics),
  ];
}

/**
 * The paths between the cluster's components that run as pods (`CLUSTER_FLOWS` resolved by
 * `clusterModel`: Prometheus's scrapes of the monitoring installation, cert-manager and Velero,
 * Grafana's and the metrics adapter's queries, the collector's export to Jaeger, the edge
 * gateways to the HTTP-01 solver), plus those the model does not hold as flows: Prometheus
 * scrapes the log shipper (2020), Alertmanager's replicas gossip among themselves (9094, TCP and
 * UDP). Jaeger's namespace is not the platform's (no NetworkPolicy of this project selects its
 * pods), so its collector's replicas also reach each other: declared, so that the check sees it.
 * Flows to or from addresses (the API server, the kubelets) are not connections between
 * workloads: `addressFlows` lists them.
 */
export function monitoringConnections(spec: PlatformSpec, gatewayNames: readonly string[] = [spec.edge.gatewayName]): DeclaredConnection[] {
  const prometheus = endpointWorkloadId(spec, PROMETHEUS);
  const { jaeger } = spec.monitoring;
  const modelled = clusterModel(spec, gatewayNames)
    .flows.filter((f) => f.from.workloadId !== undefined && f.to.workloadId !== undefined)
    .flatMap((f) => f.ports.map((p) => ({ from: f.from.workloadId!, to: f.to.workloadId!, port: p.port, protocol: p.protocol ?? 'TCP' })));
  return [
    ...modelled,
    tcp(prometheus, `${loggingNamespace(spec)}/${LOG_SHIPPER_NAME}`, LOG_SHIPPER_METRICS_PORT),
    tcp(endpointWorkloadId(spec, ALERTMANAGER), endpointWorkloadId(spec, ALERTMANAGER), ALERTMANAGER_CLUSTER_PORT),
    {
      from: endpointWorkloadId(spec, ALERTMANAGER),
      to: endpointWorkloadId(spec, ALERTMANAGER),
      port: ALERTMANAGER_CLUSTER_PORT,
      protocol: 'UDP',
    },
    tcp(`${jaeger.namespace}/${jaeger.service}`, `${jaeger.namespace}/${jaeger.service}`, jaeger.port),
  ];
}

/** A flow from a workload to addresses outside the pod network (the API server, the nodes), as the check compares it with the evaluated external egress. */
export interface DeclaredAddressFlow {
  readonly from: string;
  readonly cidr: string;
  readonly port: number;
  readonly protocol: string;
  readonly why: string;
}

/**
 * Every flow of one cluster from a workload to addresses: the model's (Prometheus, Grafana, the
 * metrics adapter and kube-state-metrics to the API server, Prometheus to the kubelets) and each
 * service with a `kubernetesApi` grant to the API server, in every colour of `colors`, at the
 * addresses of `cluster` (see `clusterAddressesOf`).
 */
export function addressFlows(
  spec: PlatformSpec,
  colors: readonly Color[] = COLORS,
  gatewayNames: readonly string[] = [spec.edge.gatewayName],
  cluster?: ClusterSpec,
): DeclaredAddressFlow[] {
  const model = clusterModel(spec, gatewayNames, cluster);
  const flows: DeclaredAddressFlow[] = [];
  for (const f of model.flows) {
    if (f.from.workloadId === undefined || f.to.cidrs === undefined) continue;
    for (const cidr of f.to.cidrs)
      for (const p of f.ports) flows.push({ from: f.from.workloadId, cidr, port: p.port, protocol: p.protocol ?? 'TCP', why: f.why });
  }
  const api = model.components['api-server'];
  for (const color of colors) {
    for (const service of spec.services.filter((s) => s.kubernetesApi)) {
      for (const cidr of api.cidrs ?? []) {
        for (const p of api.ports)
          flows.push({
            from: `${spec.namespaces[color]}/${service.name}`,
            cidr,
            port: p.port,
            protocol: 'TCP',
            why: 'its Kubernetes API grant',
          });
      }
    }
  }
  return flows;
}

/** Orders connections by from, to, protocol and port. */
export function compareConnections(a: DeclaredConnection, b: DeclaredConnection): number {
  return a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.protocol.localeCompare(b.protocol) || a.port - b.port;
}

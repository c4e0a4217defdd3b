import { ALERTMANAGER, ALERTMANAGER_CLUSTER_PORT, BLACKBOX_EXPORTER, jaegerCollectorPodLabels, PlatformEndpoint, PROMETHEUS, TRACE_COLLECTOR } from '../core';
import { endpointNamespace, PlatformSpec } from '../spec';
import { Workload } from './reachability';

/**
 * The shared endpoints the platform's policies admit or reach and that its manifests do not
 * run: the monitoring installation's. PostgreSQL (`POSTGRES`, the CloudNativePG Pooler) and
 * Redis (`REDIS`, the StatefulSet) are not among them: the data component runs them, so their
 * identity comes from the manifests.
 */
export const PLATFORM_ENDPOINTS: readonly PlatformEndpoint[] = [TRACE_COLLECTOR, PROMETHEUS, ALERTMANAGER, BLACKBOX_EXPORTER];

/**
 * The shared endpoints as workloads, for those that the manifests do not run themselves:
 * Prometheus, Alertmanager and the blackbox exporter belong to the cluster's monitoring
 * installation and are declared here by the identity their policies select, as is Jaeger's
 * collector (in its own namespace, from `monitoring.jaeger`).
 */
export function endpointWorkloads(spec: PlatformSpec, present: readonly Workload[]): Workload[] {
  const presentIds = new Set(present.map((w) => w.id));
  const { jaeger } = spec.monitoring;
  const jaegerWorkload: Workload = {
    id: `${jaeger.namespace}/${jaeger.service}`,
    namespace: jaeger.namespace,
    name: jaeger.service,
    labels: jaegerCollectorPodLabels(jaeger.service),
    ports: [{ port: jaeger.port, protocol: 'TCP' }],
  };
  const endpoints = PLATFORM_ENDPOINTS.map((endpoint): Workload => {
    const namespace = endpointNamespace(spec, endpoint);
    return {
      id: `${namespace}/${endpoint.name}`,
      namespace,
      name: endpoint.name,
      labels: { ...endpoint.podLabels },
      ports: [
        { port: endpoint.port, protocol: endpoint.protocol },
        // Alertmanager's replicas also listen to each other (cluster gossip).
        ...(endpoint === ALERTMANAGER ? [{ port: ALERTMANAGER_CLUSTER_PORT, protocol: 'TCP' as const }, { port: ALERTMANAGER_CLUSTER_PORT, protocol: 'UDP' as const }] : []),
      ],
    };
  });
  return [...endpoints, jaegerWorkload].filter((workload) => !presentIds.has(workload.id));
}

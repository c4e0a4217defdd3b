import { PlatformEndpoint, POSTGRES, PROMETHEUS, REDIS, TRACE_COLLECTOR } from '../core';
import { endpointNamespace, PlatformSpec } from '../spec';
import { Workload } from './reachability';

/** The shared endpoints the platform's policies admit or reach. */
export const PLATFORM_ENDPOINTS: readonly PlatformEndpoint[] = [POSTGRES, REDIS, TRACE_COLLECTOR, PROMETHEUS];

/**
 * The shared endpoints as workloads, for those that the manifests do not run themselves (yet):
 * Prometheus belongs to the cluster's monitoring installation, and data stores or collectors
 * not built by this project are declared here by the identity their policies select.
 */
export function endpointWorkloads(spec: PlatformSpec, present: readonly Workload[]): Workload[] {
  const presentIds = new Set(present.map((w) => w.id));
  return PLATFORM_ENDPOINTS.map((endpoint) => {
    const namespace = endpointNamespace(spec, endpoint);
    return {
      id: `${namespace}/${endpoint.name}`,
      namespace,
      name: endpoint.name,
      labels: { ...endpoint.podLabels },
      ports: [{ port: endpoint.port, protocol: endpoint.protocol }],
    };
  }).filter((workload) => !presentIds.has(workload.id));
}

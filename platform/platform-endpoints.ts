import { ALERTMANAGER_CLUSTER_PORT } from '../lib/core/endpoints';
import { clusterModel, PlatformSpec } from './spec';
import { Workload } from '../lib/policy/reachability';
import { compareStrings } from '../lib/policy/reachability-workloads';

/**
 * The cluster model's components as workloads, for those that the manifests do not run
 * themselves and that take part in a flow of the model: Prometheus, Alertmanager, Grafana, the
 * metrics adapter, kube-state-metrics and the blackbox exporter of the monitoring installation,
 * cert-manager and its HTTP-01 solver pods, Velero and Jaeger's collector, each with the pod
 * labels their policies select. Components reached at addresses (the API server, the kubelets)
 * are not workloads: the evaluation lists them as external egress.
 */
export function endpointWorkloads(
  spec: PlatformSpec,
  present: readonly Workload[],
  gatewayNames: readonly string[] = [spec.edge.gatewayName],
): Workload[] {
  const presentIds = new Set(present.map((w) => w.id));
  const model = clusterModel(spec, gatewayNames);
  const inFlows = new Set(model.flows.flatMap((f) => [f.from, f.to]));
  const workloads = new Map<string, Workload>();
  for (const component of inFlows) {
    if (component.workloadId === undefined || presentIds.has(component.workloadId)) continue;
    workloads.set(component.workloadId, {
      id: component.workloadId,
      namespace: component.namespace!,
      name: component.name,
      labels: { ...component.podLabels },
      ports: [
        ...component.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? ('TCP' as const) })),
        // Alertmanager's replicas also listen to each other (cluster gossip).
        ...(component.id === 'alertmanager'
          ? [
              { port: ALERTMANAGER_CLUSTER_PORT, protocol: 'TCP' as const },
              { port: ALERTMANAGER_CLUSTER_PORT, protocol: 'UDP' as const },
            ]
          : []),
      ],
    });
  }
  return [...workloads.values()].sort((a, b) => compareStrings(a.id, b.id));
}

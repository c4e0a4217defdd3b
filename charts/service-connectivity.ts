import { AllowPolicy, Color, HardenedService, meshPrincipal, NetworkPeer, selectorLabels, ServiceAuthorization } from '../lib';
import { gatewayPodLabels, POSTGRES, PROMETHEUS, REDIS, TRACE_COLLECTOR } from '../lib/core/endpoints';
import { componentPeers } from '../lib/network/component-policies';
import { clusterModel, ClusterSpec, edgeGateways, PlatformSpec, ServiceSpec } from '../platform';

/**
 * The network and mesh rules of one service in one colour, derived from the spec's dependency
 * graph: ingress from its declared callers (same colour), the edge gateway (public services)
 * and Prometheus (metrics port); egress to its dependencies (same colour), the data stores it
 * declared, the trace collector, its declared external destinations and, with a Kubernetes API
 * grant, the API server of `cluster` (from the cluster model; default: the spec-wide addresses).
 */
export function addServiceConnectivity(workload: HardenedService, service: ServiceSpec, spec: PlatformSpec, color: Color, cluster?: ClusterSpec): void {
  const ns = spec.namespaces;
  const byName = new Map(spec.services.map((s) => [s.name, s]));
  const callers = spec.services.filter((s) => s.dependsOn.services.includes(service.name));
  const gateways = edgeGateways(spec).map((g) => g.name);
  const endpointPods = (e: typeof POSTGRES) => NetworkPeer.pods(e.podLabels, ns[e.namespaceRole]);

  const policy = new AllowPolicy(workload, 'NetworkPolicy', { name: service.name, selector: workload.selector });
  for (const caller of callers) policy.allowFrom(NetworkPeer.pods(selectorLabels({ name: caller.name, color })), [{ port: service.port }]);
  if (service.public) {
    for (const gateway of gateways) policy.allowFrom(NetworkPeer.pods(gatewayPodLabels(gateway), ns.edge), [{ port: service.port }]);
  }
  policy.allowFrom(endpointPods(PROMETHEUS), [{ port: service.metricsPort }]);

  for (const dependency of service.dependsOn.services) {
    policy.allowTo(NetworkPeer.pods(selectorLabels({ name: dependency, color })), [{ port: byName.get(dependency)!.port }]);
  }
  if (service.dependsOn.postgres) policy.allowTo(endpointPods(POSTGRES), [{ port: POSTGRES.port }]);
  if (service.dependsOn.redis) policy.allowTo(endpointPods(REDIS), [{ port: REDIS.port }]);
  policy.allowTo(endpointPods(TRACE_COLLECTOR), [{ port: TRACE_COLLECTOR.port }]);
  for (const egress of service.egress) {
    for (const cidr of egress.cidrs) policy.allowTo(NetworkPeer.cidr(cidr), egress.ports.map((port) => ({ port })));
  }
  // A Kubernetes API grant is usable only with the API server in reach (its token is mounted: color-chart).
  if (service.kubernetesApi) {
    const apiServer = clusterModel(spec, gateways, cluster).components['api-server'];
    for (const peer of componentPeers(apiServer)) policy.allowTo(peer, apiServer.ports.map((p) => ({ port: p.port })));
  }

  if (!spec.mesh.enabled) return;
  const authorization = new ServiceAuthorization(workload, 'Authorization', { name: service.name, selector: workload.selector });
  for (const caller of callers) authorization.allowFrom(meshPrincipal(ns[color], caller.name), service.port);
  if (service.public) {
    for (const gateway of gateways) authorization.allowFrom(meshPrincipal(ns.edge, gatewayServiceAccount(spec, gateway)), service.port);
  }
  authorization.allowFrom(meshPrincipal(ns[PROMETHEUS.namespaceRole], PROMETHEUS.serviceAccount), service.metricsPort);
}

/**
 * The service account of an edge gateway's pods: Gateway API implementations such as Istio
 * name it `<gateway>-<gateway class>`.
 */
export function gatewayServiceAccount(spec: PlatformSpec, gateway: string): string {
  return `${gateway}-${spec.edge.gatewayClassName}`;
}

import { Color, HardenedService, NetworkPeer, PlatformEndpoint, POSTGRES, PROMETHEUS, REDIS, TRACE_COLLECTOR, gatewayPodLabels } from '../lib';
import { platformEndpointPeer } from '../lib/network/connections';
import { edgeGateways, PlatformSpec, ServiceSpec } from '../platform';

/**
 * The network and mesh rules of one colour's services, from the spec's dependency graph (the
 * edges `declaredConnections` lists): each service reaches its dependencies (both ends are
 * `workloads`, constructs of this chart), the data stores it declared, the trace collector and
 * its declared external destinations; the edge gateways reach the public services, Prometheus
 * every metrics port. The gateways and shared endpoints belong to other charts (other Argo CD
 * applications), so they are referenced by their pods and service accounts. The API server
 * egress of a Kubernetes API grant is written by the grant itself (see color-chart).
 */
export function connectColorServices(workloads: ReadonlyMap<string, HardenedService>, spec: PlatformSpec, color: Color): void {
  for (const workload of workloads.values()) workload.connections.meshAuthorization = spec.mesh.enabled;
  for (const service of spec.services) connectService(workloads, service, spec, color);
}

function connectService(workloads: ReadonlyMap<string, HardenedService>, service: ServiceSpec, spec: PlatformSpec, color: Color): void {
  const connections = workloadOf(workloads, service.name, color).connections;
  const shared = (e: PlatformEndpoint) => platformEndpointPeer(e, spec.namespaces[e.namespaceRole]);
  for (const dependency of service.dependsOn.services) connections.allowTo(workloadOf(workloads, dependency, color));
  if (service.public) {
    for (const gateway of edgeGateways(spec)) {
      connections.allowFrom(NetworkPeer.pods(gatewayPodLabels(gateway.name), spec.namespaces.edge, gatewayServiceAccount(spec, gateway.name)));
    }
  }
  connections.allowFrom(shared(PROMETHEUS), service.metricsPort);
  if (service.dependsOn.postgres) connections.allowTo(shared(POSTGRES));
  if (service.dependsOn.redis) connections.allowTo(shared(REDIS));
  connections.allowTo(shared(TRACE_COLLECTOR));
  // Destinations outside the cluster: only their addresses are known.
  for (const egress of service.egress) {
    for (const cidr of egress.cidrs) for (const port of egress.ports) connections.allowTo(NetworkPeer.cidr(cidr), port);
  }
}

function workloadOf(workloads: ReadonlyMap<string, HardenedService>, name: string, color: Color): HardenedService {
  const workload = workloads.get(name);
  // The spec's validation refuses a dependency on an unknown service; this is a wiring bug.
  if (workload === undefined) throw new Error(`connectColorServices: no ${color} workload '${name}'`);
  return workload;
}

/**
 * The service account of an edge gateway's pods: Gateway API implementations such as Istio
 * name it `<gateway>-<gateway class>`.
 */
export function gatewayServiceAccount(spec: PlatformSpec, gateway: string): string {
  return `${gateway}-${spec.edge.gatewayClassName}`;
}

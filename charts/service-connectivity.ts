import { AlpError, Color, HardenedService, NetworkPeer } from '../lib';
import { platformEndpointPeer } from '../lib/network/connections';
import { IConnectable } from '../lib/workload/connections';
import { declaredConnections, edgeGateways, endpointNamespace, endpointWorkloadId, PlatformSpec } from '../platform';
import { gatewayPodLabels, POSTGRES, PROMETHEUS, REDIS, TRACE_COLLECTOR } from '../lib/core/endpoints';

/** The shared endpoints a colour's services connect with (the others never reach a colour namespace). */
const SERVICE_PEERS = [POSTGRES, REDIS, TRACE_COLLECTOR, PROMETHEUS];

/**
 * The network and mesh rules of one colour's services. Which edges exist comes from the
 * platform's dependency graph (`declaredConnections`, the same list `alp verify` checks the
 * policies against): every declared connection with an end in the colour's namespace becomes
 * `client.connections.allowTo(server, port)`. Both ends are constructs when they are services
 * of this colour (`workloads`); the edge gateways and the shared endpoints belong to other
 * charts (other Argo CD applications) and are referenced by their pods and service accounts.
 * Destinations outside the cluster are known only by their addresses (the services' `egress`);
 * the API server egress of a Kubernetes API grant is written by the grant (see color-chart).
 */
export function connectColorServices(workloads: ReadonlyMap<string, HardenedService>, spec: PlatformSpec, color: Color): void {
  const namespace = spec.namespaces[color];
  const gateways = edgeGateways(spec).map((g) => g.name);
  const peers = new Map<string, IConnectable>([
    ...[...workloads.values()].map((w): [string, IConnectable] => [`${namespace}/${w.name}`, w]),
    ...gateways.map((g): [string, IConnectable] => [
      `${spec.namespaces.edge}/${g}`,
      NetworkPeer.pods(gatewayPodLabels(g), spec.namespaces.edge, gatewayServiceAccount(spec, g)),
    ]),
    ...SERVICE_PEERS.map((e): [string, IConnectable] => [endpointWorkloadId(spec, e), platformEndpointPeer(e, endpointNamespace(spec, e))]),
  ]);
  const peerOf = (id: string) => {
    const peer = peers.get(id);
    // A new kind of edge in the graph needs its peer here: a missing rule would fail closed, silently.
    if (peer === undefined) throw new AlpError(`connectColorServices: the dependency graph names '${id}', which has no peer here`);
    return peer;
  };
  for (const workload of workloads.values()) workload.connections.meshAuthorization = spec.mesh.enabled;
  for (const c of declaredConnections(spec, [color], gateways)) {
    if (!c.from.startsWith(`${namespace}/`) && !c.to.startsWith(`${namespace}/`)) continue;
    // The graph's protocols are TCP and UDP (DeclaredConnection types them as strings).
    peerOf(c.from).connections.allowTo(peerOf(c.to), { port: c.port, protocol: c.protocol as 'TCP' | 'UDP' });
  }
  for (const service of spec.services) {
    const connections = workloads.get(service.name)!.connections;
    for (const egress of service.egress) {
      for (const cidr of egress.cidrs) for (const port of egress.ports) connections.allowTo(NetworkPeer.cidr(cidr), port);
    }
  }
}

/**
 * The service account of an edge gateway's pods: Gateway API implementations such as Istio
 * name it `<gateway>-<gateway class>`.
 */
export function gatewayServiceAccount(spec: PlatformSpec, gateway: string): string {
  return `${gateway}-${spec.edge.gatewayClassName}`;
}

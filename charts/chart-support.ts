import { Construct } from 'constructs';
import { AllowPolicy, LABEL_MANAGED_BY, LABEL_PART_OF, meshPrincipal, NetworkPeer, selectorLabels, ServiceAuthorization } from '../lib';
import { PlatformEndpoint } from '../lib/core/endpoints';
import { MANAGED_BY } from '../lib/core/labels';
import { ClusterPlacement, PlatformSpec, ServiceSpec } from '../platform';

/** What the shared-namespace charts (data, monitoring, logging) are built from. */
export interface SharedServicesChartProps {
  readonly spec: PlatformSpec;
  readonly placement: ClusterPlacement;
}

/** The policies admitting a shared endpoint's clients: the NetworkPolicy, and under the mesh the AuthorizationPolicy. */
export interface ClientPolicies {
  readonly policy: AllowPolicy;
  readonly authorization?: ServiceAuthorization;
}

/** Lets `clients` (in the cluster's colours) reach `endpoint`: a NetworkPolicy and, with the mesh, an AuthorizationPolicy. */
export function admitClients(
  scope: Construct,
  id: string,
  props: SharedServicesChartProps,
  endpoint: PlatformEndpoint,
  clients: ServiceSpec[],
): ClientPolicies | undefined {
  const { spec, placement } = props;
  if (clients.length === 0) return undefined;
  const selector = { ...endpoint.podLabels };
  const policy = new AllowPolicy(scope, `${id}NetworkPolicy`, { name: endpoint.name, selector });
  const authorization = spec.mesh.enabled
    ? new ServiceAuthorization(scope, `${id}Authorization`, { name: endpoint.name, selector })
    : undefined;
  for (const color of placement.colors) {
    for (const client of clients) {
      policy.allowFrom(NetworkPeer.pods(selectorLabels({ name: client.name, color }), spec.namespaces[color]), [
        { port: endpoint.port, protocol: endpoint.protocol },
      ]);
      authorization?.allowFrom(meshPrincipal(spec.namespaces[color], client.name), endpoint.port);
    }
  }
  return { policy, authorization };
}

export function chartLabels(spec: PlatformSpec): Record<string, string> {
  return { [LABEL_PART_OF]: spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
}

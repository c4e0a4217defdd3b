import { IConstruct } from 'constructs';
import { ResolvedComponent, validationError } from '../core';
import {
  ConnectionEndpoint,
  ConnectionPort,
  ConnectionWriter,
  Connections,
  IConnectable,
  useConnectionWriter,
} from '../workload/connections';
import { AllowPolicy } from './allow-policy';
import { meshPrincipal, ServiceAuthorization } from './mesh';
import { NetworkPeer } from './network-peer';
import { PlatformEndpoint } from '../core/endpoints';

/** The ids of an owner's NetworkPolicy and AuthorizationPolicy (children of the owner). */
const NETWORK_POLICY_ID = 'NetworkPolicy';
const AUTHORIZATION_ID = 'Authorization';

/**
 * Writes each connection on the sides the app owns: egress in the client's NetworkPolicy,
 * ingress in the server's and, under the mesh, the server's AuthorizationPolicy admitting the
 * client's service account on each port. Every owner gets one policy of each kind, made at its
 * first rule; rules are merged and sorted there (AllowPolicy, ServiceAuthorization), so the
 * output does not depend on the order of the calls.
 */
class PolicyConnectionWriter implements ConnectionWriter {
  public connect(client: Connections, server: Connections, ports: readonly ConnectionPort[]): void {
    const networkPorts = ports.map((p) => ({ port: p.port, protocol: p.protocol }));
    if (client.endpoint.owner !== undefined) {
      for (const peer of peersOf(server.endpoint, client.endpoint.namespace)) networkPolicyOf(client.endpoint).allowTo(peer, networkPorts);
    }
    if (server.endpoint.owner === undefined) return;
    for (const peer of peersOf(client.endpoint, server.endpoint.namespace)) networkPolicyOf(server.endpoint).allowFrom(peer, networkPorts);
    const serviceAccount = client.endpoint.serviceAccount;
    // A client without a mesh identity (an address range) gets network rules only.
    if (!server.meshAuthorization || serviceAccount === undefined) return;
    const namespace = client.endpoint.namespace ?? server.endpoint.namespace;
    if (namespace === undefined) {
      throw validationError(server.endpoint.owner, [
        { prop: 'namespace', value: undefined, rule: 'must be set on the chart: the mesh names a client by namespace and service account' },
      ]);
    }
    const authorization = authorizationOf(server.endpoint);
    for (const p of ports) authorization.allowFrom(meshPrincipal(namespace, serviceAccount), p.port);
  }
}

useConnectionWriter(new PolicyConnectionWriter());

/** The NetworkPolicy peers of an endpoint, seen from a policy in `policyNamespace` (pods there need no namespace selector). */
function peersOf(endpoint: ConnectionEndpoint, policyNamespace: string | undefined): NetworkPeer[] {
  if (endpoint.cidrs !== undefined) return endpoint.cidrs.map((cidr) => NetworkPeer.cidr(cidr));
  const namespace = endpoint.namespace === policyNamespace ? undefined : endpoint.namespace;
  return [NetworkPeer.pods({ ...endpoint.podLabels }, namespace)];
}

function networkPolicyOf(endpoint: ConnectionEndpoint): AllowPolicy {
  const owner = ownerOf(endpoint);
  const existing = owner.node.tryFindChild(NETWORK_POLICY_ID);
  if (existing instanceof AllowPolicy) return existing;
  return new AllowPolicy(owner, NETWORK_POLICY_ID, { name: endpoint.name!, selector: { ...endpoint.podLabels } });
}

function authorizationOf(endpoint: ConnectionEndpoint): ServiceAuthorization {
  const owner = ownerOf(endpoint);
  const existing = owner.node.tryFindChild(AUTHORIZATION_ID);
  if (existing instanceof ServiceAuthorization) return existing;
  return new ServiceAuthorization(owner, AUTHORIZATION_ID, { name: endpoint.name!, selector: { ...endpoint.podLabels } });
}

function ownerOf(endpoint: ConnectionEndpoint): IConstruct {
  const owner = endpoint.owner!;
  if (endpoint.name === undefined || endpoint.podLabels === undefined) {
    throw validationError(owner, [
      { prop: 'connections', value: undefined, rule: "must name the owner's pods and policies (endpoint name and podLabels)" },
    ]);
  }
  return owner;
}

/**
 * A shared platform endpoint (PostgreSQL's pooler, Prometheus, …) in `namespace`, as a peer of
 * connections: its pods, its service account and its port. It belongs to another chart, so
 * only the other side gets rules.
 */
export function platformEndpointPeer(endpoint: PlatformEndpoint, namespace: string): IConnectable {
  return {
    connections: new Connections({
      podLabels: { ...endpoint.podLabels },
      namespace,
      serviceAccount: endpoint.serviceAccount,
      ports: [{ port: endpoint.port, protocol: endpoint.protocol }],
    }),
  };
}

/** A component of the cluster model (pods or addresses) as a peer of connections, with its ports. */
export function componentPeer(component: ResolvedComponent): IConnectable {
  return {
    connections: new Connections({
      podLabels: component.podLabels === undefined ? undefined : { ...component.podLabels },
      namespace: component.namespace,
      serviceAccount: component.serviceAccount,
      cidrs: component.cidrs,
      ports: component.ports.map((p) => ({ port: p.port, protocol: p.protocol })),
    }),
  };
}

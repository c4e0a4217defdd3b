import { Construct } from 'constructs';
import { pascalCase } from '../core';
import { ClusterModel, ResolvedComponent } from '../core';
import { AllowPolicy } from './allow-policy';
import { MeshExternalPort, meshPrincipal, ServiceAuthorization } from './mesh';
import { NetworkPeer } from './network-peer';

/** The policies of one component of the cluster model. */
export interface ComponentPolicy {
  readonly component: ResolvedComponent;
  readonly policy: AllowPolicy;
  /** With the mesh, and only when a flow from pods reaches the component. */
  readonly authorization?: ServiceAuthorization;
}

export interface ComponentPoliciesProps {
  /** The resolved model of the cluster. */
  readonly model: ClusterModel;
  /** The namespace whose components get policies (the scope's chart namespace). */
  readonly namespace: string;
  /** Whether to write the mesh's AuthorizationPolicies. @default true */
  readonly mesh?: boolean;
  /**
   * Whether the namespace's pods are enrolled in the mesh with STRICT mutual TLS: a component
   * that a caller known only by its addresses (the API server, outside the mesh) reaches then
   * gets a `MeshExternalPort` for that flow, the one way in without a mesh identity.
   * @default - the value of `mesh`
   */
  readonly strictMtls?: boolean;
}

/** The NetworkPolicy peers of a component: its pods, or one per address range. */
function componentPeers(component: ResolvedComponent): NetworkPeer[] {
  if (component.cidrs !== undefined) return component.cidrs.map((cidr) => NetworkPeer.cidr(cidr));
  return [NetworkPeer.pods({ ...component.podLabels }, component.namespace)];
}

/**
 * For every component of the model whose pods run in `namespace` and that takes part in a flow:
 * a NetworkPolicy named after it with exactly its flows (egress to each flow's server, ingress
 * from each flow's client, on the server's ports) and, with the mesh, an AuthorizationPolicy
 * admitting each client that is a pod by its service account. Callers add the connections that
 * come from the services' graph to the returned policies. Callers known only by their addresses
 * (the API server) are outside the mesh: the NetworkPolicy admits them, and in a STRICT namespace
 * a `MeshExternalPort` lets them through the mesh on that port and from those addresses only.
 */
export function componentPolicies(scope: Construct, props: ComponentPoliciesProps): Map<string, ComponentPolicy> {
  const { model, namespace } = props;
  const mesh = props.mesh ?? true;
  const result = new Map<string, ComponentPolicy>();
  const components = [...Object.values(model.components).filter((c) => c.id !== 'edge-gateway'), ...model.gateways].filter(
    (c) => c.namespace === namespace && c.podLabels !== undefined,
  );
  for (const component of components) {
    const egress = model.flows.filter((f) => f.from === component);
    const ingress = model.flows.filter((f) => f.to === component);
    if (egress.length + ingress.length === 0) continue;
    const id = pascalCase(component.name);
    const selector = { ...component.podLabels };
    const policy = new AllowPolicy(scope, `${id}NetworkPolicy`, { name: component.name, selector });
    for (const flow of egress)
      for (const peer of componentPeers(flow.to))
        policy.allowTo(
          peer,
          flow.ports.map((p) => ({ port: p.port, protocol: p.protocol })),
        );
    for (const flow of ingress)
      for (const peer of componentPeers(flow.from))
        policy.allowFrom(
          peer,
          flow.ports.map((p) => ({ port: p.port, protocol: p.protocol })),
        );
    const meshed = ingress.filter((f) => f.from.serviceAccount !== undefined && f.from.namespace !== undefined);
    let authorization: ServiceAuthorization | undefined;
    if (mesh && meshed.length > 0) {
      authorization = new ServiceAuthorization(scope, `${id}Authorization`, { name: component.name, selector });
      for (const flow of meshed)
        for (const p of flow.ports) authorization.allowFrom(meshPrincipal(flow.from.namespace!, flow.from.serviceAccount!), p.port);
    }
    if (mesh && (props.strictMtls ?? mesh)) {
      for (const flow of ingress.filter((f) => f.from.cidrs !== undefined && f.from.cidrs.length > 0)) {
        for (const p of flow.ports) {
          new MeshExternalPort(scope, `${id}From${pascalCase(flow.from.id)}${p.port}`, {
            name: `${component.name}-from-${flow.from.id}`,
            selector,
            port: p.port,
            sourceCidrs: flow.from.cidrs!,
          });
        }
      }
    }
    result.set(component.name, { component, policy, authorization });
  }
  return result;
}

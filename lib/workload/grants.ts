import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { validationError } from '../core';
import { ConnectionPort, Connections, IConnectable, InstalledWriter } from './connections';

/**
 * Objects of the Kubernetes API a workload may be granted verbs on: the "what" of a Role's rule.
 * `ApiResource.of(object)` refers to an object the app generates; `ApiResource.named(...)` to
 * objects outside the app, by name.
 */
export interface IApiResource {
  /** API groups; `''` is the core group. */
  readonly apiGroups: readonly string[];
  /** Resources (plural, lower case), with subresources as `pods/log`. */
  readonly resources: readonly string[];
  /** The objects' names. @default - every object of the resources */
  readonly resourceNames?: readonly string[];
  /**
   * The objects' namespace: a Role grants access in its own namespace only, so a grant on
   * objects elsewhere is refused.
   * @default - the grantee's namespace
   */
  readonly namespace?: string;
  /**
   * Whether reading Secrets through the API was asked for (the Role says so). Grants on
   * `secrets` are refused without it.
   * @default false
   */
  readonly allowSecretAccess?: boolean;
}

/** References to Kubernetes API objects for grants. */
export class ApiResource {
  /** One object the app generates (its group, its kind's resource, its name and its namespace). */
  public static of(object: ApiObject): IApiResource {
    // The group from apiVersion (`apps/v1` → apps; `v1`, the core group, → ''), not cdk8s's apiGroup, which names it 'core'.
    const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
    const namespace = object.metadata.namespace ?? Chart.of(object).namespace;
    return { apiGroups: [group], resources: [resourceOfKind(object.kind)], resourceNames: [object.name], namespace };
  }

  /** Objects outside the app (or a whole resource, without `resourceNames`), by name. */
  public static named(resource: IApiResource): IApiResource {
    return resource;
  }

  private constructor() {}
}

/**
 * The resource of a kind: lower case, plural (`ConfigMap` → `configmaps`, `NetworkPolicy` →
 * `networkpolicies`, `Ingress` → `ingresses`; `Endpoints` is already plural).
 */
export function resourceOfKind(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('ss')) return `${lower}es`;
  if (lower.endsWith('s')) return lower;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** A workload that can be granted API access: its service account, and its connections (for the API egress). */
export interface IGrantable extends IConnectable {
  /** The construct the Role and RoleBinding are written under. */
  readonly grantScope: Construct;
  /** The service account the Role is bound to. */
  readonly serviceAccountName: string;
}

/**
 * Writes a grant: the Role's rule, the RoleBinding and the API server egress. The RBAC layer
 * (lib/rbac/service-grants.ts) provides it: the workload layer must not import that layer.
 */
export interface GrantWriter {
  grant(grantee: IGrantable, resource: IApiResource, verbs: readonly string[]): void;
}

const grantWriter = new InstalledWriter<GrantWriter>(
  'Grants: no grant writer is installed; import lib/rbac/service-grants, which installs it',
);

/** Installs the writer of grants (called once by lib/rbac/service-grants.ts). */
export function useGrantWriter(writer: GrantWriter): void {
  grantWriter.install(writer);
}

/** Grants `verbs` on `resource` to `grantee` through the installed writer. */
export function writeGrant(grantee: IGrantable, resource: IApiResource, verbs: readonly string[]): void {
  grantWriter.get().grant(grantee, resource, verbs);
}

/** The verbs that only read. */
export const READ_VERBS: readonly string[] = ['get', 'list', 'watch'];

export interface KubernetesApiServerProps {
  /** The API server's addresses, as the pods reach them. */
  readonly cidrs: readonly string[];
  /** Its ports. */
  readonly ports: readonly ConnectionPort[];
}

/**
 * The cluster's Kubernetes API server, as a peer of connections (it is outside the app: it only
 * gets rules written towards it). Grants find the one of their chart, or of an enclosing scope,
 * to write the egress that makes them usable. Writes no object.
 */
export class KubernetesApiServer extends Construct implements IConnectable {
  /** The API server nearest `scope`: a child of `scope` or of one of its ancestors. */
  public static of(scope: IConstruct): KubernetesApiServer {
    for (let current: IConstruct | undefined = scope; current !== undefined; current = current.node.scope) {
      const found = current.node.children.find((c): c is KubernetesApiServer => c instanceof KubernetesApiServer);
      if (found !== undefined) return found;
    }
    throw validationError(scope, [
      {
        prop: 'grant',
        value: undefined,
        rule: 'needs the Kubernetes API server: there is no KubernetesApiServer in the chart or above it',
        fix: "add one (new KubernetesApiServer(chart, 'KubernetesApiServer', { cidrs, ports })) so that the grant's API egress can be written",
      },
    ]);
  }

  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: KubernetesApiServerProps) {
    super(scope, id);
    this.connections = new Connections({ cidrs: [...props.cidrs], ports: [...props.ports] });
  }
}

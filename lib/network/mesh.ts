import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction } from '../../imports/authorizationpolicy-security.istio.io';
import {
  PeerAuthentication,
  PeerAuthenticationSpecMtlsMode,
  PeerAuthenticationSpecPortLevelMtlsMode,
} from '../../imports/peerauthentication-security.istio.io';

/** The SPIFFE-style identity Istio gives a service account: `<trust domain>/ns/<ns>/sa/<sa>`. */
export function meshPrincipal(namespace: string, serviceAccount: string, trustDomain = 'cluster.local'): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

export interface MeshNamespaceDefaultsProps {
  /** The namespace. */
  readonly namespace: string;
  /** Labels of the objects. @default - none */
  readonly labels?: Record<string, string>;
  /**
   * Whether to require mutual TLS (PeerAuthentication STRICT). Only a namespace whose pods are
   * enrolled in the mesh's dataplane can honour it; a namespace whose only mesh workloads are
   * Istio gateways (to which a PeerAuthentication does not apply) sets it to false.
   * @default true
   */
  readonly strictMtls?: boolean;
}

/** Where the mesh's control plane (istiod) runs and listens for sidecars (xDS and certificates). */
export const ISTIOD = { namespace: 'istio-system', podLabels: { app: 'istiod' }, port: 15012 };

/**
 * A namespace's mesh baseline: mutual TLS required for every workload (PeerAuthentication
 * STRICT), an empty ALLOW AuthorizationPolicy, which denies every request that no other
 * ALLOW policy permits, and the one egress every sidecar needs under default-deny: istiod.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export class MeshNamespaceDefaults extends Construct {
  constructor(scope: Construct, id: string, props: MeshNamespaceDefaultsProps) {
    super(scope, id);
    if (props.strictMtls ?? true) {
      new PeerAuthentication(this, 'StrictMtls', {
        metadata: { name: `${props.namespace}-strict-mtls`, namespace: props.namespace, labels: props.labels },
        spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
      });
    }
    new AuthorizationPolicy(this, 'DenyByDefault', {
      metadata: { name: `${props.namespace}-deny-by-default`, namespace: props.namespace, labels: props.labels },
      // An ALLOW policy without rules matches nothing: the namespace denies by default.
      spec: {},
    });
    new k8s.KubeNetworkPolicy(this, 'AllowIstiod', {
      metadata: { name: `${props.namespace}-allow-istiod`, namespace: props.namespace, labels: props.labels },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ISTIOD.namespace } },
                podSelector: { matchLabels: ISTIOD.podLabels },
              },
            ],
            ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(ISTIOD.port) }],
          },
        ],
      },
    });
  }
}

export interface ServiceAuthorizationProps {
  /** Policy name. */
  readonly name: string;
  /** Labels of the pods the policy admits requests to. */
  readonly selector: Record<string, string>;
  /** Labels of the object. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * An ALLOW AuthorizationPolicy listing, per port, exactly the mesh identities (service
 * accounts) that may call the selected pods.
 */
export class ServiceAuthorization extends Construct {
  private readonly allowed = new Map<number, Set<string>>();
  private readonly openPorts = new Set<number>();

  constructor(scope: Construct, id: string, props: ServiceAuthorizationProps) {
    super(scope, id);
    new AuthorizationPolicy(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: Lazy.any({
        produce: () => ({
          selector: { matchLabels: props.selector },
          action: AuthorizationPolicySpecAction.ALLOW,
          rules: [
            ...[...this.openPorts].sort((a, b) => a - b).map((port) => ({ to: [{ operation: { ports: [String(port)] } }] })),
            ...[...this.allowed.keys()]
              .sort((a, b) => a - b)
              .map((port) => ({
                from: [{ source: { principals: sortPrincipals(this.allowed.get(port)!) } }],
                to: [{ operation: { ports: [String(port)] } }],
              })),
          ],
        }),
      }),
    });
    this.node.addValidation({
      validate: () =>
        this.allowed.size + this.openPorts.size === 0
          ? [`AuthorizationPolicy '${props.name}' allows nobody; remove it or add a caller`]
          : [],
    });
  }

  /** Lets the workload with mesh identity `principal` call the selected pods on `port`. */
  public allowFrom(principal: string, port: number): this {
    const principals = this.allowed.get(port) ?? new Set<string>();
    principals.add(principal);
    this.allowed.set(port, principals);
    return this;
  }

  /**
   * Admits any source on `port`: only for a public entry point (the edge gateway's listeners),
   * whose clients are outside the mesh. Say why at the call site.
   */
  public allowAnySource(port: number): this {
    this.openPorts.add(port);
    return this;
  }
}

/**
 * Principals by service account first, then namespace: the order then does not depend on how
 * a colour's namespace name sorts against the shared namespaces (blue and green stay identical).
 */
function sortPrincipals(principals: Set<string>): string[] {
  const key = (p: string) => `${p.slice(p.lastIndexOf('/sa/') + 4)} ${p}`;
  return [...principals].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface MeshExternalPortProps {
  /** Name of the PeerAuthentication and the AuthorizationPolicy. */
  readonly name: string;
  /** Labels that select the pods. */
  readonly selector: Record<string, string>;
  /** The pods' port (not a Service port) that clients outside the mesh connect to. */
  readonly port: number;
  /** The clients' addresses, as the pods see them (the client address must be kept, e.g. `externalTrafficPolicy: Local`). */
  readonly sourceCidrs: readonly string[];
  /** Labels of the objects. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * An explicit, narrow way into a STRICT namespace for clients outside the mesh (another
 * cluster): the selected pods accept plaintext-to-the-mesh connections on one port only
 * (PeerAuthentication `portLevelMtls` PERMISSIVE, which istiod turns into a ztunnel rule that
 * rejects unauthenticated traffic on every other port), and only from the given addresses
 * (AuthorizationPolicy ALLOW on `source.ipBlocks`). The port's own protocol must authenticate
 * and encrypt (e.g. TLS with client certificates); `NET-MESH-PEER-MTLS` flags the PERMISSIVE
 * port, so it needs a dated policy exception that says so.
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export class MeshExternalPort extends Construct {
  constructor(scope: Construct, id: string, props: MeshExternalPortProps) {
    super(scope, id);
    const metadata = { name: props.name, labels: props.labels };
    new PeerAuthentication(this, 'PeerAuthentication', {
      metadata,
      spec: {
        selector: { matchLabels: props.selector },
        // UNSET: every other port keeps the namespace's STRICT mode.
        mtls: { mode: PeerAuthenticationSpecMtlsMode.UNSET },
        portLevelMtls: { [String(props.port)]: { mode: PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE } },
      },
    });
    new AuthorizationPolicy(this, 'AuthorizationPolicy', {
      metadata,
      spec: {
        selector: { matchLabels: props.selector },
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [
          {
            from: [{ source: { ipBlocks: [...new Set(props.sourceCidrs)].sort() } }],
            to: [{ operation: { ports: [String(props.port)] } }],
          },
        ],
      },
    });
  }
}

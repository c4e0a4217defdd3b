import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
} from '../../imports/gateway-gateway.networking.k8s.io';
import {
  HttpRoute,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproute-gateway.networking.k8s.io';

/** The listener that only redirects to HTTPS (and answers ACME HTTP-01 challenges). */
export const HTTP_LISTENER = 'http';

/** The HTTPS listener name for a host: `https-` plus the host with dots as dashes. */
export function httpsListenerName(host: string): string {
  return `https-${host.replace(/\./g, '-')}`;
}

export interface EdgeGatewayProps {
  /** Gateway name. */
  readonly name: string;
  /** The GatewayClass (the implementation), e.g. `istio`. */
  readonly gatewayClassName: string;
  /** Labels of the objects. @default - none */
  readonly labels?: Record<string, string>;
  /** Annotations of the Gateway (e.g. for DNS automation). @default - none */
  readonly annotations?: Record<string, string>;
  /**
   * Makes the gateway pods that the implementation generates pass the Pod Security Standards
   * (restricted) of their namespace: a ConfigMap `<name>-deployment` whose `deployment` key is
   * an overlay setting the pods' seccomp profile to `RuntimeDefault`, referred to by the
   * Gateway's `spec.infrastructure.parametersRef`. This is Istio's format for customizing the
   * Deployment it generates for a Gateway (Istio 1.24 or later); Istio sets no seccomp profile
   * otherwise, and a namespace enforcing PSS restricted rejects the pods. Other implementations
   * take other parameter kinds and reject a Gateway whose parameters they cannot read.
   * @default - true for the `istio` GatewayClass, false for any other
   */
  readonly restrictedPods?: boolean;
}

/** The GatewayClass Istio installs for Gateway API Gateways. */
export const ISTIO_GATEWAY_CLASS = 'istio';

/**
 * The overlay Istio merges into the Deployment it generates for a Gateway (the `deployment` key
 * of the ConfigMap in `spec.infrastructure.parametersRef`): PSS restricted wants a seccomp
 * profile, which Istio's gateway template leaves unset. Its containers already run as non-root
 * without privilege escalation or capabilities.
 */
export const RESTRICTED_GATEWAY_DEPLOYMENT_OVERLAY = [
  'spec:',
  '  template:',
  '    spec:',
  '      securityContext:',
  '        seccompProfile:',
  '          type: RuntimeDefault',
  '',
].join('\n');

/**
 * A Gateway API Gateway: one HTTPS listener per public host (TLS terminated with that host's
 * certificate) and one plain HTTP listener whose only route redirects to HTTPS. Routes may
 * attach only from the gateway's own namespace.
 *
 * @see https://gateway-api.sigs.k8s.io/api-types/gateway/
 */
export class EdgeGateway extends Construct {
  public readonly name: string;
  /** The ConfigMap of the gateway Deployment's overlay, when `restrictedPods` is on. */
  public readonly parametersName?: string;
  private readonly hosts = new Map<string, string>();

  constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    this.name = props.name;
    const sameNamespace = { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } };
    if (props.restrictedPods ?? props.gatewayClassName === ISTIO_GATEWAY_CLASS) {
      this.parametersName = `${props.name}-deployment`;
      new k8s.KubeConfigMap(this, 'Parameters', {
        metadata: { name: this.parametersName, labels: props.labels },
        data: { deployment: RESTRICTED_GATEWAY_DEPLOYMENT_OVERLAY },
      });
    }
    new Gateway(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels, annotations: props.annotations },
      spec: {
        gatewayClassName: props.gatewayClassName,
        infrastructure:
          this.parametersName === undefined ? undefined : { parametersRef: { group: '', kind: 'ConfigMap', name: this.parametersName } },
        listeners: Lazy.any({
          produce: () => [
            { name: HTTP_LISTENER, port: 80, protocol: 'HTTP', allowedRoutes: sameNamespace },
            ...[...this.hosts.keys()].sort().map((host) => ({
              name: httpsListenerName(host),
              hostname: host,
              port: 443,
              protocol: 'HTTPS',
              tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ kind: 'Secret', name: this.hosts.get(host)! }] },
              allowedRoutes: sameNamespace,
            })),
          ],
        }),
      },
    });
    new HttpRoute(this, 'HttpsRedirect', {
      metadata: { name: `${props.name}-https-redirect`, labels: props.labels },
      spec: {
        parentRefs: [{ name: props.name, sectionName: HTTP_LISTENER }],
        rules: [
          {
            filters: [
              {
                type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                requestRedirect: {
                  scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                  statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
                },
              },
            ],
          },
        ],
      },
    });
  }

  /** Serves `host` over HTTPS with the certificate in Secret `certificateSecretName`. */
  public addHost(host: string, certificateSecretName: string): void {
    this.hosts.set(host, certificateSecretName);
  }

  /** The listener ports, for network policies: HTTP and (with any host) HTTPS. */
  public get ports(): number[] {
    return this.hosts.size > 0 ? [80, 443] : [80];
  }
}

export interface PublicRouteProps {
  /** HTTPRoute name. */
  readonly name: string;
  /** The gateway to attach to (same namespace). */
  readonly gatewayName: string;
  /** The public host name. */
  readonly host: string;
  /** Path prefix. @default '/' */
  readonly pathPrefix?: string;
  /** The backend Service, in another namespace (which must grant it with a BackendGrant). */
  readonly backend: { readonly name: string; readonly namespace: string; readonly port: number };
  /** Labels of the object. @default - none */
  readonly labels?: Record<string, string>;
}

/** An HTTPRoute on a host's HTTPS listener, sending a path prefix to one backend Service. */
export class PublicRoute extends Construct {
  constructor(scope: Construct, id: string, props: PublicRouteProps) {
    super(scope, id);
    new HttpRoute(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels },
      spec: {
        parentRefs: [{ name: props.gatewayName, sectionName: httpsListenerName(props.host) }],
        hostnames: [props.host],
        rules: [
          {
            matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: props.pathPrefix ?? '/' } }],
            backendRefs: [{ name: props.backend.name, namespace: props.backend.namespace, port: props.backend.port }],
          },
        ],
      },
    });
  }
}

export interface BackendGrantProps {
  /** ReferenceGrant name. */
  readonly name: string;
  /** The namespace whose HTTPRoutes may reference Services here. */
  readonly routeNamespace: string;
  /** The Services they may reference (one grant entry each). */
  readonly serviceNames: string[];
  /** Labels of the object. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A ReferenceGrant in a backend namespace that lets the edge's HTTPRoutes send traffic to the
 * named Services only (a cross-namespace backendRef is refused without it).
 *
 * @see https://gateway-api.sigs.k8s.io/api-types/referencegrant/
 */
export class BackendGrant extends Construct {
  constructor(scope: Construct, id: string, props: BackendGrantProps) {
    super(scope, id);
    // ReferenceGrant is in the Gateway API's standard channel, but its CRD file is not among
    // the imported ones, so it is written as a plain ApiObject.
    new ApiObject(this, 'Resource', {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: props.name, labels: props.labels },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: props.routeNamespace }],
        to: [...props.serviceNames].sort().map((name) => ({ group: '', kind: 'Service', name })),
      },
    });
  }
}

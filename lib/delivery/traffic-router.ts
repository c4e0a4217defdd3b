import { Construct } from 'constructs';
import { Color, otherColor } from '../core';
import { PublicRoute } from '../network';

export interface BlueGreenRoutesProps {
  /** The Gateway (same namespace) whose HTTPS listeners carry both hosts. */
  readonly gatewayName: string;
  /** The backend Service, present in both colour namespaces. */
  readonly service: { readonly name: string; readonly port: number };
  /** The public host; live traffic. */
  readonly host: string;
  /** The preview host; the standby colour, for smoke tests before a switch. */
  readonly previewHost: string;
  /** Path prefix on both hosts. @default '/' */
  readonly pathPrefix?: string;
  /** Namespace of each colour's set. */
  readonly namespaces: Readonly<Record<Color, string>>;
  /** The colour that serves live traffic. */
  readonly activeColor: Color;
}

/**
 * The traffic switch of the namespace-per-color topology: the live HTTPRoute (`<service>`)
 * sends the public host to the active colour, the preview HTTPRoute (`<service>-preview`) sends
 * the preview host to the standby colour. A switch changes only these two objects' backends.
 */
export class BlueGreenRoutes extends Construct {
  constructor(scope: Construct, id: string, props: BlueGreenRoutesProps) {
    super(scope, id);
    const standby = otherColor(props.activeColor);
    new PublicRoute(this, 'Live', {
      name: props.service.name,
      gatewayName: props.gatewayName,
      host: props.host,
      pathPrefix: props.pathPrefix,
      backend: { ...props.service, namespace: props.namespaces[props.activeColor] },
    });
    new PublicRoute(this, 'Preview', {
      name: `${props.service.name}-preview`,
      gatewayName: props.gatewayName,
      host: props.previewHost,
      pathPrefix: props.pathPrefix,
      backend: { ...props.service, namespace: props.namespaces[standby] },
    });
  }
}

/** The external-dns annotations of a weighted DNS record set member. */
export const DNS_SET_IDENTIFIER = 'external-dns.alpha.kubernetes.io/set-identifier';
export const DNS_WEIGHT = 'external-dns.alpha.kubernetes.io/aws-weight';

/**
 * The traffic switch of the cluster-per-color topology, as external-dns annotations on a
 * colour cluster's Gateway: the hosts it serves get weighted DNS records (identifier
 * `<region>-<colour>`), weight 100 where this cluster should get the traffic and 0 where not.
 *
 * @see https://kubernetes-sigs.github.io/external-dns/latest/docs/annotations/annotations/
 */
export function weightedDnsAnnotations(region: string, color: Color, receivesTraffic: boolean): Record<string, string> {
  return { [DNS_SET_IDENTIFIER]: `${region}-${color}`, [DNS_WEIGHT]: receivesTraffic ? '100' : '0' };
}

import { Construct } from 'constructs';
import {
  AllowPolicy, COLORS, EdgeGateway, gatewayPodLabels, HostCertificate, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY,
  NetworkPeer, PlacedChart, PlatformSpec, PublicRoute, ReleaseState, selectorLabels, ServiceAuthorization, pascalCase,
} from '../lib';
import { issuerName } from './platform-chart';

export interface EdgeChartProps {
  readonly spec: PlatformSpec;
  readonly release: ReleaseState;
  readonly region: string;
}

/**
 * The `edge` component of a region: the Gateway with an HTTPS listener per public host, a
 * certificate per host, the routes to the active colour, and the gateway's network and mesh
 * rules.
 */
export class EdgeChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: EdgeChartProps) {
    const { spec } = props;
    const labels = { [LABEL_PART_OF]: spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    super(scope, id, { region: props.region, component: 'edge', namespace: spec.namespaces.edge, labels });

    const gateway = new EdgeGateway(this, 'Gateway', { name: spec.edge.gatewayName, gatewayClassName: spec.edge.gatewayClassName });
    const publicServices = spec.services.filter((s) => s.public);
    const certificates = new Map<string, HostCertificate>();
    for (const service of publicServices) {
      const host = service.public!.host;
      if (!certificates.has(host)) {
        const certificate = new HostCertificate(this, pascalCase(host), {
          name: host.replace(/\./g, '-'),
          host,
          issuerName: issuerName(spec),
          durationHours: spec.tls.durationHours,
          renewBeforeHours: spec.tls.renewBeforeHours,
        });
        certificates.set(host, certificate);
        gateway.addHost(host, certificate.secretName);
      }
      const activeColor = props.release.regions[props.region].activeColor;
      new PublicRoute(this, `${pascalCase(service.name)}Route`, {
        name: service.name,
        gatewayName: gateway.name,
        host,
        pathPrefix: service.public!.path,
        backend: { name: service.name, namespace: spec.namespaces[activeColor], port: service.port },
      });
    }

    const policy = new AllowPolicy(this, 'GatewayNetworkPolicy', { name: gateway.name, selector: gatewayPodLabels(gateway.name) });
    // The gateway is the platform's one public entry point: its listeners accept any address.
    policy.allowFrom(NetworkPeer.internet(), gateway.ports.map((port) => ({ port })));
    for (const service of publicServices) {
      for (const color of COLORS) {
        policy.allowTo(NetworkPeer.pods(selectorLabels({ name: service.name, color }), spec.namespaces[color]), [{ port: service.port }]);
      }
    }
    if (spec.mesh.enabled) {
      const authorization = new ServiceAuthorization(this, 'GatewayAuthorization', { name: gateway.name, selector: gatewayPodLabels(gateway.name) });
      // Clients on the internet are outside the mesh; the listeners admit them.
      for (const port of gateway.ports) authorization.allowAnySource(port);
    }
  }
}

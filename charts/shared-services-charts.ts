import { Construct } from 'constructs';
import {
  AllowPolicy, ClusterPlacement, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY, meshPrincipal, NetworkPeer, PlacedChart,
  PlatformEndpoint, PlatformSpec, POSTGRES, PROMETHEUS, REDIS, selectorLabels, ServiceAuthorization, ServiceSpec, TRACE_COLLECTOR,
} from '../lib';

export interface SharedServicesChartProps {
  readonly spec: PlatformSpec;
  readonly placement: ClusterPlacement;
}

/**
 * The `data` component of a region: which services may reach PostgreSQL and Redis, exactly as
 * the services declare it (every colour in the cluster).
 */
export class DataChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec, placement } = props;
    super(scope, id, { region: placement.region.name, component: placement.componentOf('data'), namespace: spec.namespaces.data, labels: chartLabels(spec) });
    admitClients(this, 'Postgres', props, POSTGRES, spec.services.filter((s) => s.dependsOn.postgres));
    admitClients(this, 'Redis', props, REDIS, spec.services.filter((s) => s.dependsOn.redis));
  }
}

/**
 * The `monitoring` component of a region: Prometheus may scrape every service's metrics port,
 * and every service may send traces to the collector (every colour in the cluster).
 */
export class MonitoringChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec, placement } = props;
    super(scope, id, { region: placement.region.name, component: placement.componentOf('monitoring'), namespace: spec.namespaces.monitoring, labels: chartLabels(spec) });
    const scrape = new AllowPolicy(this, 'PrometheusNetworkPolicy', { name: PROMETHEUS.name, selector: { ...PROMETHEUS.podLabels } });
    for (const color of placement.colors) {
      for (const service of spec.services) {
        scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: service.name, color }), spec.namespaces[color]), [{ port: service.metricsPort }]);
      }
    }
    admitClients(this, 'TraceCollector', props, TRACE_COLLECTOR, spec.services);
  }
}

/** Lets `clients` (in the cluster's colours) reach `endpoint`: a NetworkPolicy and, with the mesh, an AuthorizationPolicy. */
function admitClients(scope: Construct, id: string, props: SharedServicesChartProps, endpoint: PlatformEndpoint, clients: ServiceSpec[]): void {
  const { spec, placement } = props;
  if (clients.length === 0) return;
  const selector = { ...endpoint.podLabels };
  const policy = new AllowPolicy(scope, `${id}NetworkPolicy`, { name: endpoint.name, selector });
  const authorization = spec.mesh.enabled ? new ServiceAuthorization(scope, `${id}Authorization`, { name: endpoint.name, selector }) : undefined;
  for (const color of placement.colors) {
    for (const client of clients) {
      policy.allowFrom(NetworkPeer.pods(selectorLabels({ name: client.name, color }), spec.namespaces[color]), [{ port: endpoint.port, protocol: endpoint.protocol }]);
      authorization?.allowFrom(meshPrincipal(spec.namespaces[color], client.name), endpoint.port);
    }
  }
}

function chartLabels(spec: PlatformSpec): Record<string, string> {
  return { [LABEL_PART_OF]: spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
}

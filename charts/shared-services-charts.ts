import { Construct } from 'constructs';
import {
  AllowPolicy, COLORS, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY, meshPrincipal, NetworkPeer, PlacedChart,
  PlatformEndpoint, PlatformSpec, POSTGRES, PROMETHEUS, REDIS, selectorLabels, ServiceAuthorization, ServiceSpec, TRACE_COLLECTOR,
} from '../lib';

export interface SharedServicesChartProps {
  readonly spec: PlatformSpec;
  readonly region: string;
}

/**
 * The `data` component of a region: which services may reach PostgreSQL and Redis, exactly as
 * the services declare it (both colours).
 */
export class DataChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec } = props;
    super(scope, id, { region: props.region, component: 'data', namespace: spec.namespaces.data, labels: chartLabels(spec) });
    admitClients(this, 'Postgres', spec, POSTGRES, spec.services.filter((s) => s.dependsOn.postgres));
    admitClients(this, 'Redis', spec, REDIS, spec.services.filter((s) => s.dependsOn.redis));
  }
}

/**
 * The `monitoring` component of a region: Prometheus may scrape every service's metrics port,
 * and every service may send traces to the collector (both colours).
 */
export class MonitoringChart extends PlacedChart {
  constructor(scope: Construct, id: string, props: SharedServicesChartProps) {
    const { spec } = props;
    super(scope, id, { region: props.region, component: 'monitoring', namespace: spec.namespaces.monitoring, labels: chartLabels(spec) });
    const scrape = new AllowPolicy(this, 'PrometheusNetworkPolicy', { name: PROMETHEUS.name, selector: { ...PROMETHEUS.podLabels } });
    for (const color of COLORS) {
      for (const service of spec.services) {
        scrape.allowTo(NetworkPeer.pods(selectorLabels({ name: service.name, color }), spec.namespaces[color]), [{ port: service.metricsPort }]);
      }
    }
    admitClients(this, 'TraceCollector', spec, TRACE_COLLECTOR, spec.services);
  }
}

/** Lets `clients` (in both colours) reach `endpoint`: a NetworkPolicy and, with the mesh, an AuthorizationPolicy. */
function admitClients(scope: Construct, id: string, spec: PlatformSpec, endpoint: PlatformEndpoint, clients: ServiceSpec[]): void {
  if (clients.length === 0) return;
  const selector = { ...endpoint.podLabels };
  const policy = new AllowPolicy(scope, `${id}NetworkPolicy`, { name: endpoint.name, selector });
  const authorization = spec.mesh.enabled ? new ServiceAuthorization(scope, `${id}Authorization`, { name: endpoint.name, selector }) : undefined;
  for (const color of COLORS) {
    for (const client of clients) {
      policy.allowFrom(NetworkPeer.pods(selectorLabels({ name: client.name, color }), spec.namespaces[color]), [{ port: endpoint.port, protocol: endpoint.protocol }]);
      authorization?.allowFrom(meshPrincipal(spec.namespaces[color], client.name), endpoint.port);
    }
  }
}

function chartLabels(spec: PlatformSpec): Record<string, string> {
  return { [LABEL_PART_OF]: spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
}

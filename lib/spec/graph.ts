import { Color, COLORS, PlatformEndpoint, POSTGRES, PROMETHEUS, REDIS, TRACE_COLLECTOR } from '../core';
import { PlatformSpec } from './validate';

/** One allowed connection of the declared graph: workload ids are `<namespace>/<name>`. */
export interface DeclaredConnection {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
}

/** The namespace of a shared platform endpoint. */
export function endpointNamespace(spec: PlatformSpec, endpoint: PlatformEndpoint): string {
  return spec.namespaces[endpoint.namespaceRole];
}

/**
 * Every connection the spec declares among the workloads of one cluster that runs `colors`:
 * service to service (same colour only), service to postgres/redis, the edge gateways to
 * public services, Prometheus to metrics ports and services to the trace collector. This is
 * what the NetworkPolicies must allow, and nothing more; tests and `alp verify` compare it with
 * the policies' evaluation.
 */
export function declaredConnections(spec: PlatformSpec, colors: readonly Color[] = COLORS, gatewayNames: readonly string[] = [spec.edge.gatewayName]): DeclaredConnection[] {
  const connections: DeclaredConnection[] = [];
  const add = (from: string, to: string, port: number) => connections.push({ from, to, port, protocol: 'TCP' });
  const endpointId = (e: PlatformEndpoint) => `${endpointNamespace(spec, e)}/${e.name}`;
  const byName = new Map(spec.services.map((s) => [s.name, s]));
  for (const color of colors) {
    const ns = spec.namespaces[color];
    for (const service of spec.services) {
      const id = `${ns}/${service.name}`;
      for (const dependency of service.dependsOn.services) add(id, `${ns}/${dependency}`, byName.get(dependency)!.port);
      if (service.dependsOn.postgres) add(id, endpointId(POSTGRES), POSTGRES.port);
      if (service.dependsOn.redis) add(id, endpointId(REDIS), REDIS.port);
      add(id, endpointId(TRACE_COLLECTOR), TRACE_COLLECTOR.port);
      add(endpointId(PROMETHEUS), id, service.metricsPort);
      if (service.public) for (const gateway of gatewayNames) add(`${spec.namespaces.edge}/${gateway}`, id, service.port);
    }
  }
  return connections.sort(compareConnections);
}

/** Orders connections by from, to, protocol and port. */
export function compareConnections(a: DeclaredConnection, b: DeclaredConnection): number {
  return a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.protocol.localeCompare(b.protocol) || a.port - b.port;
}

import { platformApp, platformChecks } from '../../charts';
import { declaredConnections, endpointWorkloads, evaluateReachability, synthesize, workloadsFromManifests } from '../../lib';
import { join } from 'node:path';
import { platformModel, REPO_ROOT } from '../helpers/manifests';

const RELEASE = join(REPO_ROOT, 'release.yaml');

describe('platform reachability |', () => {
  const model = platformModel();
  const output = synthesize(platformApp, { releaseFile: RELEASE });

  function evaluate(region: string) {
    const manifests = output.objects.filter((o) => o.region === region).map((o) => o.manifest);
    const workloads = workloadsFromManifests(manifests);
    return { workloads, result: evaluateReachability(manifests, endpointWorkloads(model.spec, workloads)) };
  }

  test.each(['primary', 'dr'])('in %s, the evaluated NetworkPolicies allow exactly the declared graph, in both colours', (region) => {
    // WHEN
    const { result } = evaluate(region);
    // THEN
    const key = (c: { from: string; to: string; port: number; protocol: string }) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`;
    expect(result.connections.map(key)).toEqual(declaredConnections(model.spec).map(key));
  });

  test('covers services, data stores, monitoring and the edge', () => {
    const { workloads } = evaluate('primary');
    expect(workloads.map((w) => w.id)).toContain('alp-edge/alp-gateway');
    const ids = [...workloads, ...endpointWorkloads(model.spec, workloads)].map((w) => w.id).sort();
    // 7 services per colour, the gateway, the trace collector and log shipper built here; the data
    // layer's PostgreSQL instances, pooler, Redis, 3 retention jobs, erasure job and restore drill
    // (from the manifests, no longer declared); and 4 declared endpoints (Prometheus, Alertmanager,
    // the blackbox exporter, Jaeger's collector).
    expect(ids.length).toBe(7 * 2 + 1 + 2 + 8 + 4);
    expect(workloads.map((w) => w.id)).toEqual(expect.arrayContaining([
      'alp-data/gdpr-erasure', 'alp-data/postgres', 'alp-data/postgres-pooler-rw', 'alp-data/redis', 'alp-data/restore-drill', 'alp-data/retention-learner-activity',
    ]));
    expect(ids).toEqual(expect.arrayContaining([
      'alp-data/postgres-pooler-rw', 'alp-data/redis', 'alp-logging/fluent-bit', 'alp-monitoring/alertmanager', 'alp-monitoring/blackbox-exporter',
      'alp-monitoring/otel-collector', 'alp-monitoring/prometheus', 'jaeger/jaeger-collector',
    ]));
  });

  test('a service that is not a declared caller cannot reach another service, in either colour', () => {
    const { result } = evaluate('primary');
    const reaches = (from: string, to: string) => result.connections.some((c) => c.from === from && c.to === to);
    // content-service calls nobody; the gateway calls user-service; colours never mix.
    expect(reaches('alp-blue/content-service', 'alp-blue/user-service')).toBe(false);
    expect(reaches('alp-blue/api-gateway', 'alp-blue/user-service')).toBe(true);
    expect(reaches('alp-blue/api-gateway', 'alp-green/user-service')).toBe(false);
    expect(reaches('alp-green/notification-service', 'alp-data/postgres-pooler-rw')).toBe(false);
    expect(reaches('alp-green/user-service', 'alp-data/postgres-pooler-rw')).toBe(true);
  });

  test('egress leaves the cluster only to declared CIDRs and ports; of the platform\'s workloads only the gateway is open to the internet', () => {
    const { result } = evaluate('primary');
    expect(result.externalEgress.map((e) => `${e.from} ${e.cidr} ${e.ports.join(',')}`)).toEqual([
      'alp-blue/notification-service 192.0.2.0/24 TCP/443',
      'alp-blue/notification-service 203.0.113.0/24 TCP/587',
      'alp-blue/user-service 198.51.100.10/32 TCP/443',
      // The data layer: CloudNativePG's instances and PgBouncer watch the API server, the
      // instances archive to the object store, the restore drill drives Velero through the API.
      'alp-data/postgres 10.0.0.0/28 TCP/443,TCP/6443',
      'alp-data/postgres 10.0.16.0/24 TCP/443',
      'alp-data/postgres-pooler-rw 10.0.0.0/28 TCP/443,TCP/6443',
      'alp-data/restore-drill 10.0.0.0/28 TCP/443,TCP/6443',
      'alp-green/notification-service 192.0.2.0/24 TCP/443',
      'alp-green/notification-service 203.0.113.0/24 TCP/587',
      'alp-green/user-service 198.51.100.10/32 TCP/443',
      'alp-logging/fluent-bit 10.20.0.0/24 TCP/9200',
      'alp-monitoring/alertmanager 203.0.113.128/25 TCP/443',
      'alp-monitoring/blackbox-exporter 198.51.100.20/32 TCP/443',
      // Jaeger's namespace is not the platform's: no policy of this project restricts its collector.
      'jaeger/jaeger-collector 0.0.0.0/0 any',
      'jaeger/jaeger-collector ::/0 any',
    ]);
    expect(result.externalIngress.map((e) => `${e.to} ${e.cidr} ${e.ports.join(',')}`)).toEqual([
      // The DR region's Redis replicates from the primary's.
      'alp-data/redis 10.2.0.0/16 TCP/6379',
      'alp-edge/alp-gateway 0.0.0.0/0 TCP/80,TCP/443',
      // Jaeger's collector is governed by its own installation, not by this project's policies.
      'jaeger/jaeger-collector 0.0.0.0/0 TCP/4317',
      'jaeger/jaeger-collector ::/0 TCP/4317',
    ]);
  });

  test('the comparison catches a missing policy: without user-service\'s policy its callers are cut off', () => {
    // GIVEN the primary region without the blue user-service NetworkPolicy
    const manifests = output.objects
      .filter((o) => o.region === 'primary' && o.path !== 'manifests/primary/blue/networkpolicy-user-service.yaml')
      .map((o) => o.manifest);
    // WHEN
    const result = evaluateReachability(manifests, endpointWorkloads(model.spec, workloadsFromManifests(manifests)));
    // THEN every declared connection to or from blue user-service is missing, and nothing else
    const key = (c: { from: string; to: string; port: number }) => `${c.from} -> ${c.to} ${c.port}`;
    const missing = declaredConnections(model.spec).map(key).filter((k) => !result.connections.map(key).includes(k));
    expect(missing).toEqual([
      'alp-blue/api-gateway -> alp-blue/user-service 8080',
      'alp-blue/user-service -> alp-blue/notification-service 8080',
      'alp-blue/user-service -> alp-data/postgres-pooler-rw 5432',
      'alp-blue/user-service -> alp-data/redis 6379',
      'alp-blue/user-service -> alp-monitoring/otel-collector 4317',
      'alp-monitoring/prometheus -> alp-blue/user-service 9090',
    ]);
  });

  test('the synth-time check reports a policy that blocks declared traffic, naming the cluster and the connection', () => {
    // GIVEN the output without the dr green content-service policy
    const objects = output.objects.filter((o) => o.path !== 'manifests/dr/green/networkpolicy-content-service.yaml');
    // THEN
    expect(platformChecks(objects, model)).toEqual([
      'cluster alp-dr: the NetworkPolicies block alp-green/api-gateway -> alp-green/content-service 8080/TCP, which the spec declares',
      'cluster alp-dr: the NetworkPolicies block alp-green/assessment-service -> alp-green/content-service 8080/TCP, which the spec declares',
      'cluster alp-dr: the NetworkPolicies block alp-green/content-service -> alp-data/postgres-pooler-rw 5432/TCP, which the spec declares',
      'cluster alp-dr: the NetworkPolicies block alp-green/content-service -> alp-data/redis 6379/TCP, which the spec declares',
      'cluster alp-dr: the NetworkPolicies block alp-green/content-service -> alp-monitoring/otel-collector 4317/TCP, which the spec declares',
      'cluster alp-dr: the NetworkPolicies block alp-green/learning-engine -> alp-green/content-service 8080/TCP, which the spec declares',
      'cluster alp-dr: the NetworkPolicies block alp-monitoring/prometheus -> alp-green/content-service 9090/TCP, which the spec declares',
    ]);
    expect(platformChecks(output.objects, model)).toEqual([]);
  });
});

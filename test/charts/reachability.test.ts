import { governedConnection, platformApp, platformChecks } from '../../charts';
import { AMBIENT, evaluateReachability, workloadsFromManifests } from '../../lib';
import { join } from 'node:path';
import { platformModel, REPO_ROOT } from '../helpers/manifests';
import { addressFlows, clusterModel, declaredConnections, endpointWorkloads, synthesize } from '../../platform';

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
    // Among the connections with an end in a namespace the platform governs.
    const checked = governedConnection(model.spec);
    const key = (c: { from: string; to: string; port: number; protocol: string }) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`;
    expect(result.connections.filter(checked).map(key)).toEqual(declaredConnections(model.spec).filter(checked).map(key));
  });

  test('covers services, data stores, monitoring and the edge', () => {
    const { workloads } = evaluate('primary');
    expect(workloads.map((w) => w.id)).toContain('alp-edge/alp-gateway');
    const ids = [...workloads, ...endpointWorkloads(model.spec, workloads)].map((w) => w.id).sort();
    // The spec's services in each colour, the gateway, the trace collector and log shipper built here; the data
    // layer's PostgreSQL instances, pooler, Redis, 3 retention jobs, erasure job and restore drill
    // (from the manifests); and the cluster model's components that take part in a flow and run
    // as pods elsewhere (Prometheus, Alertmanager, Grafana, the metrics adapter,
    // kube-state-metrics, the blackbox exporter, cert-manager and its solver, Velero, Argo Rollouts, Jaeger).
    const modelled = new Set(
      clusterModel(model.spec)
        .flows.flatMap((f) => [f.from.workloadId, f.to.workloadId])
        .filter((id) => id !== undefined),
    );
    const built = workloads.filter((w) => modelled.has(w.id)).length;
    expect(ids.length).toBe(model.spec.services.length * 2 + 1 + 2 + 8 + modelled.size - built);
    expect(modelled.size - built).toBe(11);
    expect(workloads.map((w) => w.id)).toEqual(
      expect.arrayContaining([
        'alp-data/gdpr-erasure',
        'alp-data/postgres',
        'alp-data/postgres-pooler-rw',
        'alp-data/redis',
        'alp-data/restore-drill',
        'alp-data/retention-learner-activity',
      ]),
    );
    expect(ids).toEqual(
      expect.arrayContaining([
        'alp-data/postgres-pooler-rw',
        'alp-data/redis',
        'alp-logging/fluent-bit',
        'alp-monitoring/alertmanager',
        'alp-monitoring/blackbox-exporter',
        'alp-monitoring/otel-collector',
        'alp-monitoring/prometheus',
        'jaeger/jaeger-collector',
      ]),
    );
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

  test("egress leaves the cluster only to declared CIDRs and ports; of the platform's workloads only the gateway is open to the internet", () => {
    const { result } = evaluate('primary');
    // The cluster model's flows to addresses: Prometheus, Grafana, the metrics adapter,
    // kube-state-metrics and learning-engine's API grant to the API server, Prometheus to the kubelets.
    const modelled = new Map<string, string[]>();
    for (const f of addressFlows(model.spec))
      modelled.set(`${f.from} ${f.cidr}`, [...(modelled.get(`${f.from} ${f.cidr}`) ?? []), `${f.protocol}/${f.port}`]);
    const anywhere = (id: string) => [`${id} 0.0.0.0/0 any`, `${id} ::/0 any`];
    const ungoverned = ['cert-manager/cert-manager', 'velero/velero', 'argo-rollouts/argo-rollouts'].flatMap(anywhere);
    // Each service's declared egress (its external hosts' CIDRs and ports), in both colours.
    const declaredEgress = (['blue', 'green'] as const).flatMap((color) =>
      model.spec.services.flatMap((service) =>
        service.egress.flatMap((e) =>
          e.cidrs.map(
            (cidr) => `${model.spec.namespaces[color]}/${service.name} ${cidr} ${e.ports.map((port) => `TCP/${port}`).join(',')}`,
          ),
        ),
      ),
    );
    expect(declaredEgress.length).toBeGreaterThan(0);
    const expected = [
      ...declaredEgress,
      // The data layer: CloudNativePG's instances and PgBouncer watch the API server, the
      // instances archive to the object store, the restore drill drives Velero through the API.
      'alp-data/postgres 10.0.0.0/28 TCP/443,TCP/6443',
      'alp-data/postgres 10.0.16.0/24 TCP/443',
      'alp-data/postgres-pooler-rw 10.0.0.0/28 TCP/443,TCP/6443',
      'alp-data/restore-drill 10.0.0.0/28 TCP/443,TCP/6443',
      'alp-logging/fluent-bit 10.20.0.0/24 TCP/9200',
      'alp-monitoring/alertmanager 203.0.113.128/25 TCP/443',
      'alp-monitoring/blackbox-exporter 198.51.100.20/32 TCP/443',
      // Jaeger's namespace is not the platform's: no policy of this project restricts its collector.
      'jaeger/jaeger-collector 0.0.0.0/0 any',
      'jaeger/jaeger-collector ::/0 any',
      // So are cert-manager's, Velero's and Argo Rollouts', which Prometheus scrapes.
      ...ungoverned,
      ...[...modelled].map(([key, ports]) => `${key} ${[...new Set(ports)].sort().join(',')}`),
    ].sort();
    expect(result.externalEgress.map((e) => `${e.from} ${e.cidr} ${e.ports.join(',')}`)).toEqual(expected);
    expect(modelled.has(`alp-monitoring/prometheus ${model.spec.cluster.nodeCidrs[0]}`)).toBe(true);
    // The kubelet's probes reach every workload of the mesh's enrolled namespaces from the
    // dataplane's one link-local probe source (not the internet), on its ports.
    const [probes, external] = partition(result.externalIngress, (e) => e.cidr === AMBIENT.probeSourceCidr);
    const enrolled = new Set(
      output.objects
        .filter(
          (o) => o.region === 'primary' && o.manifest.kind === 'Namespace' && o.manifest.metadata.labels?.[AMBIENT.label] === AMBIENT.value,
        )
        .map((o) => o.manifest.metadata.name),
    );
    expect(probes.length).toBeGreaterThan(0);
    expect(probes.filter((e) => !enrolled.has(e.to.split('/')[0]))).toEqual([]);
    expect(external.map((e) => `${e.to} ${e.cidr} ${e.ports.join(',')}`)).toEqual([
      // The DR region's Redis replicates from the primary's.
      'alp-data/redis 10.2.0.0/16 TCP/6380',
      'alp-edge/alp-gateway 0.0.0.0/0 TCP/80,TCP/443',
      // The API server calls the metrics adapter's aggregated APIs.
      ...clusterModel(model.spec)
        .flows.filter((f) => f.from.id === 'api-server')
        .flatMap((f) => f.from.cidrs!.map((cidr) => `${f.to.workloadId} ${cidr} ${f.ports.map((p) => `TCP/${p.port}`).join(',')}`)),
      // Argo Rollouts', cert-manager's, Velero's and Jaeger's pods are governed by their own installations, not by this project's policies.
      ...(
        [
          ['argo-rollouts/argo-rollouts', 8090],
          ['cert-manager/cert-manager', 9402],
          ['jaeger/jaeger-collector', 4317],
          ['velero/velero', 8085],
        ] as const
      ).flatMap(([id, port]) => [`${id} 0.0.0.0/0 TCP/${port}`, `${id} ::/0 TCP/${port}`]),
    ]);
  });

  test("the comparison catches a missing policy: without user-service's policy its callers are cut off", () => {
    // GIVEN the primary region without the blue user-service NetworkPolicy
    const manifests = output.objects
      .filter((o) => o.region === 'primary' && o.path !== 'manifests/primary/blue/networkpolicy-user-service.yaml')
      .map((o) => o.manifest);
    // WHEN
    const result = evaluateReachability(manifests, endpointWorkloads(model.spec, workloadsFromManifests(manifests)));
    // THEN every declared connection to or from blue user-service is missing, and nothing else
    const key = (c: { from: string; to: string; port: number }) => `${c.from} -> ${c.to} ${c.port}`;
    const missing = declaredConnections(model.spec)
      .map(key)
      .filter((k) => !result.connections.map(key).includes(k));
    const ofUserService = declaredConnections(model.spec)
      .filter((c) => [c.from, c.to].includes('alp-blue/user-service'))
      .map(key);
    expect(missing).toEqual(ofUserService);
    // Among them, its caller, its own call, its data stores, its traces and its scrape.
    expect(missing).toEqual(
      expect.arrayContaining([
        'alp-blue/api-gateway -> alp-blue/user-service 8080',
        'alp-blue/user-service -> alp-blue/notification-service 8080',
        'alp-blue/user-service -> alp-data/postgres-pooler-rw 5432',
        'alp-blue/user-service -> alp-data/redis 6379',
        'alp-blue/user-service -> alp-monitoring/otel-collector 4317',
        'alp-monitoring/prometheus -> alp-blue/user-service 9090',
      ]),
    );
  });

  test('the synth-time check reports a policy that blocks declared traffic, naming the cluster and the connection', () => {
    // GIVEN the output without the dr green content-service policy
    const objects = output.objects.filter((o) => o.path !== 'manifests/dr/green/networkpolicy-content-service.yaml');
    // THEN
    // every declared connection to or from it in that cluster, and only those
    const blocked = declaredConnections(model.spec)
      .filter((c) => [c.from, c.to].includes('alp-green/content-service'))
      .map((c) => `cluster alp-dr: the NetworkPolicies block ${c.from} -> ${c.to} ${c.port}/${c.protocol}, which the spec declares`);
    expect(platformChecks(objects, model)).toEqual(blocked);
    expect(blocked).toEqual(
      expect.arrayContaining([
        'cluster alp-dr: the NetworkPolicies block alp-green/api-gateway -> alp-green/content-service 8080/TCP, which the spec declares',
        'cluster alp-dr: the NetworkPolicies block alp-green/content-service -> alp-data/postgres-pooler-rw 5432/TCP, which the spec declares',
        'cluster alp-dr: the NetworkPolicies block alp-monitoring/prometheus -> alp-green/content-service 9090/TCP, which the spec declares',
      ]),
    );
    expect(platformChecks(output.objects, model)).toEqual([]);
  });
});

/** The items that pass `test`, then the others. */
function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

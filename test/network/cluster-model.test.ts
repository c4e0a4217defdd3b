/**
 * The cluster model's flows in the platform's output: Prometheus reaches every target it scrapes
 * or discovers and its clients reach it; the edge lets the gateway reach cert-manager's HTTP-01
 * solver; a service's Kubernetes API grant is usable. Expectations come from the model
 * (CLUSTER_COMPONENTS, CLUSTER_FLOWS) and the spec, not from the output.
 */
import { join } from 'node:path';
import { platformApp } from '../../charts';
import { evaluateReachability, workloadsFromManifests } from '../../lib';
import { CLUSTER_COMPONENTS, CLUSTER_FLOWS } from '../../lib/core/cluster-components';
import { gatewayPodLabels } from '../../lib/core/endpoints';
import { findObject, platformModel, REPO_ROOT } from '../helpers/manifests';
import { clusterAddressesOf, clusterModel, clusterPlacements, edgeGateways, endpointWorkloads, synthesize } from '../../platform';

const model = platformModel();
const { spec } = model;
const output = synthesize(platformApp, { releaseFile: join(REPO_ROOT, 'release.yaml') });
const cluster = clusterModel(
  spec,
  edgeGateways(spec).map((g) => g.name),
);
/** The model of a region's cluster: its own addresses. */
const clusterOf = (region: string) => {
  const placement = clusterPlacements(spec).find((p) => p.region.name === region)!;
  return {
    model: clusterModel(
      spec,
      edgeGateways(spec).map((g) => g.name),
      placement.cluster,
    ),
    addresses: clusterAddressesOf(spec, placement.cluster),
  };
};
const manifestsOf = (region: string, component?: string) =>
  output.objects.filter((o) => o.region === region && (component === undefined || o.component === component)).map((o) => o.manifest);

/** Each rule of a NetworkPolicy direction as `<peer> <protocol>/<port>` lines. */
function ruleLines(rules: any[] | undefined, side: 'to' | 'from'): string[] {
  return (rules ?? []).flatMap((rule) =>
    rule[side].flatMap((peer: any) =>
      rule.ports.map((p: any) => {
        const who = peer.ipBlock
          ? peer.ipBlock.cidr
          : `${peer.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] ?? '.'}:${JSON.stringify(peer.podSelector.matchLabels)}`;
        return `${who} ${p.protocol}/${p.port}`;
      }),
    ),
  );
}

const podPeer = (namespace: string, labels: Record<string, string>) =>
  `${namespace}:${JSON.stringify(Object.fromEntries(Object.entries(labels).sort()))}`;

describe('the cluster model |', () => {
  test('every flow names ports its server has, and every component in a flow is pods or addresses', () => {
    for (const flow of CLUSTER_FLOWS) {
      const server = CLUSTER_COMPONENTS[flow.to];
      expect({ flow: `${flow.from}->${flow.to}`, missing: flow.ports.filter((p) => !server.ports.some((q) => q.name === p)) }).toEqual({
        flow: `${flow.from}->${flow.to}`,
        missing: [],
      });
    }
    for (const component of Object.values(cluster.components)) {
      expect(component.workloadId !== undefined || component.cidrs !== undefined || component.id === 'edge-gateway').toBe(true);
    }
  });

  test('resolves the API server from the spec: its CIDRs and the documented default ports 443 and 6443', () => {
    const api = cluster.components['api-server'];
    expect(api.cidrs).toEqual(spec.cluster.apiServer.cidrs ?? spec.data.apiServerCidrs);
    expect(api.ports.map((p) => p.port)).toEqual([443, 6443]);
    expect(cluster.components.kubelet.cidrs).toEqual(spec.cluster.nodeCidrs);
    expect(spec.cluster.nodeCidrs.length).toBeGreaterThan(0);
  });
});

describe.each(['primary', 'dr'])('Prometheus in %s |', (region) => {
  const { model: regionCluster, addresses } = clusterOf(region);
  const policy = findObject(manifestsOf(region, 'monitoring'), 'NetworkPolicy', 'prometheus');
  const egress = ruleLines(policy.spec.egress, 'to');
  const ingress = ruleLines(policy.spec.ingress, 'from');

  test('may reach the API server (service discovery) and the kubelets (kubelet and cAdvisor metrics)', () => {
    const api = regionCluster.components['api-server'];
    expect(api.cidrs).toEqual(addresses.apiServerCidrs);
    for (const cidr of api.cidrs!) for (const p of api.ports) expect(egress).toContain(`${cidr} TCP/${p.port}`);
    expect(addresses.nodeCidrs.length).toBeGreaterThan(0);
    for (const cidr of addresses.nodeCidrs) expect(egress).toContain(`${cidr} TCP/${CLUSTER_COMPONENTS.kubelet.ports[0].port}`);
  });

  test('may reach kube-state-metrics, cert-manager (9402), Velero (8085) and every other server of its flows', () => {
    const servers = cluster.flows.filter((f) => f.from.id === 'prometheus' && f.to.workloadId !== undefined);
    expect(servers.map((f) => f.to.id)).toEqual(expect.arrayContaining(['kube-state-metrics', 'cert-manager', 'velero']));
    for (const flow of servers)
      for (const p of flow.ports) expect(egress).toContain(`${podPeer(flow.to.namespace!, flow.to.podLabels!)} TCP/${p.port}`);
    expect(egress).toContain(`${podPeer('cert-manager', CLUSTER_COMPONENTS['cert-manager'].podLabels!)} TCP/9402`);
    expect(egress).toContain(`${podPeer('velero', CLUSTER_COMPONENTS.velero.podLabels!)} TCP/8085`);
  });

  test('admits its clients, Grafana, the metrics adapter and the Argo Rollouts controller (the switch analyses), on its web port, by NetworkPolicy and by mesh identity', () => {
    const clients = cluster.flows.filter((f) => f.to.id === 'prometheus');
    expect(clients.map((f) => f.from.id).sort()).toEqual(['argo-rollouts', 'grafana', 'metrics-adapter']);
    for (const flow of clients) expect(ingress).toContain(`${podPeer(flow.from.namespace!, flow.from.podLabels!)} TCP/9090`);
    const authorization = findObject(manifestsOf(region, 'monitoring'), 'AuthorizationPolicy', 'prometheus');
    const principals = authorization.spec.rules.flatMap((r: any) => r.from[0].source.principals);
    expect(principals).toEqual(clients.map((f) => `cluster.local/ns/${f.from.namespace}/sa/${f.from.serviceAccount}`));
  });

  test('reaches, by evaluation, every target its ServiceMonitors and PodMonitors select', () => {
    const manifests = manifestsOf(region);
    const workloads = workloadsFromManifests(manifests);
    const result = evaluateReachability(
      manifests,
      endpointWorkloads(
        spec,
        workloads,
        cluster.gateways.map((g) => g.name),
      ),
    );
    const prometheus = cluster.components.prometheus.workloadId!;
    const reached = new Set(result.connections.filter((c) => c.from === prometheus).map((c) => `${c.to} ${c.port}`));
    const monitors = manifests.filter((m) => m.kind === 'ServiceMonitor' || m.kind === 'PodMonitor');
    expect(monitors.length).toBeGreaterThan(0);
    for (const monitor of monitors) {
      const namespaces: string[] = monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace];
      const selector = monitor.spec.selector.matchLabels ?? {};
      const targets = workloads.filter(
        (w) => namespaces.includes(w.namespace) && Object.entries(selector).every(([k, v]) => w.labels[k] === v),
      );
      expect({ monitor: monitor.metadata.name, targets: targets.length > 0 }).toEqual({ monitor: monitor.metadata.name, targets: true });
      const portNames = (monitor.spec.endpoints ?? monitor.spec.podMetricsEndpoints).map((e: any) => e.port);
      for (const target of targets) {
        const ports = target.ports.filter((p) => portNames.includes(p.name) || portNames.includes(String(p.port)));
        for (const port of ports) expect(reached).toContain(`${target.id} ${port.port}`);
      }
    }
    for (const cidr of regionCluster.components['api-server'].cidrs!) {
      expect(result.externalEgress.some((e) => e.from === prometheus && e.cidr === cidr && e.ports.includes('TCP/443'))).toBe(true);
    }
  });
});

describe('callers outside the mesh |', () => {
  test('a component in a STRICT namespace that a caller known only by address reaches takes it in on that port and from those addresses only', () => {
    const strict = new Set(
      manifestsOf('primary')
        .filter((m) => m.kind === 'PeerAuthentication' && m.spec?.mtls?.mode === 'STRICT' && m.spec.selector === undefined)
        .map((m) => m.metadata.namespace),
    );
    const external = cluster.flows.filter((f) => f.from.cidrs !== undefined && f.to.namespace !== undefined && strict.has(f.to.namespace));
    expect(external.map((f) => `${f.from.id}->${f.to.id}`)).toContain('api-server->metrics-adapter');
    for (const flow of external) {
      const name = `${flow.to.name}-from-${flow.from.id}`;
      const ports = flow.ports.map((p) => String(p.port));
      const peer = manifestsOf('primary').filter((m) => m.metadata.name === name && m.metadata.namespace === flow.to.namespace);
      expect(peer.map((m) => m.kind).sort()).toEqual(['AuthorizationPolicy', 'PeerAuthentication']);
      const [authorization, peerAuthentication] = peer.sort((a, b) => (a.kind < b.kind ? -1 : 1));
      expect(peerAuthentication.spec).toEqual({
        selector: { matchLabels: flow.to.podLabels },
        mtls: { mode: 'UNSET' },
        portLevelMtls: Object.fromEntries(ports.map((p) => [p, { mode: 'PERMISSIVE' }])),
      });
      expect(authorization.spec.rules).toEqual(
        ports.map((p) => ({ from: [{ source: { ipBlocks: [...flow.from.cidrs!].sort() } }], to: [{ operation: { ports: [p] } }] })),
      );
    }
  });
});

describe("the edge and cert-manager's HTTP-01 solver |", () => {
  const edge = manifestsOf('primary', 'edge');
  const solver = CLUSTER_COMPONENTS['acme-solver'];

  test("the solver's pods admit the gateway on 8089, and nothing else", () => {
    const policy = edge.find(
      (m) => m.kind === 'NetworkPolicy' && JSON.stringify(m.spec.podSelector.matchLabels) === JSON.stringify(solver.podLabels),
    );
    expect(policy).toBeDefined();
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'acme.cert-manager.io/http01-solver': 'true' });
    expect(ruleLines(policy.spec.ingress, 'from')).toEqual(
      cluster.gateways.map((g) => `${podPeer(spec.namespaces.edge, gatewayPodLabels(g.name))} TCP/8089`),
    );
  });

  test("the gateway may reach the solver on 8089 and admits the ACME server's HTTP request on 80", () => {
    for (const gateway of cluster.gateways) {
      const policy = findObject(edge, 'NetworkPolicy', gateway.name);
      expect(ruleLines(policy.spec.egress, 'to')).toContain(`${podPeer(spec.namespaces.edge, solver.podLabels!)} TCP/8089`);
      expect(ruleLines(policy.spec.ingress, 'from')).toContain('0.0.0.0/0 TCP/80');
    }
  });

  test('by evaluation, the gateway reaches the solver in every cluster', () => {
    for (const region of ['primary', 'dr']) {
      const manifests = manifestsOf(region);
      const workloads = workloadsFromManifests(manifests);
      const result = evaluateReachability(manifests, endpointWorkloads(spec, workloads));
      expect(result.connections).toContainEqual({
        from: `${spec.namespaces.edge}/${spec.edge.gatewayName}`,
        to: `${spec.namespaces.edge}/${solver.name}`,
        port: 8089,
        protocol: 'TCP',
      });
    }
  });
});

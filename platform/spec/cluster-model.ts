import { AlpError, CLUSTER_COMPONENTS, ClusterPrerequisite, ClusterModel, ResolvedComponent } from '../../lib/core';
import { clusterAddressesOf } from './cluster-settings';
import { ClusterSpec } from './schema';
import { PlatformSpec } from './validate';
import { CLUSTER_FLOWS, ClusterComponent, ComponentFlow, ComponentId, ResolvedFlow } from '../../lib/core/cluster-components';
import { gatewayPodLabels, jaegerCollectorPodLabels } from '../../lib/core/endpoints';

/**
 * The cluster's components resolved against `spec`: platform namespaces by role, the API server
 * and node addresses of `cluster` (its own, else the spec-wide `cluster` ones: see
 * `clusterAddressesOf`), Jaeger from `monitoring.jaeger`, Elasticsearch from
 * `monitoring.elasticsearch`, one edge-gateway component per Gateway in `gatewayNames`.
 * Every chart passes its cluster: the regions' clusters have different addresses.
 */
export function clusterModel(
  spec: PlatformSpec,
  gatewayNames: readonly string[] = [spec.edge.gatewayName],
  cluster?: ClusterSpec,
): ClusterModel {
  // Every chart of a cluster, the reports and the checks ask for the same model: resolve it once.
  const key = `${gatewayNames.join(',')}|${cluster?.name ?? ''}`;
  let bySpec = MODELS.get(spec);
  if (bySpec === undefined) MODELS.set(spec, (bySpec = new Map()));
  let model = bySpec.get(key);
  if (model === undefined) bySpec.set(key, (model = resolveModel(spec, gatewayNames, cluster)));
  return model;
}

const MODELS = new WeakMap<PlatformSpec, Map<string, ClusterModel>>();

function resolveModel(spec: PlatformSpec, gatewayNames: readonly string[], cluster: ClusterSpec | undefined): ClusterModel {
  const addresses = clusterAddressesOf(spec, cluster);
  const resolve = (id: ComponentId): ResolvedComponent => {
    const c: ClusterComponent = CLUSTER_COMPONENTS[id];
    const namespace = c.namespace === undefined ? undefined : 'role' in c.namespace ? spec.namespaces[c.namespace.role] : c.namespace.name;
    let cidrs: readonly string[] | undefined;
    let ports = c.ports;
    if (c.addresses === 'api-server') {
      cidrs = addresses.apiServerCidrs;
      ports = spec.cluster.apiServer.ports.map((port, i) => ({ name: i === 0 ? 'https' : i === 1 ? 'https-alt' : `https-${port}`, port }));
    } else if (c.addresses === 'nodes') {
      cidrs = addresses.nodeCidrs;
    } else if (c.addresses === 'elasticsearch') {
      cidrs = [spec.monitoring.elasticsearch.cidr];
      ports = [{ name: 'https', port: spec.monitoring.elasticsearch.port }];
    }
    let { name, podLabels } = c;
    let ns = namespace;
    if (id === 'jaeger') {
      const { jaeger } = spec.monitoring;
      name = jaeger.service;
      ns = jaeger.namespace;
      podLabels = jaegerCollectorPodLabels(jaeger.service);
      ports = [{ name: 'otlp-grpc', port: jaeger.port }];
    }
    return {
      id,
      name,
      title: c.title,
      namespace: ns,
      podLabels,
      serviceAccount: c.serviceAccount,
      cidrs,
      ports,
      prerequisites: c.prerequisites,
      docs: c.docs,
      workloadId: ns !== undefined && podLabels !== undefined ? `${ns}/${name}` : undefined,
    };
  };
  const components = Object.fromEntries((Object.keys(CLUSTER_COMPONENTS) as ComponentId[]).map((id) => [id, resolve(id)])) as Record<
    ComponentId,
    ResolvedComponent
  >;
  const gateways = gatewayNames.map((gateway): ResolvedComponent => ({
    ...components['edge-gateway'],
    name: gateway,
    podLabels: gatewayPodLabels(gateway),
    serviceAccount: `${gateway}-${spec.edge.gatewayClassName}`,
    workloadId: `${spec.namespaces.edge}/${gateway}`,
  }));
  components['edge-gateway'] = gateways[0];
  const ends = (id: ComponentId) => (id === 'edge-gateway' ? gateways : [components[id]]);
  const flows = CLUSTER_FLOWS.flatMap((flow) => ends(flow.from).flatMap((from) => ends(flow.to).map((to) => resolveFlow(flow, from, to))));
  return { components, gateways, flows };
}

function resolveFlow(flow: ComponentFlow, from: ResolvedComponent, to: ResolvedComponent): ResolvedFlow {
  const ports = to.ports.filter((p) => flow.ports.includes(p.name));
  // A flow naming a port its server lacks would silently allow nothing.
  if (ports.length === 0 && to.id !== 'api-server')
    throw new AlpError(`cluster model: flow ${flow.from} -> ${flow.to} names ports ${flow.ports.join(', ')}, which ${to.id} does not have`);
  // The API server's ports are the spec's: every one of them.
  return { from, to, ports: to.id === 'api-server' ? to.ports : ports, why: flow.why };
}

/**
 * The prerequisites the model itself knows: each component's install-time settings, the
 * components some flow needs but the spec gives no address for (a gap, in cluster `clusterName`
 * when given), prometheus-adapter
 * outside the mesh (the API server calls it without a mesh identity), and every object a
 * service's Kubernetes API grant names that the platform does not generate.
 */
export function modelPrerequisites(
  spec: PlatformSpec,
  model: ClusterModel = clusterModel(spec),
  clusterName?: string,
): ClusterPrerequisite[] {
  const entries: ClusterPrerequisite[] = [];
  const components = [...Object.values(model.components)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of components) {
    for (const setting of c.prerequisites) entries.push({ component: c.title, setting, docs: c.docs || undefined });
    if (c.cidrs !== undefined && c.cidrs.length === 0 && model.flows.some((f) => f.to === c || f.from === c)) {
      const users = model.flows.filter((f) => f.to === c).map((f) => f.from.title);
      const where = clusterName === undefined ? '' : `in cluster ${clusterName}, `;
      const fix = clusterName === undefined ? '`cluster`' : "`cluster` or in the cluster's own entry of `regions`";
      entries.push({
        component: c.title,
        setting: `GAP: ${where}the spec gives no addresses for ${c.title}, so ${[...new Set(users)].join(', ')} cannot reach it; set them in ${fix}.`,
      });
    }
  }
  if (spec.mesh.enabled && model.flows.some((f) => f.from.id === 'api-server' && f.to.id === 'metrics-adapter')) {
    entries.push({
      component: model.components['metrics-adapter'].title,
      setting:
        "the API server calls the aggregated API without a mesh identity, so the adapter's secure port accepts it through the mesh on that port only, from the cluster's API server addresses only (`cluster.apiServer.cidrs`, or its own `apiServerCidrs`; PeerAuthentication and AuthorizationPolicy `prometheus-adapter-from-api-server`); the adapter serves TLS there itself (istiod turns a workload's port-level PeerAuthentication into a ztunnel policy).",
      docs: 'https://istio.io/latest/docs/reference/config/security/peer_authentication/',
    });
  }
  for (const service of spec.services) {
    for (const o of service.kubernetesApi?.externalObjects ?? []) {
      entries.push({
        component: `${service.name}'s Kubernetes API grant`,
        setting: `${o.resource} \`${o.name}\` exists in each colour namespace (${spec.namespaces.blue}, ${spec.namespaces.green}): ${o.providedBy}.`,
        why: 'the grant names it; the platform does not generate it',
      });
    }
  }
  return entries;
}

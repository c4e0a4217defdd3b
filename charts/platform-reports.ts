import { App } from 'cdk8s';
import {
  auditPolicy,
  clusterObjectsDrSummary,
  postgresDrSummary,
  postgresFailoverSteps,
  redisDrSummary,
  redisFailoverSteps,
  renderDrReport,
  toYaml,
  trafficFailoverSteps,
  renderClusterPrerequisites,
  evaluateReachability,
  RenderedObject,
  ReachabilityResult,
  renderReachabilityReport,
  renderRunbooks,
  Workload,
  workloadsFromManifests,
} from '../lib';
import { ClusterPrerequisite } from '../lib/core/cluster-components';
import { platformMetricCatalog } from '../platform/monitoring/metric-catalog';
import { capacityReport } from './capacity-report';
import { DataChart, dataHome } from './data-chart';
import { autoRollbackFiles } from './auto-rollback';
import { platformHelmCharts } from './platform-helm';
import { PREREQUISITE_CONTRIBUTIONS } from './platform-prerequisites';
import {
  addressFlows,
  clusterModel,
  ClusterPlacement,
  clusterPlacements,
  declaredConnections,
  edgeGateways,
  endpointWorkloads,
  loggingNamespace,
  modelPrerequisites,
  PlatformModel,
  PlatformSpec,
} from '../platform';
import { SWITCH_TRAFFIC_COMMAND } from '../platform/names';

/**
 * `reports/reachability.md`: for each cluster, who can reach whom, computed by evaluating the
 * synthesized NetworkPolicies (not by re-reading the spec).
 */
function reachabilityReport(objects: readonly RenderedObject[], model: PlatformModel): string {
  const sections = clusterPlacements(model.spec).map((placement) => {
    const { workloads, result } = evaluateCluster(objects, model, placement);
    return renderReachabilityReport(result, workloads, {
      title: `Reachability in cluster ${placement.cluster.name} (region ${placement.region.name})`,
    });
  });
  return sections.join('\n');
}

/** Evaluations by synthesis (objects and model): its checks and its report evaluate each cluster once. */
const evaluations = new WeakMap<readonly RenderedObject[], WeakMap<PlatformModel, Map<string, ClusterEvaluation>>>();

/** A cluster's workloads (found in its manifests, plus the shared endpoints) and what its NetworkPolicies allow. */
export interface ClusterEvaluation {
  readonly workloads: Workload[];
  readonly result: ReachabilityResult;
}

/** The NetworkPolicies of one cluster, evaluated over its workloads and the shared endpoints. */
export function evaluateCluster(objects: readonly RenderedObject[], model: PlatformModel, placement: ClusterPlacement): ClusterEvaluation {
  const byModel = evaluations.get(objects) ?? new WeakMap();
  evaluations.set(objects, byModel);
  const byCluster = byModel.get(model) ?? new Map();
  byModel.set(model, byCluster);
  if (!byCluster.has(placement.cluster.name)) byCluster.set(placement.cluster.name, evaluateClusterOnce(objects, model, placement));
  return byCluster.get(placement.cluster.name)!;
}

function evaluateClusterOnce(objects: readonly RenderedObject[], model: PlatformModel, placement: ClusterPlacement): ClusterEvaluation {
  const components = new Set([
    ...placement.colors,
    ...(['platform', 'edge', 'data', 'monitoring', 'logging'] as const).map(placement.componentOf),
  ]);
  const manifests = objects.filter((o) => o.region === placement.region.name && components.has(o.component)).map((o) => o.manifest);
  const found = workloadsFromManifests(manifests);
  const extra = endpointWorkloads(
    model.spec,
    found,
    edgeGateways(model.spec).map((g) => g.name),
  );
  return { workloads: [...found, ...extra], result: evaluateReachability(manifests, extra) };
}

/**
 * Whether a connection (`<namespace>/<workload>` ends) has an end in a namespace the platform
 * governs: its own namespaces and the logging namespace. The other components' namespaces
 * (cert-manager, velero, jaeger) are their installations' to police.
 */
export function governedConnection(spec: PlatformSpec): (c: { from: string; to: string }) => boolean {
  const governed = new Set([...Object.values(spec.namespaces), loggingNamespace(spec)]);
  return (c) => governed.has(c.from.split('/')[0]) || governed.has(c.to.split('/')[0]);
}

/**
 * The platform's own check of every synthesis: in each cluster, the evaluated NetworkPolicies
 * allow exactly the connections the spec and the cluster model declare, no more and no less,
 * among the connections with an end in a namespace the platform governs (its own and the
 * logging namespace: the other components' namespaces are their installations' to police); and
 * every flow the model declares to addresses (the API server, the kubelets) is allowed.
 */
export function platformChecks(objects: readonly RenderedObject[], model: PlatformModel): string[] {
  const key = (c: { from: string; to: string; port: number; protocol: string }) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`;
  const { spec } = model;
  const checked = governedConnection(spec);
  const gatewayNames = edgeGateways(spec).map((g) => g.name);
  return clusterPlacements(spec).flatMap((placement) => {
    const { result } = evaluateCluster(objects, model, placement);
    const allowed = new Set(result.connections.filter(checked).map(key));
    const declared = new Set(declaredConnections(spec, placement.colors, gatewayNames).filter(checked).map(key));
    const where = `cluster ${placement.cluster.name}`;
    const external = (f: { from: string; cidr: string; port: number; protocol: string }) =>
      result.externalEgress.some((e) => e.from === f.from && e.cidr === f.cidr && e.ports.includes(`${f.protocol}/${f.port}`));
    return [
      ...[...allowed]
        .filter((c) => !declared.has(c))
        .map((c) => `${where}: the NetworkPolicies allow ${c}, which the spec does not declare`),
      ...[...declared].filter((c) => !allowed.has(c)).map((c) => `${where}: the NetworkPolicies block ${c}, which the spec declares`),
      ...addressFlows(spec, placement.colors, gatewayNames, placement.cluster)
        .filter((f) => !external(f))
        .map(
          (f) =>
            `${where}: the NetworkPolicies block ${f.from} -> ${f.cidr} ${f.port}/${f.protocol} (${f.why}), which the cluster model declares`,
        ),
    ];
  });
}

/**
 * The platform's files rendered from its verified objects: `reports/reachability.md`,
 * `reports/metrics.md` (the metrics the services emit for the rules and dashboards),
 * `reports/cluster-prerequisites.md`, `reports/capacity.md`, `cluster/audit-policy.yaml`, the Helm
 * charts under `helm/`, and with `delivery.autoRollback` on, the rollback's CI job
 * `ci/auto-rollback.gitlab-ci.yml`. The runbooks and `reports/dr.md` are `platformDocuments`.
 */
export function platformFiles(objects: readonly RenderedObject[], model: PlatformModel): Map<string, string> {
  const files = new Map<string, string>();
  files.set('reports/reachability.md', reachabilityReport(objects, model));
  files.set('reports/metrics.md', platformMetricCatalog());
  files.set('reports/cluster-prerequisites.md', renderClusterPrerequisites(clusterPrerequisites(model.spec)));
  files.set('reports/capacity.md', capacityReport(objects, model));
  files.set('cluster/audit-policy.yaml', toYaml(auditPolicy()));
  for (const [path, content] of platformHelmCharts(objects, model)) files.set(path, content);
  for (const [path, content] of autoRollbackFiles(model.spec)) files.set(path, content);
  return files;
}

/**
 * The platform's documents read off its constructs: `runbooks/<alert>.md` for every alert of
 * every PrometheusRule (where the alerts' `runbook_url`s point) and `reports/dr.md`.
 */
export function platformDocuments(app: App, model: PlatformModel): Map<string, string> {
  const files = new Map(renderRunbooks(app).map((runbook) => [runbook.path, runbook.content] as [string, string]));
  files.set('reports/dr.md', platformDrReport(app, model));
  return files;
}

/**
 * Everything `reports/cluster-prerequisites.md` lists: the model's entries (of every cluster,
 * whose addresses differ: each entry once, a gap with its cluster's name when there are
 * several), then each area's.
 */
export function clusterPrerequisites(spec: PlatformSpec): ClusterPrerequisite[] {
  const gateways = edgeGateways(spec).map((g) => g.name);
  const placements = clusterPlacements(spec);
  const seen = new Set<string>();
  const modelled = placements
    .flatMap((p) => modelPrerequisites(spec, clusterModel(spec, gateways, p.cluster), placements.length > 1 ? p.cluster.name : undefined))
    .filter((entry) => {
      const key = `${entry.component}\n${entry.setting}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return [...modelled, ...PREREQUISITE_CONTRIBUTIONS.flatMap((contribute) => contribute(spec))];
}

/**
 * `reports/dr.md`: the data stores of the data home (see `dataHome`) against the spec's RPO and
 * RTO, with the DR region's replicas, the data home's Velero Schedule and restore drill, and the
 * failover runbooks.
 */
export function platformDrReport(app: App, model: PlatformModel): string {
  const { spec } = model;
  const charts = app.node.findAll().filter(DataChart.isDataChart);
  const home = dataHome(spec);
  const primary = charts.find((c) => !c.isReplica)!;
  const drPlacement = clusterPlacements(spec).find((p) => p.region.role === 'dr');
  const dr = drPlacement && charts.find((c) => c.cluster === drPlacement.cluster.name);
  const schedule = primary.backupSchedule;
  const namespace = spec.namespaces.data;
  const drRegion = drPlacement?.region.name ?? '(none)';
  const dataApplication = `${spec.name}-${drRegion}-${drPlacement?.componentOf('data') ?? 'data'}`;
  return renderDrReport({
    objectives: { rpoMinutes: spec.data.rpoMinutes, rtoMinutes: spec.data.rtoMinutes },
    primaryRegion: home.region.name,
    drRegion,
    dataStores: [
      postgresDrSummary(primary.postgres, {
        drReplica: dr?.postgres,
        restoreEstimateMinutes: spec.data.postgres.restoreEstimateMinutes,
        failover: postgresFailoverSteps({ namespace, clusterName: primary.postgres.name, dataApplication }),
      }),
      redisDrSummary(primary.redis, {
        drReplica: dr?.redis,
        backupSchedule: schedule,
        drill: primary.restoreDrill,
        restoreEstimateMinutes: spec.data.redis.restoreEstimateMinutes,
        failover: redisFailoverSteps({ namespace, name: primary.redis.name, passwordFile: primary.redis.passwordFile }),
      }),
      clusterObjectsDrSummary(schedule, {
        drCopy: spec.data.backups.veleroDrCopy,
        drill: primary.restoreDrill,
        restoreEstimateMinutes: spec.data.backups.veleroRestoreEstimateMinutes,
        failover: [
          `In the ${drRegion} cluster: \`velero restore create --from-schedule ${schedule.name} --include-namespaces ${namespace}\` from the replicated bucket, if the replicas are lost too.`,
          'Argo CD re-creates every other object from git.',
        ],
      }),
    ],
    // The live colour comes from release.yaml at failover time: the report does not change with a traffic switch.
    trafficFailover: [
      `Read the colour live in the ${home.region.name} region: \`LIVE_COLOR=$(node -p "require('js-yaml').load(require('fs').readFileSync('release.yaml', 'utf8')).regions['${home.region.name}'].activeColor")\`.`,
      ...trafficFailoverSteps({ drRegion, color: '$LIVE_COLOR', switchTrafficCommand: SWITCH_TRAFFIC_COMMAND }),
    ],
  });
}

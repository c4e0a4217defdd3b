import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { governedConnection } from '../../charts/platform-reports';
import { readTree } from '../../lib/output/files';
import { evaluateReachability } from '../../lib/policy/reachability';
import { workloadsFromManifests } from '../../lib/policy/reachability-workloads';
import { endpointWorkloads } from '../../platform/platform-endpoints';
import { declaredConnections } from '../../platform/spec/graph';
import { PlatformModel } from '../../platform/spec/validate';

// The platform's invariants, stated from the spec alone: which objects a synthesized dist/ must
// hold for every service, and who may call whom. The same checks run on the committed dist/ (the
// seed platform) and on a copy of the repository with a service added the README's way, so no
// check can lean on the seed's counts or names. Each returns its problems, one string each:
// `expect(problems).toEqual([])` then names every broken invariant at once.

/** The kinds every service has in each colour of each region (HPA only where it autoscales). */
const PER_SERVICE_KINDS = [
  'Deployment',
  'Service',
  'ServiceAccount',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'AuthorizationPolicy',
  'ServiceMonitor',
] as const;

const COLORS = ['blue', 'green'] as const;

/** A synthesized dist/: its files, and its manifests by region. */
interface SynthesizedTree {
  readonly files: Map<string, string>;
  /** Per region (the first folder under manifests/), its objects keyed `Kind/namespace/name`. */
  readonly objects: Map<string, Map<string, any>>;
}

/** Reads the dist/ folder at `dir` (default topology: manifests/<region>/<component>/). */
function readSynthesizedTree(dir: string): SynthesizedTree {
  const files = readTree(dir);
  const objects = new Map<string, Map<string, any>>();
  for (const [path, text] of files) {
    const [top, region] = path.split('/');
    if (top !== 'manifests' || !path.endsWith('.yaml')) continue;
    const manifest: any = yaml.load(text);
    if (!objects.has(region)) objects.set(region, new Map());
    objects.get(region)!.set(`${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`, manifest);
  }
  return { files, objects };
}

/** The spec's services that call `name` (the dependency graph's edges into it), sorted. */
export function callersOf(model: PlatformModel, name: string): string[] {
  return model.spec.services
    .filter((s) => s.dependsOn.services.includes(name))
    .map((s) => s.name)
    .sort();
}

function colorNamespace(model: PlatformModel, color: (typeof COLORS)[number]): string {
  return model.spec.namespaces[color]!;
}

/** Every service's objects exist in each colour of each region, running that colour's image. */
function missingServiceObjects(model: PlatformModel, tree: SynthesizedTree): string[] {
  const problems: string[] = [];
  for (const region of model.spec.regions) {
    const objects = tree.objects.get(region.name) ?? new Map();
    for (const color of COLORS) {
      const namespace = colorNamespace(model, color);
      for (const service of model.spec.services) {
        const kinds = service.autoscaling ? [...PER_SERVICE_KINDS, 'HorizontalPodAutoscaler'] : PER_SERVICE_KINDS;
        for (const kind of kinds) {
          if (!objects.has(`${kind}/${namespace}/${service.name}`))
            problems.push(`${region.name}: no ${kind} ${namespace}/${service.name}`);
        }
        const image = objects.get(`Deployment/${namespace}/${service.name}`)?.spec.template.spec.containers[0].image;
        const released = model.release.colors[color].images[service.name];
        if (image !== undefined && image !== released)
          problems.push(`${region.name}: Deployment ${namespace}/${service.name} runs ${image}, release.yaml says ${released}`);
      }
    }
  }
  return problems;
}

/**
 * Each service's AuthorizationPolicy and NetworkPolicy admit, on its serving port, exactly the
 * graph's callers of the same colour (plus the edge gateway's namespace for a public service).
 */
function callerMismatches(model: PlatformModel, tree: SynthesizedTree): string[] {
  const problems: string[] = [];
  const edge = model.spec.namespaces.edge!;
  for (const region of model.spec.regions) {
    const objects = tree.objects.get(region.name) ?? new Map();
    for (const color of COLORS) {
      const namespace = colorNamespace(model, color);
      for (const service of model.spec.services) {
        const at = `${region.name}: ${namespace}/${service.name}`;
        const expected = callersOf(model, service.name);
        const authz = objects.get(`AuthorizationPolicy/${namespace}/${service.name}`);
        const principals: string[] = (authz?.spec.rules ?? [])
          .filter((r: any) => r.to.some((t: any) => t.operation.ports.includes(String(service.port))))
          .flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals));
        const mesh = principals
          .filter((p) => p.startsWith(`cluster.local/ns/${namespace}/sa/`))
          .map((p) => p.split('/sa/')[1])
          .sort();
        const others = principals.filter((p) => !p.startsWith(`cluster.local/ns/${namespace}/sa/`));
        if (JSON.stringify(mesh) !== JSON.stringify(expected))
          problems.push(`${at}: AuthorizationPolicy admits ${JSON.stringify(mesh)}, the graph's callers are ${JSON.stringify(expected)}`);
        const edgeOnly = others.every((p) => p.startsWith(`cluster.local/ns/${edge}/`));
        if (!edgeOnly || others.length > 0 !== (service.public !== undefined))
          problems.push(
            `${at}: AuthorizationPolicy admits ${JSON.stringify(others)} from outside its colour (public: ${service.public !== undefined})`,
          );
        const network = objects.get(`NetworkPolicy/${namespace}/${service.name}`);
        const peers = (network?.spec.ingress ?? [])
          .filter((r: any) => r.ports.some((p: any) => p.port === service.port))
          .flatMap((r: any) => r.from);
        const callers = peers
          .filter((p: any) => !p.namespaceSelector)
          .map((p: any) => p.podSelector.matchLabels['app.kubernetes.io/name'])
          .sort();
        if (JSON.stringify(callers) !== JSON.stringify(expected))
          problems.push(`${at}: NetworkPolicy admits ${JSON.stringify(callers)}, the graph's callers are ${JSON.stringify(expected)}`);
      }
    }
  }
  return problems;
}

/**
 * The NetworkPolicies of each region, evaluated with Kubernetes semantics, allow exactly the
 * declared graph (services, data stores, monitoring and the edge), in both colours.
 */
function reachabilityMismatches(model: PlatformModel, tree: SynthesizedTree): string[] {
  const problems: string[] = [];
  const checked = governedConnection(model.spec);
  const key = (c: { from: string; to: string; port: number; protocol: string }) => `${c.from} -> ${c.to} ${c.port}/${c.protocol}`;
  const declared = declaredConnections(model.spec).filter(checked).map(key);
  for (const region of model.spec.regions) {
    const manifests = [...(tree.objects.get(region.name) ?? new Map()).values()];
    const workloads = workloadsFromManifests(manifests);
    const evaluated = evaluateReachability(manifests, endpointWorkloads(model.spec, workloads)).connections.filter(checked).map(key);
    const allowed = new Set(evaluated);
    const wanted = new Set(declared);
    for (const c of declared) if (!allowed.has(c)) problems.push(`${region.name}: declared but not allowed: ${c}`);
    for (const c of evaluated) if (!wanted.has(c)) problems.push(`${region.name}: allowed but not declared: ${c}`);
  }
  return problems;
}

/** Every service has a row per colour in each cluster's section of reports/reachability.md. */
function reachabilityReportGaps(model: PlatformModel, tree: SynthesizedTree): string[] {
  const report = tree.files.get('reports/reachability.md') ?? '';
  const sections = report.split(/^# /m).filter((s) => s.startsWith('Reachability in cluster'));
  const problems =
    sections.length === model.spec.regions.length
      ? []
      : [`reports/reachability.md has ${sections.length} cluster sections, the spec ${model.spec.regions.length} regions`];
  for (const section of sections) {
    const cluster = section.split('\n')[0];
    for (const color of COLORS) {
      for (const service of model.spec.services) {
        const workload = `${colorNamespace(model, color)}/${service.name}`;
        if (!new RegExp(`^\\| \\d+ \\| ${workload} \\|`, 'm').test(section))
          problems.push(`reports/reachability.md (${cluster}): no row for ${workload}`);
      }
    }
  }
  return problems;
}

/**
 * Each service has, in each region's monitoring component, its PrometheusRule and Grafana
 * dashboard; every alert of its rules links a runbook that dist/runbooks/ holds.
 */
function monitoringGaps(model: PlatformModel, tree: SynthesizedTree, dist: string): string[] {
  const problems: string[] = [];
  const monitoring = model.spec.namespaces.monitoring!;
  for (const region of model.spec.regions) {
    const objects = tree.objects.get(region.name) ?? new Map();
    for (const service of model.spec.services) {
      const dashboard = objects.get(`ConfigMap/${monitoring}/grafana-dashboard-${service.name}`);
      if (dashboard?.metadata.labels?.grafana_dashboard !== '1') problems.push(`${region.name}: no Grafana dashboard for ${service.name}`);
      const rule = objects.get(`PrometheusRule/${monitoring}/${service.name}-rules`);
      const alerts = (rule?.spec.groups ?? []).flatMap((g: any) => g.rules).filter((r: any) => r.alert);
      if (alerts.length === 0) problems.push(`${region.name}: no alerts for ${service.name}`);
      for (const alert of alerts) {
        const runbook = `runbooks/${alert.alert}.md`;
        if (!String(alert.annotations?.runbook_url).endsWith(`/${runbook}`) || !existsSync(join(dist, runbook))) {
          problems.push(`${region.name}: alert ${alert.alert} of ${service.name} links no runbook in dist/${runbook}`);
        }
      }
    }
  }
  return problems;
}

/** Every invariant above, over the dist/ folder at `dist`. */
export function platformInvariantProblems(model: PlatformModel, dist: string): string[] {
  const tree = readSynthesizedTree(dist);
  return [
    ...missingServiceObjects(model, tree),
    ...callerMismatches(model, tree),
    ...reachabilityMismatches(model, tree),
    ...reachabilityReportGaps(model, tree),
    ...monitoringGaps(model, tree, dist),
  ];
}

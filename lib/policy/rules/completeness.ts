/**
 * Completeness: every service is observable. Each check is skipped (and the report says so) while
 * the manifests contain no object of the kind it looks for: that part of the platform is not built
 * yet, or the input is a part of the output without it (one Application's folder). A service whose
 * monitoring is missing from the whole output is therefore found by verifying the whole output
 * (synth does), not by verifying its folder alone.
 *
 * A service is a Deployment (or other replicated workload) whose pods a Service selects; its name
 * is the pods' `app.kubernetes.io/name` label, else the object's name.
 */
import { LABEL_NAME } from '../../core';
import { ManifestObject, PolicyRule, RuleInfo, statement } from '../findings';
import { PodTemplate, PolicyContext } from './_context';
import { inputRule } from './_rule';
import { asArray, labelSelectorMatches, SelectorIndex, stringMap } from './_selectors';

/** The label by which Grafana's dashboard sidecar finds dashboard ConfigMaps. */
export const DASHBOARD_LABEL = 'grafana_dashboard';

const MONITORING = 'monitoring.coreos.com';

function services(ctx: PolicyContext): PodTemplate[] {
  return ctx.pods.filter((pod) => ctx.isService(pod));
}

function serviceName(pod: PodTemplate): string {
  return pod.labels[LABEL_NAME] ?? pod.object.name;
}

/** Objects by cluster and `app.kubernetes.io/name` label, keyed as `nameKey` does. */
function byNameLabel(objects: readonly ManifestObject[]): Map<string, ManifestObject[]> {
  const out = new Map<string, ManifestObject[]>();
  for (const object of objects) {
    const name = stringMap(object.manifest.metadata?.labels)[LABEL_NAME];
    if (name === undefined) continue;
    const key = nameKey(object.cluster, name);
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(object);
  }
  return out;
}

const nameKey = (cluster: string, name: string) => `${cluster}\n${name}`;

/** Says what a service lacks, or undefined when it has it. */
type ServiceGap = (pod: PodTemplate) => string | undefined;

/**
 * A rule that every service has an artefact of some kind (ServiceMonitor, SLO rules, dashboard):
 * skipped, saying `absent`, while the manifests hold none of them; else each service that
 * `gapOf` (built once from the artefacts found) finds lacking is reported.
 */
function everyServiceHas(
  info: RuleInfo,
  artefacts: (ctx: PolicyContext) => readonly ManifestObject[],
  absent: string,
  gapOf: (ctx: PolicyContext, found: readonly ManifestObject[]) => ServiceGap,
): PolicyRule {
  return inputRule(info, (ctx, report, skip) => {
    const found = artefacts(ctx);
    if (found.length === 0) {
      skip(absent);
      return;
    }
    const gap = gapOf(ctx, found);
    for (const pod of services(ctx)) {
      const text = gap(pod);
      if (text !== undefined) report(pod.object, statement(text));
    }
  });
}

/** Whether a ServiceMonitor scrapes a Service: it selects the Service's labels in a namespace it covers. */
function scrapes(ctx: PolicyContext, monitor: ManifestObject, service: ManifestObject): boolean {
  const spec = monitor.manifest.spec ?? {};
  const namespaces = spec.namespaceSelector;
  const namespace = ctx.namespaceOf(service);
  const inScope =
    namespaces?.any === true
    || (asArray(namespaces?.matchNames).length > 0
      ? asArray(namespaces.matchNames).includes(namespace)
      : ctx.namespaceOf(monitor) === namespace);
  const labels = stringMap(service.manifest.metadata?.labels);
  return inScope && monitor.cluster === service.cluster && labelSelectorMatches(spec.selector, labels);
}

export const COMPLETE_SERVICEMONITOR = everyServiceHas(
  {
    id: 'COMPLETE-SERVICEMONITOR',
    severity: 'error',
    title: 'Every service is scraped by a ServiceMonitor',
    rationale: 'A service without metrics cannot be alerted on or scaled on custom metrics.',
    source: 'Platform rule (production deployment guide: monitoring for every service)',
    fix: "Add a ServiceMonitor whose selector matches the service's Service labels and whose namespaceSelector covers its namespace.",
  },
  (ctx) => ctx.ofKind(MONITORING, 'ServiceMonitor'),
  'no ServiceMonitor in the manifests: monitoring is not built yet',
  (ctx, monitors) => {
    const index = new SelectorIndex<ManifestObject>();
    for (const monitor of monitors) index.add(monitor, monitor.manifest.spec?.selector?.matchLabels);
    return (pod) => {
      const scraped = ctx
        .servicesSelecting(pod)
        .some((service) =>
          index.candidates(stringMap(service.manifest.metadata?.labels)).some((monitor) => scrapes(ctx, monitor, service)),
        );
      return scraped
        ? undefined
        : `is a service (${ctx
            .servicesSelecting(pod)
            .map((s) => s.label)
            .join(', ')}) that no ServiceMonitor scrapes; add one for its metrics port`;
    };
  },
);

export const COMPLETE_SLO_RULES = everyServiceHas(
  {
    id: 'COMPLETE-SLO-RULES',
    severity: 'error',
    title: 'Every service has SLO alerting rules',
    rationale: 'Without SLO alerts, an outage is noticed by users first.',
    source: 'Platform rule (production deployment guide: SLO burn-rate alerts)',
    fix: `Add a PrometheusRule labelled '${LABEL_NAME}: <service>' with the service's SLO burn-rate alerts.`,
  },
  (ctx) => ctx.ofKind(MONITORING, 'PrometheusRule'),
  'no PrometheusRule in the manifests: SLO alerting is not built yet',
  (_ctx, rules) => {
    const byName = byNameLabel(rules);
    const alerts = (rule: ManifestObject) =>
      asArray(rule.manifest.spec?.groups).some((g: any) => asArray(g?.rules).some((r: any) => typeof r?.alert === 'string'));
    return (pod) => {
      const name = serviceName(pod);
      if ((byName.get(nameKey(pod.object.cluster, name)) ?? []).some(alerts)) return undefined;
      return `is service '${name}', which no PrometheusRule labelled '${LABEL_NAME}: ${name}' with an alert covers; add its SLO alerts`;
    };
  },
);

export const COMPLETE_DASHBOARD = everyServiceHas(
  {
    id: 'COMPLETE-DASHBOARD',
    severity: 'error',
    title: 'Every service has a Grafana dashboard',
    rationale: 'On-call engineers need a dashboard per service to diagnose an alert.',
    source: 'Platform rule (production deployment guide: dashboards for every service)',
    fix: `Add a ConfigMap labelled '${DASHBOARD_LABEL}: "1"' and '${LABEL_NAME}: <service>' holding the dashboard JSON.`,
  },
  (ctx) => ctx.ofKind('', 'ConfigMap').filter((c) => stringMap(c.manifest.metadata?.labels)[DASHBOARD_LABEL] !== undefined),
  `no ConfigMap labelled ${DASHBOARD_LABEL} in the manifests: dashboards are not built yet`,
  (_ctx, dashboards) => {
    const byName = byNameLabel(dashboards);
    return (pod) => {
      const name = serviceName(pod);
      if (byName.has(nameKey(pod.object.cluster, name))) return undefined;
      return `is service '${name}', which has no dashboard ConfigMap labelled '${DASHBOARD_LABEL}' and '${LABEL_NAME}: ${name}'; add one`;
    };
  },
);

/** The completeness rules. */
export const COMPLETENESS_RULES: readonly PolicyRule[] = [COMPLETE_SERVICEMONITOR, COMPLETE_SLO_RULES, COMPLETE_DASHBOARD];

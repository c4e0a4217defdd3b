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
import { ManifestObject, PolicyRule, statement } from '../findings';
import { ctxOf, PodTemplate, PolicyContext } from './_context';
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

export const COMPLETE_SERVICEMONITOR: PolicyRule = {
  id: 'COMPLETE-SERVICEMONITOR',
  severity: 'error',
  title: 'Every service is scraped by a ServiceMonitor',
  rationale: 'A service without metrics cannot be alerted on or scaled on custom metrics.',
  source: 'Platform rule (production deployment guide: monitoring for every service)',
  fix: "Add a ServiceMonitor whose selector matches the service's Service labels and whose namespaceSelector covers its namespace.",
  check(context) {
    const ctx = ctxOf(context);
    const monitors = ctx.ofKind(MONITORING, 'ServiceMonitor');
    if (monitors.length === 0) {
      ctx.skip(COMPLETE_SERVICEMONITOR, 'no ServiceMonitor in the manifests: monitoring is not built yet');
      return;
    }
    const index = new SelectorIndex<ManifestObject>();
    for (const monitor of monitors) index.add(monitor, monitor.manifest.spec?.selector?.matchLabels);
    const scrapes = (monitor: ManifestObject, service: ManifestObject) => {
      const spec = monitor.manifest.spec ?? {};
      const namespaces = spec.namespaceSelector;
      const namespace = ctx.namespaceOf(service);
      const inScope = namespaces?.any === true
        || (asArray(namespaces?.matchNames).length > 0 ? asArray(namespaces.matchNames).includes(namespace) : ctx.namespaceOf(monitor) === namespace);
      const labels = stringMap(service.manifest.metadata?.labels);
      return inScope && monitor.cluster === service.cluster && labelSelectorMatches(spec.selector, labels);
    };
    for (const pod of services(ctx)) {
      const scraped = ctx.servicesSelecting(pod).some((service) =>
        index.candidates(stringMap(service.manifest.metadata?.labels)).some((monitor) => scrapes(monitor, service)));
      if (!scraped) {
        ctx.report(COMPLETE_SERVICEMONITOR, pod.object, statement(`is a service (${ctx.servicesSelecting(pod).map((s) => s.label).join(', ')}) that no ServiceMonitor scrapes; add one for its metrics port`));
      }
    }
  },
};

export const COMPLETE_SLO_RULES: PolicyRule = {
  id: 'COMPLETE-SLO-RULES',
  severity: 'error',
  title: 'Every service has SLO alerting rules',
  rationale: 'Without SLO alerts, an outage is noticed by users first.',
  source: 'Platform rule (production deployment guide: SLO burn-rate alerts)',
  fix: `Add a PrometheusRule labelled '${LABEL_NAME}: <service>' with the service's SLO burn-rate alerts.`,
  check(context) {
    const ctx = ctxOf(context);
    const rules = ctx.ofKind(MONITORING, 'PrometheusRule');
    if (rules.length === 0) {
      ctx.skip(COMPLETE_SLO_RULES, 'no PrometheusRule in the manifests: SLO alerting is not built yet');
      return;
    }
    const byName = byNameLabel(rules);
    const alerts = (rule: ManifestObject) => asArray(rule.manifest.spec?.groups).some((g: any) => asArray(g?.rules).some((r: any) => typeof r?.alert === 'string'));
    for (const pod of services(ctx)) {
      const name = serviceName(pod);
      if (!(byName.get(nameKey(pod.object.cluster, name)) ?? []).some(alerts)) {
        ctx.report(COMPLETE_SLO_RULES, pod.object, statement(`is service '${name}', which no PrometheusRule labelled '${LABEL_NAME}: ${name}' with an alert covers; add its SLO alerts`));
      }
    }
  },
};

export const COMPLETE_DASHBOARD: PolicyRule = {
  id: 'COMPLETE-DASHBOARD',
  severity: 'error',
  title: 'Every service has a Grafana dashboard',
  rationale: 'On-call engineers need a dashboard per service to diagnose an alert.',
  source: 'Platform rule (production deployment guide: dashboards for every service)',
  fix: `Add a ConfigMap labelled '${DASHBOARD_LABEL}: "1"' and '${LABEL_NAME}: <service>' holding the dashboard JSON.`,
  check(context) {
    const ctx = ctxOf(context);
    const dashboards = ctx.ofKind('', 'ConfigMap').filter((c) => stringMap(c.manifest.metadata?.labels)[DASHBOARD_LABEL] !== undefined);
    if (dashboards.length === 0) {
      ctx.skip(COMPLETE_DASHBOARD, `no ConfigMap labelled ${DASHBOARD_LABEL} in the manifests: dashboards are not built yet`);
      return;
    }
    const byName = byNameLabel(dashboards);
    for (const pod of services(ctx)) {
      const name = serviceName(pod);
      if (!byName.has(nameKey(pod.object.cluster, name))) {
        ctx.report(COMPLETE_DASHBOARD, pod.object, statement(`is service '${name}', which has no dashboard ConfigMap labelled '${DASHBOARD_LABEL}' and '${LABEL_NAME}: ${name}'; add one`));
      }
    }
  },
};

/** The completeness rules. */
export const COMPLETENESS_RULES: readonly PolicyRule[] = [COMPLETE_SERVICEMONITOR, COMPLETE_SLO_RULES, COMPLETE_DASHBOARD];

/**
 * Scrape reachability: Prometheus reaches every target its ServiceMonitors and PodMonitors
 * select, as far as the NetworkPolicies in the input tell. Prometheus's pods are those of a
 * `Prometheus` object in the input (the Prometheus Operator labels them
 * `app.kubernetes.io/name: prometheus` and `prometheus: <name>`) or, when the operator's
 * objects live elsewhere, the pods a NetworkPolicy of the input selects by
 * `app.kubernetes.io/name: prometheus`. Without either, nothing is judged.
 */
import { isPlainObject, LABEL_NAME } from '../../core';
import { ManifestObject, PolicyRule, statement } from '../findings';
import { PodTemplate, PolicyContext } from './_context';
import { LabelIndex } from '../label-index';
import { inputRule } from './_rule';
import { allows } from './_netpol';
import { asArray, labelSelectorMatches, mapMatches } from './_selectors';

interface PrometheusPods {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly cluster: string;
}

function prometheusPods(ctx: PolicyContext): PrometheusPods[] {
  const fromObjects = ctx
    .ofKind('monitoring.coreos.com', 'Prometheus')
    .map((p) => ({ namespace: ctx.namespaceOf(p), cluster: p.cluster, labels: { [LABEL_NAME]: 'prometheus', prometheus: p.name } }));
  const fromPolicies = ctx
    .ofKind('networking.k8s.io', 'NetworkPolicy')
    .filter((p) => p.manifest.spec?.podSelector?.matchLabels?.[LABEL_NAME] === 'prometheus')
    .map((p) => ({ namespace: ctx.namespaceOf(p), cluster: p.cluster, labels: { ...p.manifest.spec.podSelector.matchLabels } }));
  const seen = new Set<string>();
  return [...fromObjects, ...fromPolicies].filter((p) => {
    const key = `${p.cluster}\n${p.namespace}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The namespaces a monitor's `namespaceSelector` names (`undefined`: any). */
function monitorNamespaces(ctx: PolicyContext, monitor: ManifestObject): string[] | undefined {
  const selector = monitor.manifest.spec?.namespaceSelector;
  if (selector?.any === true) return undefined;
  const names = asArray(selector?.matchNames).filter((n): n is string => typeof n === 'string');
  return names.length > 0 ? names : [ctx.namespaceOf(monitor)];
}

/** The container port of a pod by name or number. */
function containerPort(pod: PodTemplate, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  for (const c of asArray(pod.spec.containers))
    for (const p of asArray(c?.ports)) if (p?.name === port && typeof p.containerPort === 'number') return p.containerPort;
  return undefined;
}

interface Positioned<T> {
  readonly item: T;
  readonly position: number;
}

/** A context's Services and pods by scope, so that a monitor looks only at the namespaces it selects from and the labels it selects. */
interface ScopeIndex {
  readonly services: Map<string, LabelIndex<Positioned<ManifestObject>>>;
  readonly pods: Map<string, LabelIndex<Positioned<PodTemplate>>>;
  /** Each cluster's scopes. */
  readonly scopes: Map<string, Set<string>>;
}

const scopeIndexes = new WeakMap<PolicyContext, ScopeIndex>();

function scopeIndex(ctx: PolicyContext): ScopeIndex {
  const known = scopeIndexes.get(ctx);
  if (known) return known;
  const index: ScopeIndex = { services: new Map(), pods: new Map(), scopes: new Map() };
  const add = <T>(
    map: Map<string, LabelIndex<Positioned<T>>>,
    cluster: string,
    scope: string,
    positioned: Positioned<T>,
    labels: unknown,
  ) => {
    let items = map.get(scope);
    if (!items) map.set(scope, (items = new LabelIndex()));
    items.add(positioned, labels);
    const scopes = index.scopes.get(cluster);
    if (scopes) scopes.add(scope);
    else index.scopes.set(cluster, new Set([scope]));
  };
  ctx
    .ofKind('', 'Service')
    .forEach((item, position) => add(index.services, item.cluster, ctx.scopeOf(item), { item, position }, item.manifest.metadata?.labels));
  ctx.pods.forEach((item, position) => add(index.pods, item.object.cluster, item.scope, { item, position }, item.labels));
  scopeIndexes.set(ctx, index);
  return index;
}

/**
 * The items of `map` in the monitor's scopes (its cluster, the namespaces it selects from) that
 * `selector` may select, in input order: a superset (those with the selector's rarest required
 * label), to be checked one by one.
 */
function inScopes<T>(ctx: PolicyContext, map: Map<string, LabelIndex<Positioned<T>>>, monitor: ManifestObject, selector: any): T[] {
  const namespaces = monitorNamespaces(ctx, monitor);
  const scopes =
    namespaces === undefined
      ? [...(scopeIndex(ctx).scopes.get(monitor.cluster) ?? [])]
      : [...new Set(namespaces)].map((ns) => ctx.scopeOf(monitor, ns));
  const found = scopes.flatMap((scope) => map.get(scope)?.withRequired(selector?.matchLabels) ?? []);
  if (scopes.length > 1) found.sort((a, b) => a.position - b.position);
  return found.map((f) => f.item);
}

/** Each (pod, port) a monitor scrapes, with the port's name where known. */
function targets(ctx: PolicyContext, monitor: ManifestObject): { pod: PodTemplate; port: number; name?: string }[] {
  const index = scopeIndex(ctx);
  const selector = monitor.manifest.spec?.selector ?? {};
  const out: { pod: PodTemplate; port: number; name?: string }[] = [];
  if (monitor.kind === 'PodMonitor') {
    for (const pod of inScopes(ctx, index.pods, monitor, selector).filter((p) => labelSelectorMatches(selector, p.labels))) {
      for (const endpoint of asArray(monitor.manifest.spec?.podMetricsEndpoints)) {
        const port = containerPort(pod, endpoint?.port ?? endpoint?.targetPort);
        if (port !== undefined) out.push({ pod, port, name: typeof endpoint?.port === 'string' ? endpoint.port : undefined });
      }
    }
    return out;
  }
  const services = inScopes(ctx, index.services, monitor, selector);
  for (const service of services.filter((s) =>
    labelSelectorMatches(selector, isPlainObject(s.manifest.metadata?.labels) ? s.manifest.metadata.labels : {}),
  )) {
    const podSelector = service.manifest.spec?.selector;
    if (!isPlainObject(podSelector) || Object.keys(podSelector).length === 0) continue;
    const pods = (index.pods.get(ctx.scopeOf(service))?.withRequired(podSelector) ?? [])
      .map((p) => p.item)
      .filter((p) => mapMatches(podSelector, p.labels));
    for (const endpoint of asArray(monitor.manifest.spec?.endpoints)) {
      const servicePort = asArray(service.manifest.spec?.ports).find(
        (p: any) => p?.name === endpoint?.port || (endpoint?.targetPort !== undefined && p?.targetPort === endpoint.targetPort),
      );
      if (!servicePort) continue;
      const target = servicePort.targetPort ?? servicePort.port;
      for (const pod of pods) {
        const port = containerPort(pod, target);
        if (port !== undefined) out.push({ pod, port, name: typeof target === 'string' ? target : undefined });
      }
    }
  }
  return out;
}

export const NET_SCRAPE_REACHABLE = inputRule(
  {
    id: 'NET-SCRAPE-REACHABLE',
    severity: 'error',
    title: 'Prometheus reaches every target its ServiceMonitors and PodMonitors select',
    rationale:
      "A target that the NetworkPolicies keep from Prometheus is silently down: its alerts, dashboards and the autoscalers' metrics go blank.",
    source: 'Prometheus Operator documentation, "ServiceMonitor" and "PodMonitor"; Kubernetes "Network Policies"; platform rule (issue 15)',
    fix: "Allow Prometheus's pods to reach the target on its metrics port (Prometheus's egress) and the target to admit them (the target's ingress).",
  },
  (ctx, report) => {
    const monitors = [...ctx.ofKind('monitoring.coreos.com', 'ServiceMonitor'), ...ctx.ofKind('monitoring.coreos.com', 'PodMonitor')];
    if (monitors.length === 0) return;
    const servers = prometheusPods(ctx);
    for (const monitor of monitors) {
      for (const prometheus of servers.filter((p) => p.cluster === monitor.cluster)) {
        const reported = new Set<string>();
        for (const { pod, port, name } of targets(ctx, monitor)) {
          const egress = allows(ctx, monitor, prometheus.namespace, prometheus.labels, 'Egress', pod.namespace, pod.labels, port, name);
          const ingress = allows(ctx, monitor, pod.namespace, pod.labels, 'Ingress', prometheus.namespace, prometheus.labels, port, name);
          const key = `${pod.object.label} ${port}`;
          if ((egress && ingress) || reported.has(key)) continue;
          reported.add(key);
          const blockedBy = [
            ...(egress ? [] : [`the egress of Prometheus's pods in ${prometheus.namespace}`]),
            ...(ingress ? [] : [`the ingress of ${pod.object.label}`]),
          ].join(' and ');
          report(
            monitor,
            statement(
              `selects ${pod.object.label} on port ${port}, which the NetworkPolicies keep from Prometheus (${blockedBy}); allow it`,
            ),
          );
        }
      }
    }
  },
);

/** The scrape reachability rules. */
export const SCRAPE_RULES: readonly PolicyRule[] = [NET_SCRAPE_REACHABLE];

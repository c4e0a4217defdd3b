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

/** Each (pod, port) a monitor scrapes, with the port's name where known. */
function targets(ctx: PolicyContext, monitor: ManifestObject): { pod: PodTemplate; port: number; name?: string }[] {
  const namespaces = monitorNamespaces(ctx, monitor);
  const inScope = (o: { namespace: string; cluster: string }) =>
    o.cluster === monitor.cluster && (namespaces === undefined || namespaces.includes(o.namespace));
  const selector = monitor.manifest.spec?.selector ?? {};
  const out: { pod: PodTemplate; port: number; name?: string }[] = [];
  if (monitor.kind === 'PodMonitor') {
    for (const pod of ctx.pods.filter(
      (p) => inScope({ namespace: p.namespace, cluster: p.object.cluster }) && labelSelectorMatches(selector, p.labels),
    )) {
      for (const endpoint of asArray(monitor.manifest.spec?.podMetricsEndpoints)) {
        const port = containerPort(pod, endpoint?.port ?? endpoint?.targetPort);
        if (port !== undefined) out.push({ pod, port, name: typeof endpoint?.port === 'string' ? endpoint.port : undefined });
      }
    }
    return out;
  }
  for (const service of ctx
    .ofKind('', 'Service')
    .filter(
      (s) =>
        inScope({ namespace: ctx.namespaceOf(s), cluster: s.cluster })
        && labelSelectorMatches(selector, isPlainObject(s.manifest.metadata?.labels) ? s.manifest.metadata.labels : {}),
    )) {
    const podSelector = service.manifest.spec?.selector;
    if (!isPlainObject(podSelector) || Object.keys(podSelector).length === 0) continue;
    const pods = ctx.pods.filter((p) => p.scope === ctx.scopeOf(service) && mapMatches(podSelector, p.labels));
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

/**
 * Alerts that keep autoscaling honest. When the HPA cannot read one of its metrics, Kubernetes
 * skips every scale-down the other metrics propose (it still scales up on the ones it can
 * read), and a metric that only the metrics adapter serves stops steering the scale altogether:
 * silent, until the bill or the next load spike. These alerts page instead.
 *
 * Series read: the scaling metrics' own series (as `scalingMetricSource` derives them),
 * kube-state-metrics' `kube_horizontalpodautoscaler_status_condition`, and the API server's
 * `aggregator_unavailable_apiservice` (label `name`: the APIService), which Prometheus has only
 * where it scrapes the API server (kube-prometheus's `apiserver` ServiceMonitor).
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
import { PropProblem } from '../core';
import { sortedRecord } from '../core/validation';
import {
  METRICS_ADAPTER_CONFIG_KEY,
  METRICS_ADAPTER_CONFIG_NAME,
  PROMETHEUS_ADAPTER,
  ScalingMetric,
  scalingMetricSource,
} from '../autoscaling';
import { isPromDuration, labelEq, labelIn, LabelMatcher, labelRe, seriesSelector } from './promql';
import { AlertRule, Rule, Runbook, switchBackStep, SwitchBackOptions } from './rule';
import { throwOptionProblems } from './service-options';
import { Severity } from './severity';

/** A metric an HPA scales on: whose HPA, in which namespaces. */
export interface ScalingMetricUse {
  /** The service whose HPA scales on it (its series carry `service="<service>"` when it is a `Pods` metric). */
  readonly service: string;
  readonly metric: ScalingMetric;
  /** The namespaces of the service's HPAs (one per colour). */
  readonly namespaces: readonly string[];
}

export interface ScalingMetricRuleOptions extends SwitchBackOptions {
  /** Every custom and external metric the HPAs use. */
  readonly metrics: readonly ScalingMetricUse[];
  /** The namespaces whose HPAs `AutoscalerMetricsUnavailable` watches. */
  readonly hpaNamespaces: readonly string[];
  /** The metrics adapter's namespace, for the runbooks' commands. */
  readonly adapterNamespace: string;
  /**
   * How long a metric's series may have no sample before `ScalingMetricAbsent` fires (the
   * alert then waits 5 more minutes), as a Prometheus duration.
   * @default '10m'
   */
  readonly absentFor?: string;
}

/** The APIServices the metrics adapter serves (`aggregator_unavailable_apiservice`'s `name`), as a regex. */
const METRICS_API_SERVICES = 'v1beta1\\.(custom|external)\\.metrics\\.k8s\\.io';

/**
 * Most `absent_over_time` checks one `ScalingMetricAbsent` rule joins with `or`; a metric used by
 * more services gets several rules of that name. The Prometheus UI's PromQL grammar (the one
 * `promQlSyntaxError` checks with) finds a syntax error in a chain of 200 such checks (some
 * 12,000 characters) that Prometheus itself accepts, and a reviewer reads a short rule better.
 */
const MAX_ABSENT_CHECKS = 50;

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/**
 * `ScalingMetricAbsent` (one rule per metric and MAX_ABSENT_CHECKS series, labels `metric` and, for several, `part`; one
 * alert per namespace and service whose series has had no sample for `absentFor`): the series an adapter rule reads is
 * gone, so the adapter has nothing to serve. `AutoscalerMetricsUnavailable` (per HPA): the HPA
 * itself reports that it cannot read a metric (`ScalingActive` false for 15 minutes), whatever
 * the cause: adapter not installed, APIService not registered, rule missing; the HPA sets it only
 * when all of its metrics are unreadable or the result would scale down.
 * `MetricsApiServiceUnavailable` (per APIService): the API server has marked
 * `v1beta1.custom.metrics.k8s.io` or `v1beta1.external.metrics.k8s.io` unavailable for 10
 * minutes (adapter down, no ready endpoint, unreachable): no HPA can read those metrics, and while
 * CPU is steady none of them reports ScalingActive=False. All three page.
 */
export function scalingMetricRules(options: ScalingMetricRuleOptions): Rule[] {
  const window = options.absentFor ?? '10m';
  const problems: PropProblem[] = [];
  if (!isPromDuration(window)) problems.push({ prop: 'absentFor', value: window, rule: 'must be a Prometheus duration such as "10m"' });
  if (options.hpaNamespaces.length === 0)
    problems.push({ prop: 'hpaNamespaces', value: options.hpaNamespaces, rule: 'must list at least one namespace' });
  throwOptionProblems('scalingMetricRules', problems);

  const absent = absentRules(options, window);
  const unavailable = new AlertRule({
    alert: 'AutoscalerMetricsUnavailable',
    expr: `${seriesSelector('kube_horizontalpodautoscaler_status_condition', [
      labelEq('condition', 'ScalingActive'),
      labelIn('namespace', options.hpaNamespaces),
      labelEq('status', 'false'),
    ])} == 1`,
    for: '15m',
    severity: Severity.page(),
    summary: 'HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} cannot read its metrics.',
    description:
      'HorizontalPodAutoscaler {{ $labels.horizontalpodautoscaler }} in {{ $labels.namespace }} has reported ScalingActive=False for 15 minutes: '
      + 'it cannot fetch a metric (from metrics-server or the metrics adapter), so it does not scale down, and not up on that metric.',
    runbook: unavailableRunbook(options.adapterNamespace),
  });
  // One series per API server: the worst view counts (an API server that cannot reach the adapter
  // fails the HPA requests it serves).
  const apiServiceDown = new AlertRule({
    alert: 'MetricsApiServiceUnavailable',
    expr: `max by (name) (${seriesSelector('aggregator_unavailable_apiservice', [labelRe('name', METRICS_API_SERVICES)])}) == 1`,
    for: '10m',
    severity: Severity.page(),
    summary: 'The metrics API {{ $labels.name }} is unavailable.',
    description:
      'The API server has marked APIService {{ $labels.name }} unavailable for 10 minutes: the metrics adapter is down or unreachable. '
      + 'No HorizontalPodAutoscaler can read its custom or external metrics, so they skip every scale-down and cannot scale up on those metrics.',
    runbook: apiServiceRunbook(options.adapterNamespace),
  });
  return [...absent, unavailable, apiServiceDown];
}

/** The `ScalingMetricAbsent` rules of each metric, MAX_ABSENT_CHECKS series at most in each. */
function absentRules(options: ScalingMetricRuleOptions, window: string): AlertRule[] {
  const byMetric = new Map<string, ScalingMetricUse[]>();
  for (const use of options.metrics) byMetric.set(use.metric.name, [...(byMetric.get(use.metric.name) ?? []), use]);
  return [...byMetric.keys()]
    .sort()
    .map((name) => {
      const uses = byMetric.get(name)!;
      const { series } = scalingMetricSource(name);
      const checks = uses.flatMap((use) =>
        [...use.namespaces].sort().map((ns) => {
          const matchers: LabelMatcher[] = [labelEq('namespace', ns)];
          if (use.metric.type === 'Pods') matchers.push(labelEq('service', use.service));
          for (const [label, value] of Object.entries(sortedRecord(use.metric.selector ?? {}))) matchers.push(labelEq(label, value));
          return `absent_over_time(${seriesSelector(series, matchers)}[${window}])`;
        }),
      );
      const parts = chunks([...new Set(checks)], MAX_ABSENT_CHECKS);
      return parts.map(
        (part, i) =>
          new AlertRule({
            alert: 'ScalingMetricAbsent',
            expr: part.join(' or '),
            for: '5m',
            severity: Severity.page(),
            // Rules of one group need distinct labels: a metric's several rules are numbered.
            labels: { metric: name, ...(parts.length > 1 ? { part: `${i + 1}/${parts.length}` } : {}) },
            summary: `Scaling metric ${name} has no samples in {{ $labels.namespace }}.`,
            description: `No sample of ${series} in {{ $labels.namespace }} for ${window}: the metrics adapter cannot serve ${name}, so its HorizontalPodAutoscalers cannot scale on it and skip every scale-down.`,
            runbook: absentRunbook(options.switchTrafficCommand),
          }),
      );
    })
    .flat();
}

function absentRunbook(switchTrafficCommand: string | undefined): Runbook {
  return {
    meaning:
      "A series that the metrics adapter turns into an autoscaling metric has had no sample for the alert's window: "
      + 'the pods stopped emitting it, Prometheus stopped scraping them, or the series was renamed.',
    impact:
      'The HorizontalPodAutoscalers that scale on the metric cannot read it. Kubernetes then skips every scale-down '
      + '(the service keeps its peak replica count) and scales up on CPU and memory only, too late for load the metric would have announced.',
    variables: { METRIC: 'metric', NAMESPACE: 'namespace', SERVICE: 'service' },
    diagnosis: [
      {
        text: 'See what the HPAs report for the metric: `<unknown>` and a FailedGetPodsMetric or FailedGetExternalMetric event confirm it.',
        commands: ['kubectl -n "$NAMESPACE" describe hpa'],
      },
      {
        text:
          'For a Pods metric (the alert has a `service` label), check that Prometheus still scrapes the service (target up) and whether the series exists under another name or label set. '
          + 'A metric named `<base>_per_second` is read from the counter `<base>_total`; any other from a gauge of its own name.',
        queries: [
          'up{namespace="$NAMESPACE",service="$SERVICE"}',
          '{__name__=~"$METRIC|.*_total", namespace="$NAMESPACE", service="$SERVICE"}',
        ],
      },
      {
        text: `If the series exists in Prometheus under the same name, compare its labels with the HPA's metric selector and the seriesQuery of the adapter rule (ConfigMap ${METRICS_ADAPTER_CONFIG_NAME}, key ${METRICS_ADAPTER_CONFIG_KEY}).`,
      },
    ],
    mitigation: [
      { text: "If the pods are down or unscraped, follow the service's own alerts (ServiceDown, scrape errors) first." },
      switchBackStep(
        'If a release renamed or dropped the metric, roll back by switching traffic to the previous colour, then restore the metric or change `autoscaling.metrics` in the platform spec and synthesize: the adapter rules are generated from it.',
        switchTrafficCommand,
      ),
      {
        text: 'While the metric is missing, an over-provisioned service can be scaled down by lowering `autoscaling.maxReplicas` in the platform spec.',
      },
    ],
  };
}

function unavailableRunbook(adapterNamespace: string): Runbook {
  return {
    meaning: 'The HorizontalPodAutoscaler could not fetch at least one of its metrics for 15 minutes and reports ScalingActive=False.',
    impact:
      'The autoscaler skips every scale-down while a metric is unreadable, and cannot scale up on that metric: '
      + 'the service runs at a fixed size that matches neither a quiet night nor the next spike.',
    variables: { NAMESPACE: 'namespace', HPA: 'horizontalpodautoscaler' },
    diagnosis: [
      {
        text: "Read the condition's reason and the events: FailedGetResourceMetric points to metrics-server; FailedGetPodsMetric or FailedGetExternalMetric to the metrics adapter.",
        commands: ['kubectl -n "$NAMESPACE" describe hpa "$HPA"'],
      },
      {
        text: 'Check that the metrics APIs are registered and available, and what the adapter serves.',
        commands: [
          'kubectl get apiservice v1beta1.metrics.k8s.io v1beta1.custom.metrics.k8s.io v1beta1.external.metrics.k8s.io',
          'kubectl get --raw /apis/custom.metrics.k8s.io/v1beta1',
          'kubectl get --raw "/apis/external.metrics.k8s.io/v1beta1/namespaces/$NAMESPACE"',
        ],
      },
      {
        text: 'Check the adapter: its pods, its logs (Prometheus unreachable, config errors) and the config it mounts.',
        commands: [
          `kubectl -n ${adapterNamespace} get pods -l app.kubernetes.io/name=prometheus-adapter`,
          `kubectl -n ${adapterNamespace} logs deploy/prometheus-adapter --tail=100`,
          `kubectl -n ${adapterNamespace} get configmap ${METRICS_ADAPTER_CONFIG_NAME} -o jsonpath='{.data.config\\.yaml}'`,
        ],
      },
    ],
    mitigation: [
      {
        text: 'If the adapter is missing or its APIService unavailable, install or repair it as the cluster prerequisites describe (dist/reports/cluster-prerequisites.md).',
      },
      {
        text: `If the adapter runs but does not serve the metric, check that its \`rules.existing\` points at ${METRICS_ADAPTER_CONFIG_NAME} and restart it after a config change.`,
        commands: [`kubectl -n ${adapterNamespace} rollout restart deploy/${PROMETHEUS_ADAPTER}`],
      },
      { text: 'If metrics-server is the cause, restore it; CPU and memory scaling depends on it.' },
    ],
  };
}

function apiServiceRunbook(adapterNamespace: string): Runbook {
  return {
    meaning:
      'The API server has marked the APIService of the custom or external metrics API (label `name`) unavailable for 10 minutes: '
      + 'it cannot reach the metrics adapter (prometheus-adapter) that serves it, or the adapter fails its discovery check.',
    impact:
      'Every HorizontalPodAutoscaler that scales on a custom (`Pods`) or external metric cannot read it: it skips every scale-down, '
      + 'and scales up on CPU and memory only, too late for load its metrics would have announced. kubectl and controllers that discover every API may report errors too.',
    variables: { APISERVICE: 'name' },
    diagnosis: [
      {
        text:
          "Read the APIService's Available condition: MissingEndpoints means no ready adapter pod behind its Service; "
          + 'FailedDiscoveryCheck that the API server cannot reach the adapter (network policy, TLS) or the adapter answers with errors; ServiceNotFound that the Service is missing.',
        commands: ['kubectl describe apiservice "$APISERVICE"'],
        queries: [
          'max by (name) (aggregator_unavailable_apiservice{name="$APISERVICE"})',
          'sum by (name, reason) (increase(aggregator_unavailable_apiservice_total{name="$APISERVICE"}[1h]))',
        ],
      },
      {
        text: 'Check the adapter: its pods and their readiness, its logs (Prometheus unreachable, config or certificate errors).',
        commands: [
          `kubectl -n ${adapterNamespace} get pods -l app.kubernetes.io/name=prometheus-adapter -o wide`,
          `kubectl -n ${adapterNamespace} logs deploy/prometheus-adapter --tail=100`,
        ],
      },
      {
        text:
          'If the pods are ready, ask the API itself; an error from the API server here, while the adapter is healthy, points to the path between them: '
          + "the NetworkPolicies, Istio AuthorizationPolicies and PeerAuthentications of the adapter's namespace must admit the API server (outside the mesh) on the adapter's secure port 6443.",
        commands: [
          'kubectl get --raw "/apis/${APISERVICE#v1beta1.}/v1beta1"',
          `kubectl -n ${adapterNamespace} get networkpolicies,authorizationpolicies.security.istio.io,peerauthentications.security.istio.io`,
        ],
      },
    ],
    mitigation: [
      {
        text: "If the adapter's pods are not ready or stuck, restart it and wait for the rollout; the API server marks the APIService available again once the adapter answers.",
        commands: [
          `kubectl -n ${adapterNamespace} rollout restart deploy/prometheus-adapter`,
          `kubectl -n ${adapterNamespace} rollout status deploy/prometheus-adapter`,
        ],
      },
      {
        text: 'If the adapter is missing or its APIService points elsewhere, install or repair it as the cluster prerequisites describe (dist/reports/cluster-prerequisites.md).',
      },
      {
        text: 'Until the API is back, the HPAs do not scale on their metrics: if load rises, raise `autoscaling.minReplicas` of the affected services in the platform spec and synthesize.',
      },
    ],
  };
}

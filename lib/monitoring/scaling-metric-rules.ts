/**
 * Alerts that keep autoscaling honest. When the HPA cannot read one of its metrics, Kubernetes
 * skips every scale-down the other metrics propose (it still scales up on the ones it can
 * read), and a metric that only the metrics adapter serves stops steering the scale altogether:
 * silent, until the bill or the next load spike. These alerts page instead.
 *
 * Series read: the scaling metrics' own series (as `scalingMetricSource` derives them) and
 * kube-state-metrics' `kube_horizontalpodautoscaler_status_condition`.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
import { PropProblem } from '../core';
import { ScalingMetric, scalingMetricSource } from '../autoscaling';
import { isPromDuration, labelEq, labelIn, LabelMatcher, seriesSelector } from './promql';
import { AlertRule, Rule, Runbook } from './rule';
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

export interface ScalingMetricRuleOptions {
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

/**
 * `ScalingMetricAbsent` (one rule per metric, label `metric`; one alert per namespace and
 * service whose series has had no sample for `absentFor`): the series an adapter rule reads is
 * gone, so the adapter has nothing to serve. `AutoscalerMetricsUnavailable` (per HPA): the HPA
 * itself reports that it cannot read a metric (`ScalingActive` false for 15 minutes), whatever
 * the cause: adapter not installed, APIService not registered, rule missing. Both page.
 */
export function scalingMetricRules(options: ScalingMetricRuleOptions): Rule[] {
  const window = options.absentFor ?? '10m';
  const problems: PropProblem[] = [];
  if (!isPromDuration(window)) problems.push({ prop: 'absentFor', value: window, rule: 'must be a Prometheus duration such as "10m"' });
  if (options.hpaNamespaces.length === 0) problems.push({ prop: 'hpaNamespaces', value: options.hpaNamespaces, rule: 'must list at least one namespace' });
  throwOptionProblems('scalingMetricRules', problems);

  const byMetric = new Map<string, ScalingMetricUse[]>();
  for (const use of options.metrics) byMetric.set(use.metric.name, [...(byMetric.get(use.metric.name) ?? []), use]);
  const absent = [...byMetric.keys()].sort().map((name) => {
    const uses = byMetric.get(name)!;
    const { series } = scalingMetricSource(name);
    const checks = uses.flatMap((use) => [...use.namespaces].sort().map((ns) => {
      const matchers: LabelMatcher[] = [labelEq('namespace', ns)];
      if (use.metric.type === 'Pods') matchers.push(labelEq('service', use.service));
      for (const [label, value] of Object.entries(use.metric.selector ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) matchers.push(labelEq(label, value));
      return `absent_over_time(${seriesSelector(series, matchers)}[${window}])`;
    }));
    return new AlertRule({
      alert: 'ScalingMetricAbsent',
      expr: [...new Set(checks)].join(' or '),
      for: '5m',
      severity: Severity.page(),
      labels: { metric: name },
      summary: `Scaling metric ${name} has no samples in {{ $labels.namespace }}.`,
      description: `No sample of ${series} in {{ $labels.namespace }} for ${window}: the metrics adapter cannot serve ${name}, so its HorizontalPodAutoscalers cannot scale on it and skip every scale-down.`,
      runbook: ABSENT_RUNBOOK,
    });
  });
  const unavailable = new AlertRule({
    alert: 'AutoscalerMetricsUnavailable',
    expr: `${seriesSelector('kube_horizontalpodautoscaler_status_condition', [
      labelEq('condition', 'ScalingActive'), labelIn('namespace', options.hpaNamespaces), labelEq('status', 'false'),
    ])} == 1`,
    for: '15m',
    severity: Severity.page(),
    summary: 'HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} cannot read its metrics.',
    description: 'HorizontalPodAutoscaler {{ $labels.horizontalpodautoscaler }} in {{ $labels.namespace }} has reported ScalingActive=False for 15 minutes: '
      + 'it cannot fetch a metric (from metrics-server or the metrics adapter), so it does not scale down, and not up on that metric.',
    runbook: unavailableRunbook(options.adapterNamespace),
  });
  return [...absent, unavailable];
}

const ABSENT_RUNBOOK: Runbook = {
  meaning: 'A series that the metrics adapter turns into an autoscaling metric has had no sample for the alert\'s window: '
    + 'the pods stopped emitting it, Prometheus stopped scraping them, or the series was renamed.',
  impact: 'The HorizontalPodAutoscalers that scale on the metric cannot read it. Kubernetes then skips every scale-down '
    + '(the service keeps its peak replica count) and scales up on CPU and memory only, too late for load the metric would have announced.',
  variables: { METRIC: 'metric', NAMESPACE: 'namespace', SERVICE: 'service' },
  diagnosis: [
    {
      text: 'See what the HPAs report for the metric: `<unknown>` and a FailedGetPodsMetric or FailedGetExternalMetric event confirm it.',
      commands: ['kubectl -n "$NAMESPACE" describe hpa'],
    },
    {
      text: 'For a Pods metric (the alert has a `service` label), check that Prometheus still scrapes the service (target up) and whether the series exists under another name or label set. '
        + 'A metric named `<base>_per_second` is read from the counter `<base>_total`; any other from a gauge of its own name.',
      queries: ['up{namespace="$NAMESPACE",service="$SERVICE"}', '{__name__=~"$METRIC|.*_total", namespace="$NAMESPACE", service="$SERVICE"}'],
    },
    { text: 'If the series exists in Prometheus under the same name, compare its labels with the HPA\'s metric selector and the seriesQuery of the adapter rule (ConfigMap prometheus-adapter-config, key config.yaml).' },
  ],
  mitigation: [
    { text: 'If the pods are down or unscraped, follow the service\'s own alerts (ServiceDown, scrape errors) first.' },
    { text: 'If a release renamed or dropped the metric, roll back by switching traffic to the previous colour, then restore the metric or change `autoscaling.metrics` in the platform spec and synthesize: the adapter rules are generated from it.', commands: ['npx alp switch-traffic --to "$PREVIOUS_COLOR"'] },
    { text: 'While the metric is missing, an over-provisioned service can be scaled down by lowering `autoscaling.maxReplicas` in the platform spec.' },
  ],
};

function unavailableRunbook(adapterNamespace: string): Runbook {
  return {
    meaning: 'The HorizontalPodAutoscaler could not fetch at least one of its metrics for 15 minutes and reports ScalingActive=False.',
    impact: 'The autoscaler skips every scale-down while a metric is unreadable, and cannot scale up on that metric: '
      + 'the service runs at a fixed size that matches neither a quiet night nor the next spike.',
    variables: { NAMESPACE: 'namespace', HPA: 'horizontalpodautoscaler' },
    diagnosis: [
      { text: 'Read the condition\'s reason and the events: FailedGetResourceMetric points to metrics-server; FailedGetPodsMetric or FailedGetExternalMetric to the metrics adapter.', commands: ['kubectl -n "$NAMESPACE" describe hpa "$HPA"'] },
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
          `kubectl -n ${adapterNamespace} get configmap prometheus-adapter-config -o jsonpath='{.data.config\\.yaml}'`,
        ],
      },
    ],
    mitigation: [
      { text: 'If the adapter is missing or its APIService unavailable, install or repair it as the cluster prerequisites describe (dist/reports/cluster-prerequisites.md).' },
      { text: 'If the adapter runs but does not serve the metric, check that its `rules.existing` points at prometheus-adapter-config and restart it after a config change.', commands: [`kubectl -n ${adapterNamespace} rollout restart deploy/prometheus-adapter`] },
      { text: 'If metrics-server is the cause, restore it; CPU and memory scaling depends on it.' },
    ],
  };
}

/**
 * The golden signals of one service (latency, traffic, errors, saturation) and the health of its
 * Kubernetes objects, as recording rules and alerts.
 *
 * Series read: the service's HTTP metrics (see `metric-names.ts`); cAdvisor's
 * `container_cpu_cfs_periods_total`, `container_cpu_cfs_throttled_periods_total` and
 * `container_memory_working_set_bytes`; kube-state-metrics' `kube_pod_container_*`,
 * `kube_deployment_*`, `kube_horizontalpodautoscaler_*` and `kube_poddisruptionbudget_*`.
 *
 * @see https://sre.google/sre-book/monitoring-distributed-systems/#xref_monitoring_golden-signals
 */
import { PropProblem } from '../core';
import { COLOR_LABEL, resolveHttpMetrics } from './metric-names';
import { labelEq, promNumber, labelRe, seriesSelector } from './promql';
import { AlertRule, RecordingRule, Rule, Runbook, switchBackStep } from './rule';
import { ServiceSignalOptions, objectMatchers, serviceMatchers, serviceOptionProblems, throwOptionProblems } from './service-options';
import { Severity } from './severity';

export interface GoldenSignalOptions extends ServiceSignalOptions {
  /**
   * The p99 latency target in milliseconds: `ServiceLatencyP99AboveTarget` fires when the p99
   * over all colours stays above it for 15 minutes.
   * @default 500
   */
  readonly latencyP99TargetMs?: number;
  /**
   * Share of CFS periods in which a container may be throttled before `ServiceCpuThrottled` fires.
   * @default 0.25
   */
  readonly cpuThrottlingRatio?: number;
  /**
   * Restarts of one container within an hour before `ServiceContainerRestarting` fires.
   * @default 3
   */
  readonly restartsPerHour?: number;
  /**
   * Whether the service has a HorizontalPodAutoscaler (then `ServiceAutoscalerAtMax` is added).
   * @default true
   */
  readonly autoscaled?: boolean;
}

/** Recorded request rate of a service (all colours). */
export const REQUEST_RATE_RECORD = 'service:http_requests:rate5m';
/** Recorded request rate of a service per colour. */
export const REQUEST_RATE_BY_COLOR_RECORD = 'service_color:http_requests:rate5m';
/** Recorded 5xx ratio of a service per colour. */
export const ERROR_RATIO_BY_COLOR_RECORD = 'service_color:http_requests_errors:ratio_rate5m';
/** Recorded p99 latency (seconds) of a service (all colours). */
export const LATENCY_P99_RECORD = 'service:http_request_duration_seconds:p99_rate5m';
/** Recorded p99 latency (seconds) of a service per colour. */
export const LATENCY_P99_BY_COLOR_RECORD = 'service_color:http_request_duration_seconds:p99_rate5m';

/**
 * Recording rules: request rate, 5xx ratio and p99 latency, in total and per colour (the
 * blue/green dashboard compares them). Alerts (all `warning`: the SLO alerts page for user
 * impact): p99 above target, CPU throttling, memory near its limit, crash loops, frequent
 * restarts, fewer available replicas than desired, autoscaler at its maximum, and a
 * PodDisruptionBudget with fewer healthy pods than it needs.
 */
export function goldenSignalRules(options: GoldenSignalOptions): Rule[] {
  const thresholds: AlertThresholds = {
    latencyMs: options.latencyP99TargetMs ?? 500,
    throttling: options.cpuThrottlingRatio ?? 0.25,
    restarts: options.restartsPerHour ?? 3,
  };
  throwOptionProblems('goldenSignalRules', [...serviceOptionProblems(options), ...thresholdProblems(thresholds)]);
  const alerts = serviceAlerts(options.service, options.switchTrafficCommand);
  return [
    ...goldenSignalRecords(options),
    alerts.latency(thresholds.latencyMs),
    ...containerAlerts(options, alerts, thresholds),
    ...workloadObjectAlerts(options, alerts),
  ];
}

/** The thresholds of the alerts, with their defaults applied. */
interface AlertThresholds {
  readonly latencyMs: number;
  readonly throttling: number;
  readonly restarts: number;
}

/** Request rate, 5xx ratio and p99 latency of the service, in total and per colour. */
function goldenSignalRecords(options: GoldenSignalOptions): RecordingRule[] {
  const metrics = resolveHttpMetrics(options.metrics);
  const svc = serviceMatchers(options);
  const labels = { service: options.service };
  const requests = seriesSelector(metrics.requestsTotal, svc);
  const failed = seriesSelector(metrics.requestsTotal, [...svc, labelRe(metrics.statusCodeLabel, '5..')]);
  const buckets = seriesSelector(`${metrics.requestDuration}_bucket`, svc);
  return [
    new RecordingRule({ record: REQUEST_RATE_RECORD, expr: `sum(rate(${requests}[5m]))`, labels }),
    new RecordingRule({ record: REQUEST_RATE_BY_COLOR_RECORD, expr: `sum by (${COLOR_LABEL}) (rate(${requests}[5m]))`, labels }),
    new RecordingRule({
      record: ERROR_RATIO_BY_COLOR_RECORD,
      expr: `sum by (${COLOR_LABEL}) (rate(${failed}[5m])) / sum by (${COLOR_LABEL}) (rate(${requests}[5m]))`,
      labels,
    }),
    new RecordingRule({ record: LATENCY_P99_RECORD, expr: `histogram_quantile(0.99, sum by (le) (rate(${buckets}[5m])))`, labels }),
    new RecordingRule({
      record: LATENCY_P99_BY_COLOR_RECORD,
      expr: `histogram_quantile(0.99, sum by (${COLOR_LABEL}, le) (rate(${buckets}[5m])))`,
      labels,
    }),
  ];
}

/** The service's `warning` alerts, labelled with the service: a factory for each. */
function serviceAlerts(name: string, switchTrafficCommand: string | undefined) {
  const labels = { service: name };
  const ticket = (
    alert: string,
    expr: string,
    forDuration: string | undefined,
    text: { summary: string; description: string },
    runbook: Runbook,
  ) => new AlertRule({ alert, expr, for: forDuration, severity: Severity.ticket(), labels, ...text, runbook });
  return {
    ticket,
    latency: (latencyMs: number) => {
      const seconds = promNumber(latencyMs / 1000);
      return ticket(
        'ServiceLatencyP99AboveTarget',
        `${LATENCY_P99_RECORD}{service="${name}"} > ${seconds}`,
        '15m',
        {
          summary: `The p99 latency of ${name} is above its ${promNumber(latencyMs)} ms target.`,
          description: `The 99th percentile of ${name}'s request duration over all colours has been above ${seconds} s for 15 minutes (now {{ $value | humanizeDuration }}).`,
        },
        latencyRunbook(switchTrafficCommand),
      );
    },
  };
}

/** CPU throttling, memory near the limit, crash loops and frequent restarts of the service's containers. */
function containerAlerts(options: GoldenSignalOptions, alerts: ReturnType<typeof serviceAlerts>, thresholds: AlertThresholds): AlertRule[] {
  const name = options.service;
  const container = objectMatchers(options, 'container');
  const perContainer = 'namespace, pod, container';
  const where = `${name} in {{ $labels.namespace }}/{{ $labels.pod }}`;
  return [
    alerts.ticket(
      'ServiceCpuThrottled',
      `sum by (${perContainer}) (increase(${seriesSelector('container_cpu_cfs_throttled_periods_total', container)}[5m])) `
        + `/ sum by (${perContainer}) (increase(${seriesSelector('container_cpu_cfs_periods_total', container)}[5m])) > ${promNumber(thresholds.throttling)}`,
      '15m',
      {
        summary: `Pod {{ $labels.namespace }}/{{ $labels.pod }} of ${name} is CPU-throttled.`,
        description: `{{ $value | humanizePercentage }} of the CFS periods of container ${where} were throttled over 15 minutes (threshold ${promNumber(thresholds.throttling * 100)} %): it needs more CPU than its limit.`,
      },
      CPU_THROTTLED_RUNBOOK,
    ),
    alerts.ticket(
      'ServiceMemoryNearLimit',
      `max by (${perContainer}) (${seriesSelector('container_memory_working_set_bytes', container)}) `
        + `/ max by (${perContainer}) (${seriesSelector('kube_pod_container_resource_limits', [...container, labelEq('resource', 'memory')])}) > 0.9`,
      '15m',
      {
        summary: `Pod {{ $labels.namespace }}/{{ $labels.pod }} of ${name} uses over 90 % of its memory limit.`,
        description: `Container ${where} has used {{ $value | humanizePercentage }} of its memory limit for 15 minutes; at the limit it is OOM-killed.`,
      },
      MEMORY_RUNBOOK,
    ),
    alerts.ticket(
      'ServicePodCrashLooping',
      `max_over_time(${seriesSelector('kube_pod_container_status_waiting_reason', [...container, labelEq('reason', 'CrashLoopBackOff')])}[5m]) >= 1`,
      '15m',
      {
        summary: `Pod {{ $labels.namespace }}/{{ $labels.pod }} of ${name} is crash-looping.`,
        description: `Container ${where} has been in CrashLoopBackOff for 15 minutes.`,
      },
      crashLoopRunbook(options.switchTrafficCommand),
    ),
    alerts.ticket(
      'ServiceContainerRestarting',
      `increase(${seriesSelector('kube_pod_container_status_restarts_total', container)}[1h]) > ${promNumber(thresholds.restarts)}`,
      undefined,
      {
        summary: `Container ${where} restarts often.`,
        description: `Container ${where} restarted {{ $value | humanize }} times in the last hour (threshold ${promNumber(thresholds.restarts)}).`,
      },
      RESTARTS_RUNBOOK,
    ),
  ];
}

/** Fewer available replicas than desired, a PodDisruptionBudget short of healthy pods, and (if autoscaled) the autoscaler at its maximum. */
function workloadObjectAlerts(options: GoldenSignalOptions, alerts: ReturnType<typeof serviceAlerts>): AlertRule[] {
  const name = options.service;
  const series = (metric: string, object: string) => seriesSelector(metric, objectMatchers(options, object));
  const rules = [
    alerts.ticket(
      'ServiceReplicasMismatch',
      `(${series('kube_deployment_spec_replicas', 'deployment')} > ${series('kube_deployment_status_replicas_available', 'deployment')}) `
        + `and (changes(${series('kube_deployment_status_replicas_updated', 'deployment')}[10m]) == 0)`,
      '15m',
      {
        summary: `Deployment {{ $labels.namespace }}/${name} has fewer available replicas than desired.`,
        description: `Deployment ${name} in {{ $labels.namespace }} has had fewer available replicas than its desired count for 15 minutes, and no rollout is progressing.`,
      },
      REPLICAS_RUNBOOK,
    ),
    alerts.ticket(
      'ServiceDisruptionBudgetAtRisk',
      `${series('kube_poddisruptionbudget_status_current_healthy', 'poddisruptionbudget')} `
        + `< ${series('kube_poddisruptionbudget_status_desired_healthy', 'poddisruptionbudget')}`,
      '15m',
      {
        summary: `PodDisruptionBudget {{ $labels.namespace }}/${name} has fewer healthy pods than it needs.`,
        description: `PodDisruptionBudget ${name} in {{ $labels.namespace }} has had fewer healthy pods than it requires for 15 minutes: node drains are blocked and one more failure reduces capacity.`,
      },
      PDB_RUNBOOK,
    ),
  ];
  if (options.autoscaled ?? true) {
    rules.push(
      alerts.ticket(
        'ServiceAutoscalerAtMax',
        `${series('kube_horizontalpodautoscaler_status_current_replicas', 'horizontalpodautoscaler')} `
          + `>= ${series('kube_horizontalpodautoscaler_spec_max_replicas', 'horizontalpodautoscaler')}`,
        '15m',
        {
          summary: `The autoscaler of {{ $labels.namespace }}/${name} has been at its maximum for 15 minutes.`,
          description: `HorizontalPodAutoscaler ${name} in {{ $labels.namespace }} runs its maximum number of replicas: more load cannot be absorbed.`,
        },
        HPA_RUNBOOK,
      ),
    );
  }
  return rules;
}

function thresholdProblems({ latencyMs, throttling, restarts }: AlertThresholds): PropProblem[] {
  const problems: PropProblem[] = [];
  if (!Number.isInteger(latencyMs) || latencyMs < 1)
    problems.push({ prop: 'latencyP99TargetMs', value: latencyMs, rule: 'must be a whole number of milliseconds, at least 1' });
  if (typeof throttling !== 'number' || !(throttling > 0 && throttling < 1))
    problems.push({ prop: 'cpuThrottlingRatio', value: throttling, rule: 'must be a ratio above 0 and below 1' });
  if (!Number.isInteger(restarts) || restarts < 1)
    problems.push({ prop: 'restartsPerHour', value: restarts, rule: 'must be a whole number of at least 1' });
  return problems;
}

const POD_VARIABLES = { NAMESPACE: 'namespace', POD: 'pod', SERVICE: 'service' };
const DEPLOYMENT_VARIABLES = { NAMESPACE: 'namespace', SERVICE: 'service' };
// The latency alert is per service, over all colours.
const SERVICE_VARIABLES = { SERVICE: 'service' };

function latencyRunbook(switchTrafficCommand: string | undefined): Runbook {
  return {
    meaning: "The 99th percentile of the service's request duration, over all colours, has stayed above its latency target for 15 minutes.",
    impact: 'One request in a hundred, or more, is slower than the target; callers with short timeouts may fail.',
    variables: SERVICE_VARIABLES,
    diagnosis: [
      {
        text: 'Compare the colours and the request rate: a slow colour after a switch points to the release, a rising rate to load.',
        queries: [
          'service_color:http_request_duration_seconds:p99_rate5m{service="$SERVICE"}',
          'service_color:http_requests:rate5m{service="$SERVICE"}',
        ],
      },
      {
        text: 'Look for saturation: CPU throttling, memory, and whether the autoscaler is at its maximum.',
        commands: [
          'kubectl get hpa --all-namespaces -l app.kubernetes.io/name="$SERVICE"',
          'kubectl top pods --all-namespaces -l app.kubernetes.io/name="$SERVICE"',
        ],
      },
      {
        text: 'Open the slowest traces of the service in Jaeger (service `$SERVICE`, sorted by duration) to see which span (database, cache, downstream call) takes the time.',
      },
    ],
    mitigation: [
      { text: 'If the service is saturated, raise `autoscaling.maxReplicas` or its CPU limit in the platform spec and synthesize.' },
      switchBackStep('If the slow colour just became live, switch traffic back to the previous colour.', switchTrafficCommand),
      {
        text: 'If a dependency is slow, follow its alerts. If the target itself is wrong, change `availability.latencyP99Ms` in the platform spec after review.',
      },
    ],
  };
}

const CPU_THROTTLED_RUNBOOK: Runbook = {
  meaning: 'A container of the service was denied CPU by its limit in more than the allowed share of scheduling periods over 15 minutes.',
  impact: 'Requests served by the pod are slower; the p99 latency and the error ratio may follow.',
  variables: POD_VARIABLES,
  diagnosis: [
    {
      text: 'Compare usage with the request and limit.',
      commands: [
        'kubectl top pod --namespace "$NAMESPACE" "$POD" --containers',
        'kubectl get pod --namespace "$NAMESPACE" "$POD" -o jsonpath=\'{.spec.containers[*].resources}\'',
      ],
      queries: ['sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="$NAMESPACE",container="$SERVICE"}[5m]))'],
    },
  ],
  mitigation: [
    {
      text: "Raise the CPU limit (and request) of the service in the platform spec, or lower the autoscaler's CPU target so that it adds replicas sooner; synthesize and let Argo CD sync.",
    },
  ],
};

const MEMORY_RUNBOOK: Runbook = {
  meaning: 'A container of the service has used over 90 % of its memory limit for 15 minutes.',
  impact: 'At the limit the kernel kills the container (OOMKilled); its in-flight requests fail and it restarts.',
  variables: POD_VARIABLES,
  diagnosis: [
    {
      text: 'See whether memory grows steadily (a leak) or follows load.',
      queries: ['container_memory_working_set_bytes{namespace="$NAMESPACE",pod="$POD",container="$SERVICE"}'],
      commands: ['kubectl describe pod --namespace "$NAMESPACE" "$POD" | grep -A3 "Last State"'],
    },
  ],
  mitigation: [
    {
      text: 'For a leak, restart the pods one at a time (the disruption budget keeps the service up) and fix the leak.',
      commands: ['kubectl rollout restart deployment --namespace "$NAMESPACE" "$SERVICE"'],
    },
    { text: 'For growth with load, raise the memory limit in the platform spec and synthesize.' },
  ],
};

function crashLoopRunbook(switchTrafficCommand: string | undefined): Runbook {
  return {
    meaning: 'A container of the service keeps exiting and Kubernetes waits longer and longer before restarting it (CrashLoopBackOff).',
    impact:
      'The pod serves nothing; the service runs with fewer replicas. If every pod crashes, the service is down and its SLO alert pages.',
    variables: POD_VARIABLES,
    diagnosis: [
      {
        text: 'Read why the last run ended: its exit code, reason (OOMKilled, Error) and last log lines.',
        commands: [
          'kubectl describe pod --namespace "$NAMESPACE" "$POD"',
          'kubectl logs --namespace "$NAMESPACE" "$POD" --container "$SERVICE" --previous --tail=100',
        ],
      },
      {
        text: 'Check whether its secrets exist and are synced (a missing Secret or key stops the start).',
        commands: ['kubectl get externalsecrets --namespace "$NAMESPACE"'],
      },
    ],
    mitigation: [
      switchBackStep(
        'If the crash came with a new image in the live colour, switch traffic back to the previous colour, then fix the release on the standby colour.',
        switchTrafficCommand,
      ),
      { text: 'If a configuration or secret is wrong, correct it in the platform spec or in Vault; the pod recovers at its next restart.' },
    ],
  };
}

const RESTARTS_RUNBOOK: Runbook = {
  meaning: 'A container of the service restarted more often than allowed within the last hour.',
  impact: "Each restart drops the pod's in-flight requests and reduces capacity while it starts.",
  variables: POD_VARIABLES,
  diagnosis: [
    {
      text: 'Find the reason of the last termination: OOMKilled points to memory, a failed liveness probe to a hung process, an exit code to a crash.',
      commands: [
        'kubectl get pod --namespace "$NAMESPACE" "$POD" -o jsonpath=\'{.status.containerStatuses[*].lastState}\'',
        'kubectl logs --namespace "$NAMESPACE" "$POD" --container "$SERVICE" --previous --tail=100',
      ],
      queries: ['increase(kube_pod_container_status_restarts_total{namespace="$NAMESPACE",container="$SERVICE"}[1h])'],
    },
  ],
  mitigation: [
    {
      text: 'For OOMKilled, raise the memory limit in the platform spec. For liveness failures under load, add replicas or CPU. For crashes, fix the code and release it to the standby colour.',
    },
  ],
};

const REPLICAS_RUNBOOK: Runbook = {
  meaning: 'The Deployment has had fewer available replicas than desired for 15 minutes, and no rollout is making progress.',
  impact: 'The service runs with less capacity and less redundancy than planned.',
  variables: DEPLOYMENT_VARIABLES,
  diagnosis: [
    {
      text: 'Find the pods that are not available and why: Pending (no node fits, quota exhausted), not ready, or crashing.',
      commands: [
        'kubectl get pods --namespace "$NAMESPACE" -l app.kubernetes.io/name="$SERVICE"',
        'kubectl get events --namespace "$NAMESPACE" --sort-by=.lastTimestamp | tail -20',
        'kubectl describe resourcequota --namespace "$NAMESPACE"',
      ],
    },
  ],
  mitigation: [
    {
      text: 'For Pending pods, add nodes (or let the cluster autoscaler) or raise the namespace quota in the platform spec; for crashing pods follow ServicePodCrashLooping.',
    },
  ],
};

const PDB_RUNBOOK: Runbook = {
  meaning: 'The PodDisruptionBudget of the service has fewer healthy pods than it requires.',
  impact: 'Node drains and cluster upgrades block on this service; one more failing pod reduces capacity further.',
  variables: DEPLOYMENT_VARIABLES,
  diagnosis: [
    {
      text: 'See how many pods are healthy and which are not.',
      commands: [
        'kubectl get pdb --namespace "$NAMESPACE" "$SERVICE"',
        'kubectl get pods --namespace "$NAMESPACE" -l app.kubernetes.io/name="$SERVICE"',
      ],
    },
  ],
  mitigation: [
    {
      text: 'Make the unhealthy pods healthy again (see ServiceReplicasMismatch and ServicePodCrashLooping). Do not delete the budget: it is what keeps drains from taking the service down.',
    },
  ],
};

const HPA_RUNBOOK: Runbook = {
  meaning: 'The HorizontalPodAutoscaler of the service has run its maximum number of replicas for 15 minutes.',
  impact: 'Load above the current level cannot be absorbed: latency and errors rise next.',
  variables: DEPLOYMENT_VARIABLES,
  diagnosis: [
    {
      text: 'Check the metric the autoscaler follows against its target, and whether the load is expected (a campaign, a term start) or abnormal (a retry storm, a crawler).',
      commands: ['kubectl describe hpa --namespace "$NAMESPACE" "$SERVICE"'],
      queries: ['service_color:http_requests:rate5m{service="$SERVICE"}'],
    },
  ],
  mitigation: [
    {
      text: 'For expected load, raise `autoscaling.maxReplicas` in the platform spec (the namespace quota follows) and synthesize. For abnormal load, block or rate-limit the source at the gateway.',
    },
  ],
};

/**
 * An analysis of one colour around a traffic switch, run by the cluster: an Argo Rollouts
 * `AnalysisRun` that is an Argo CD sync hook of the Application holding the routes. As a
 * `PreSync` hook it is the switch's gate (Argo CD applies the routes only once the run is
 * Successful); as a `PostSync` hook it watches the colour after the switch.
 *
 * Semantics (argo-rollouts v1.9.1, analysis/analysis.go and utils/evaluate; Argo CD's built-in
 * AnalysisRun health check): a run ends when every metric has; Successful is Healthy, Failed and
 * Error are Degraded, Inconclusive is Unknown, and a hook that is Degraded or Unknown fails the
 * sync operation (its message, the run's `status.message`, names the metric).
 * - `<service>-error-ratio`, `<service>-latency-p99`: the colour's recorded 5xx ratio and p99 over
 *   5 minutes, measured once a minute `measurements` times (a fixed window: never shorter). A
 *   measurement without traffic on the colour (no requests in the 5 minutes) is Inconclusive:
 *   not a failure, not a success. Where the run's own smoke requests reach the service, the
 *   metric needs two measurements with traffic (else it ends Inconclusive: the host does not
 *   reach the colour); elsewhere windows without traffic are tolerated for the whole run and
 *   counted in its status (a colour nobody calls passes on its readiness and smoke tests). Two
 *   measurements above the threshold fail the metric.
 * - `<service>-ready`: the colour's Deployment has at least `minAvailableReplicas` available
 *   replicas twice in a row, polled every 30 s; the run waits for a colour being scaled up and
 *   fails when the wait (`readinessWaitMinutes`) runs out.
 * - `smoke-<service>`: a GET of `smokeUrl` every 30 s (Argo Rollouts' web provider: a 2xx
 *   response is a success whatever its body, any other status or no response a measurement
 *   error); three errors in a row end the metric as Error.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AnalysisRun,
  AnalysisRunSpecMetrics,
  AnalysisRunSpecMetricsConsecutiveErrorLimit as ConsecutiveErrorLimit,
  AnalysisRunSpecMetricsConsecutiveSuccessLimit as ConsecutiveSuccessLimit,
  AnalysisRunSpecMetricsCount as Count,
  AnalysisRunSpecMetricsFailureLimit as FailureLimit,
  AnalysisRunSpecMetricsInconclusiveLimit as InconclusiveLimit,
} from '../../imports/analysisrun-argoproj.io';
import { AlpError } from '../core/errors';
import { Color } from '../core/labels';
import { ERROR_RATIO_BY_COLOR_RECORD, LATENCY_P99_BY_COLOR_RECORD, REQUEST_RATE_BY_COLOR_RECORD } from '../monitoring/golden-signal-rules';
import { COLOR_LABEL } from '../monitoring/metric-names';
import { promNumber, seriesSelector } from '../monitoring/promql';
import { errorBudget } from '../monitoring/slo-rules';
import { HOOK, HOOK_DELETE_POLICY } from './sync-policy';

/** One service of the analysed colour. */
export interface SwitchAnalysisService {
  readonly name: string;
  /** Availability objective in percent: the error ratio may not exceed its error budget ((100 − objective) / 100). */
  readonly availabilityObjective: number;
  /** The p99 latency target in milliseconds. */
  readonly latencyP99Ms: number;
  /**
   * Available replicas the colour's Deployment must reach (a literal: the number the colour runs
   * when live, not the autoscaler's current one). @default - readiness not analysed
   */
  readonly minAvailableReplicas?: number;
  /** The URL the smoke test GETs (through the gateway). @default - no smoke test */
  readonly smokeUrl?: string;
}

export interface SwitchAnalysisProps {
  /** The AnalysisRun's name. */
  readonly name: string;
  /** When Argo CD runs it: `PreSync` (a gate) or `PostSync` (a watch). */
  readonly hook: 'PreSync' | 'PostSync';
  /** The colour analysed: the run's argument `color`, which its queries name as `{{args.color}}`. */
  readonly color: Color;
  /** The colour's namespace, where its Deployments run: the run's argument `namespace`. */
  readonly namespace: string;
  /** Prometheus's base URL, e.g. `http://prometheus-operated.monitoring.svc:9090`. */
  readonly prometheusAddress: string;
  readonly services: readonly SwitchAnalysisService[];
  /** One error-ratio and latency measurement a minute, this many (the window in minutes; at least 3). @default 5 */
  readonly measurements?: number;
  /** How long the readiness metrics wait for the replicas. @default 20 */
  readonly readinessWaitMinutes?: number;
  /**
   * Labels of the AnalysisRun. Not the colour label: the run is no part of the colour's set (the
   * queries name the colour). @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The metric names of a service in a switch analysis (the `metric` label of argo-rollouts' `analysis_run_metric_phase`). */
export function switchMetricNames(service: string) {
  return {
    errorRatio: `${service}-error-ratio`,
    latencyP99: `${service}-latency-p99`,
    ready: `${service}-ready`,
    smoke: `smoke-${service}`,
  } as const;
}

/**
 * The run's arguments, which Argo Rollouts substitutes into its metrics: the colour and its
 * namespace are written once, so that a switch changes two values of each run, not every query.
 */
const COLOR_ARG = '{{args.color}}';
const NAMESPACE_ARG = '{{args.namespace}}';

const TRAFFIC_INTERVAL = '1m';
const POLL_INTERVAL = '30s';
/** Readiness: successes in a row that end the wait. */
const READY_STREAK = 2;
/** Error ratio and latency: measurements above the threshold that are tolerated. */
const TRAFFIC_FAILURE_LIMIT = 1;
/** Smoke: measurement errors (non-2xx, no answer) in a row that are tolerated. */
const SMOKE_ERROR_LIMIT = 2;
const SMOKE_TIMEOUT_SECONDS = 10;

/** A PromQL selector of one colour's series of one service (every service: `service` undefined). */
function colorSeries(record: string, service: string | undefined, color: string): string {
  return seriesSelector(record, [
    ...(service === undefined ? [] : [{ label: 'service', op: '=' as const, value: service }]),
    { label: COLOR_LABEL, op: '=', value: color },
  ]);
}

/**
 * The colour's 5xx ratio per service (of one, or of every service), or nothing without traffic:
 * the ratio's numerator has no series until the first 5xx, so with requests and no ratio the
 * answer is 0.
 */
export function errorRatioQuery(service: string | undefined, color: string): string {
  const rate = colorSeries(REQUEST_RATE_BY_COLOR_RECORD, service, color);
  return `(${colorSeries(ERROR_RATIO_BY_COLOR_RECORD, service, color)} or on(service) (0 * ${rate})) and on(service) (${rate} > 0)`;
}

/** The colour's p99 latency in seconds per service (of one, or of every service), or nothing without traffic. */
export function latencyP99Query(service: string | undefined, color: string): string {
  const rate = colorSeries(REQUEST_RATE_BY_COLOR_RECORD, service, color);
  return `${colorSeries(LATENCY_P99_BY_COLOR_RECORD, service, color)} and on(service) (${rate} > 0)`;
}

/** The Deployment's available replicas (kube-state-metrics), 0 while it has none or no series. */
export function availableReplicasQuery(service: string, namespace: string): string {
  const series = seriesSelector('kube_deployment_status_replicas_available', [
    { label: 'namespace', op: '=', value: namespace },
    { label: 'deployment', op: '=', value: service },
  ]);
  return `sum(${series}) or vector(0)`;
}

/** Success at or below `threshold`, failure above, neither (Inconclusive) without a value. */
function thresholdConditions(threshold: number): Pick<AnalysisRunSpecMetrics, 'successCondition' | 'failureCondition'> {
  const limit = promNumber(threshold);
  return { successCondition: `len(result) > 0 && result[0] <= ${limit}`, failureCondition: `len(result) > 0 && result[0] > ${limit}` };
}

/** An Argo Rollouts AnalysisRun, as an Argo CD sync hook, analysing one colour's services. */
export class SwitchAnalysis extends Construct {
  /** The AnalysisRun. */
  readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: SwitchAnalysisProps) {
    super(scope, id);
    const measurements = props.measurements ?? 5;
    const readinessWaitMinutes = props.readinessWaitMinutes ?? 20;
    if (!Number.isInteger(measurements) || measurements < 3)
      throw new AlpError(`SwitchAnalysis ${props.name}: measurements ${measurements} must be a whole number, at least 3`);
    if (!Number.isInteger(readinessWaitMinutes) || readinessWaitMinutes < 1)
      throw new AlpError(`SwitchAnalysis ${props.name}: readinessWaitMinutes ${readinessWaitMinutes} must be a whole number, at least 1`);
    if (props.services.length === 0) throw new AlpError(`SwitchAnalysis ${props.name}: services must list at least one service`);
    const metrics = props.services.flatMap((service) => this.serviceMetrics(service, props, measurements, readinessWaitMinutes));
    this.resource = new AnalysisRun(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: props.labels === undefined ? undefined : { ...props.labels },
        annotations: { [HOOK]: props.hook, [HOOK_DELETE_POLICY]: 'BeforeHookCreation' },
      },
      spec: {
        args: [
          { name: 'color', value: props.color },
          { name: 'namespace', value: props.namespace },
        ],
        metrics,
      },
    });
  }

  private serviceMetrics(
    service: SwitchAnalysisService,
    props: SwitchAnalysisProps,
    measurements: number,
    readinessWaitMinutes: number,
  ): AnalysisRunSpecMetrics[] {
    const names = switchMetricNames(service.name);
    const prometheus = (query: string) => ({ prometheus: { address: props.prometheusAddress, query } });
    // The smoke requests reach the service: past the first two minutes (a new counter needs scrapes
    // and a rule evaluation to show in the 5-minute rate), no traffic means the host does not reach the colour.
    const inconclusiveLimit = service.smokeUrl === undefined ? measurements : measurements - 2;
    const traffic = {
      interval: TRAFFIC_INTERVAL,
      count: Count.fromNumber(measurements),
      failureLimit: FailureLimit.fromNumber(TRAFFIC_FAILURE_LIMIT),
      inconclusiveLimit: InconclusiveLimit.fromNumber(inconclusiveLimit),
    };
    const metrics: AnalysisRunSpecMetrics[] = [
      {
        name: names.errorRatio,
        ...traffic,
        ...thresholdConditions(errorBudget(service.availabilityObjective)),
        provider: prometheus(errorRatioQuery(service.name, COLOR_ARG)),
      },
      {
        name: names.latencyP99,
        ...traffic,
        ...thresholdConditions(service.latencyP99Ms / 1000),
        provider: prometheus(latencyP99Query(service.name, COLOR_ARG)),
      },
    ];
    if (service.minAvailableReplicas !== undefined) {
      const polls = readinessWaitMinutes * 2;
      metrics.push({
        name: names.ready,
        interval: POLL_INTERVAL,
        count: Count.fromNumber(polls),
        consecutiveSuccessLimit: ConsecutiveSuccessLimit.fromNumber(READY_STREAK),
        // More failed polls than this leave no room for the streak: fail with a message naming the metric.
        failureLimit: FailureLimit.fromNumber(polls - READY_STREAK),
        successCondition: `result[0] >= ${service.minAvailableReplicas}`,
        provider: prometheus(availableReplicasQuery(service.name, NAMESPACE_ARG)),
      });
    }
    if (service.smokeUrl !== undefined) {
      metrics.push({
        name: names.smoke,
        interval: POLL_INTERVAL,
        count: Count.fromNumber(measurements * 2),
        consecutiveErrorLimit: ConsecutiveErrorLimit.fromNumber(SMOKE_ERROR_LIMIT),
        provider: { web: { url: service.smokeUrl, timeoutSeconds: SMOKE_TIMEOUT_SECONDS } },
      });
    }
    return metrics;
  }
}

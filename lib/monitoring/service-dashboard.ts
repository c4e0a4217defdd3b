import { Construct } from 'constructs';
import { ERROR_RATIO_BY_COLOR_RECORD, LATENCY_P99_BY_COLOR_RECORD, REQUEST_RATE_BY_COLOR_RECORD } from './golden-signal-rules';
import { DashboardNaming, platformDashboard, statPanel, timeseriesPanel, withRowOfPanels } from './dashboard-panels';
import { GrafanaDashboard } from './grafana-dashboard';
import { DashboardBuilder, PanelSource } from './grafana-sdk';
import { labelEq, promNumber, seriesSelector } from './promql';
import { ServiceSignalOptions, objectMatchers, serviceOptionProblems, throwOptionProblems } from './service-options';
import { BURN_RATE_WINDOWS, DEFAULT_OBJECTIVE, errorBudget, errorRatioRecord } from './slo-rules';

export interface ServiceDashboardOptions extends ServiceSignalOptions {
  /**
   * Availability objective in percent (for the error budget panels).
   * @default 99.9
   */
  readonly objective?: number;
  /**
   * p99 latency target in milliseconds (drawn as a threshold line).
   * @default 500
   */
  readonly latencyP99TargetMs?: number;
  /**
   * How the dashboard is named in Grafana: uid `<uidPrefix>service-<service>`, title
   * `<titlePrefix>Service / <service>`, tags `[...tags, 'service', <service>]`.
   * @default - no prefixes, tags `['service', <service>]`
   */
  readonly naming?: DashboardNaming;
}

/**
 * The dashboard of one service (uid `service-<service>`, prefixed as `naming` says): a "Golden
 * signals" row (traffic, 5xx ratio and p99 latency per colour; CPU throttling, memory, restarts,
 * replicas) and an "SLO and error budget" row (availability and budget left over 30 days, burn
 * rates against the alert thresholds). It reads the rules of `goldenSignalRules` and `sloRules`.
 */
export function serviceDashboard(options: ServiceDashboardOptions): DashboardBuilder {
  throwOptionProblems('serviceDashboard', serviceOptionProblems(options));
  const name = options.service;
  const builder = platformDashboard(`service-${name}`, `Service / ${name}`, ['service', name], options.naming);
  withRowOfPanels(builder, 'Golden signals', [...requestPanels(options), ...resourcePanels(options)]);
  return withRowOfPanels(builder, 'SLO and error budget', sloPanels(options));
}

/** Traffic, 5xx ratio and p99 latency, per colour, from the golden-signal recording rules. */
function requestPanels(options: ServiceDashboardOptions): PanelSource[] {
  const name = options.service;
  const objective = options.objective ?? DEFAULT_OBJECTIVE;
  const latencySeconds = (options.latencyP99TargetMs ?? 500) / 1000;
  const svc = `{service="${name}"}`;
  return [
    timeseriesPanel({
      title: 'Requests per second',
      description: `Requests handled by ${name}, per colour.`,
      unit: 'reqps',
      min: 0,
      queries: [{ expr: `${REQUEST_RATE_BY_COLOR_RECORD}${svc}`, legend: '{{color}}' }],
    }),
    timeseriesPanel({
      title: 'Server errors (5xx ratio)',
      description: `Share of ${name}'s requests answered with a 5xx status, per colour; the line is the error budget.`,
      unit: 'percentunit',
      min: 0,
      thresholds: [
        [0, 'green'],
        [errorBudget(objective), 'red'],
      ],
      queries: [{ expr: `${ERROR_RATIO_BY_COLOR_RECORD}${svc}`, legend: '{{color}}' }],
    }),
    timeseriesPanel({
      title: 'p99 latency',
      description: `99th percentile of ${name}'s request duration, per colour; the line is the ${promNumber(latencySeconds * 1000)} ms target.`,
      unit: 's',
      min: 0,
      thresholds: [
        [0, 'green'],
        [latencySeconds, 'red'],
      ],
      queries: [{ expr: `${LATENCY_P99_BY_COLOR_RECORD}${svc}`, legend: '{{color}}' }],
    }),
  ];
}

/** CPU throttling, memory, restarts and replicas of the service's pods, from cAdvisor and kube-state-metrics. */
function resourcePanels(options: ServiceDashboardOptions): PanelSource[] {
  return [...podPanels(options), replicasPanel(options)];
}

/** CPU throttling, memory and restarts per pod of the service. */
function podPanels(options: ServiceDashboardOptions): PanelSource[] {
  const container = objectMatchers(options, 'container');
  const perPod = 'namespace, pod';
  const podLegend = '{{namespace}}/{{pod}}';
  return [
    timeseriesPanel({
      title: 'CPU throttling',
      description: 'Share of CFS periods in which each pod was throttled by its CPU limit.',
      unit: 'percentunit',
      min: 0,
      thresholds: [
        [0, 'green'],
        [0.25, 'orange'],
      ],
      queries: [
        {
          expr:
            `sum by (${perPod}) (increase(${seriesSelector('container_cpu_cfs_throttled_periods_total', container)}[5m])) `
            + `/ sum by (${perPod}) (increase(${seriesSelector('container_cpu_cfs_periods_total', container)}[5m]))`,
          legend: podLegend,
        },
      ],
    }),
    timeseriesPanel({
      title: 'Memory used of limit',
      description: 'Working set of each pod as a share of its memory limit.',
      unit: 'percentunit',
      min: 0,
      thresholds: [
        [0, 'green'],
        [0.9, 'orange'],
      ],
      queries: [
        {
          expr:
            `max by (${perPod}) (${seriesSelector('container_memory_working_set_bytes', container)}) `
            + `/ max by (${perPod}) (${seriesSelector('kube_pod_container_resource_limits', [...container, labelEq('resource', 'memory')])})`,
          legend: podLegend,
        },
      ],
    }),
    timeseriesPanel({
      title: 'Restarts in the last hour',
      description: 'Container restarts per pod over the last hour.',
      unit: 'short',
      min: 0,
      queries: [{ expr: `increase(${seriesSelector('kube_pod_container_status_restarts_total', container)}[1h])`, legend: podLegend }],
    }),
  ];
}

/** Available against desired replicas of the service's Deployments, with the autoscaler's maximum. */
function replicasPanel(options: ServiceDashboardOptions): PanelSource {
  const deployment = objectMatchers(options, 'deployment');
  return timeseriesPanel({
    title: 'Replicas',
    description: 'Available against desired replicas, per namespace (colour).',
    unit: 'short',
    min: 0,
    width: 24,
    queries: [
      { expr: seriesSelector('kube_deployment_status_replicas_available', deployment), legend: '{{namespace}} available' },
      { expr: seriesSelector('kube_deployment_spec_replicas', deployment), legend: '{{namespace}} desired' },
      {
        expr: seriesSelector('kube_horizontalpodautoscaler_spec_max_replicas', objectMatchers(options, 'horizontalpodautoscaler')),
        legend: '{{namespace}} autoscaler maximum',
      },
    ],
  });
}

/** Availability and error budget left over 30 days, and the burn rates of the SLO alerts' windows. */
function sloPanels(options: ServiceDashboardOptions): PanelSource[] {
  const objective = options.objective ?? DEFAULT_OBJECTIVE;
  const budget = promNumber(errorBudget(objective));
  const svc = `{service="${options.service}"}`;
  return [
    statPanel({
      title: 'Availability (30 days)',
      description: `Share of requests without a server error over 30 days; the objective is ${promNumber(objective)} %.`,
      unit: 'percentunit',
      decimals: 3,
      thresholds: [
        [0, 'red'],
        [objective / 100, 'green'],
      ],
      query: { expr: `1 - avg_over_time(${errorRatioRecord('1h')}${svc}[30d])` },
    }),
    statPanel({
      title: 'Error budget left (30 days)',
      description: `Share of the ${promNumber(errorBudget(objective) * 100)} % error budget not yet spent over 30 days.`,
      unit: 'percentunit',
      decimals: 1,
      thresholds: [
        [0, 'red'],
        [0.25, 'orange'],
        [0.5, 'green'],
      ],
      query: { expr: `1 - avg_over_time(${errorRatioRecord('1h')}${svc}[30d]) / ${budget}` },
    }),
    timeseriesPanel({
      title: 'Burn rate',
      description:
        'How many times faster than the objective allows the budget is spent, over each alert window; lines at the page (14.4, 6) and ticket (3, 1) thresholds.',
      unit: 'short',
      min: 0,
      thresholds: [
        [0, 'green'],
        [1, 'yellow'],
        [6, 'orange'],
        [14.4, 'red'],
      ],
      queries: BURN_RATE_WINDOWS.map((w) => ({
        expr: `${errorRatioRecord(w.longWindow)}${svc} / ${budget}`,
        legend: `${w.longWindow} window`,
      })),
    }),
  ];
}

export interface ServiceDashboardProps extends ServiceDashboardOptions {
  /** Grafana folder. @default - the Grafana sidecar's default folder */
  readonly folder?: string;
}

/** A service's dashboard as the ConfigMap `grafana-dashboard-<service>`, labelled `app.kubernetes.io/name: <service>`. */
export class ServiceDashboard extends GrafanaDashboard {
  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id, { name: props.service, dashboard: serviceDashboard(props), folder: props.folder });
  }
}

import { Construct } from 'constructs';
import {
  ACTIVE_LEARNERS_RECORD,
  ASSESSMENT_PASS_RATE_RECORD,
  ENGAGEMENT_RECORD,
  LESSON_COMPLETIONS_RECORD,
  MASTERY_GAIN_1D_RECORD,
  MASTERY_GAIN_1H_RECORD,
} from './business-rules';
import { dashboard, PanelSource } from '../../lib/monitoring/grafana-sdk';
import {
  DATASOURCE,
  platformDashboard,
  row,
  statPanel,
  tablePanel,
  timeseriesPanel,
  withRowOfPanels,
} from '../../lib/monitoring/dashboard-panels';
import {
  ERROR_RATIO_BY_COLOR_RECORD,
  LATENCY_P99_BY_COLOR_RECORD,
  LATENCY_P99_RECORD,
  REQUEST_RATE_BY_COLOR_RECORD,
  REQUEST_RATE_RECORD,
} from '../../lib/monitoring/golden-signal-rules';
import { GrafanaDashboard } from '../../lib/monitoring/grafana-dashboard';
import { COLOR_LABEL } from '../../lib/monitoring/metric-names';
import { AUTH_DENIED_5M_RECORD, LOGIN_FAILURES_5M_RECORD } from './security-rules';
import { ERROR_BUDGET_RECORD, errorRatioRecord } from '../../lib/monitoring/slo-rules';
import { DASHBOARD_NAMING, PLATFORM_DASHBOARD_FOLDER } from '../names';

/**
 * The platform overview (uid `alp-platform-overview`): business metrics (active learners,
 * lessons, engagement, assessment pass rate, learning effectiveness), every service's traffic,
 * errors, latency and error budget, security events, and platform health (alerts, probes,
 * certificates, backups).
 */
export function platformOverviewDashboard() {
  const builder = platformDashboard('platform-overview', 'Platform overview', ['platform'], DASHBOARD_NAMING);
  withRowOfPanels(builder, 'Learning (business metrics)', learningPanels());
  withRowOfPanels(builder, 'Services', servicePanels());
  withRowOfPanels(builder, 'Security events', securityPanels());
  return withRowOfPanels(builder, 'Platform health', healthPanels());
}

/** Active learners, lessons, engagement, assessment pass rate and learning effectiveness. */
function learningPanels(): PanelSource[] {
  return [
    statPanel({
      title: 'Active learners',
      description: 'Learners active in the last 15 minutes.',
      unit: 'short',
      query: { expr: ACTIVE_LEARNERS_RECORD },
    }),
    statPanel({
      title: 'Lessons completed (1 h)',
      description: 'Lessons completed in the last hour.',
      unit: 'short',
      query: { expr: LESSON_COMPLETIONS_RECORD },
    }),
    statPanel({
      title: 'Assessment pass rate (1 h)',
      description: 'Share of graded assessments passed over the last hour.',
      unit: 'percentunit',
      decimals: 1,
      query: { expr: ASSESSMENT_PASS_RATE_RECORD },
    }),
    statPanel({
      title: 'Learning effectiveness (1 d)',
      description: 'Average mastery gain per completed lesson or assessment over the last day.',
      unit: 'percentunit',
      decimals: 2,
      query: { expr: MASTERY_GAIN_1D_RECORD },
    }),
    timeseriesPanel({
      title: 'Engagement',
      description: 'Active learners, and lessons completed per active learner per hour.',
      unit: 'short',
      min: 0,
      queries: [
        { expr: ACTIVE_LEARNERS_RECORD, legend: 'active learners' },
        { expr: ENGAGEMENT_RECORD, legend: 'lessons per learner per hour' },
      ],
    }),
    timeseriesPanel({
      title: 'Learning effectiveness',
      description: 'Assessment pass rate and average mastery gain.',
      unit: 'percentunit',
      min: 0,
      queries: [
        { expr: ASSESSMENT_PASS_RATE_RECORD, legend: 'assessment pass rate' },
        { expr: MASTERY_GAIN_1H_RECORD, legend: 'mastery gain (1 h)' },
        { expr: MASTERY_GAIN_1D_RECORD, legend: 'mastery gain (1 d)' },
      ],
    }),
  ];
}

/** Every service's traffic, 5xx ratio, p99 latency and error budget left. */
function servicePanels(): PanelSource[] {
  return [
    perServicePanel('Requests per second', 'Requests handled, per service.', 'reqps', REQUEST_RATE_RECORD),
    perServicePanel(
      'Server errors (5xx ratio)',
      'Share of requests answered with a 5xx status, per service.',
      'percentunit',
      errorRatioRecord('5m'),
    ),
    perServicePanel('p99 latency', '99th percentile of request duration, per service.', 's', LATENCY_P99_RECORD),
    timeseriesPanel({
      title: 'Error budget left (30 days)',
      description: "Share of each service's 30-day error budget not yet spent.",
      unit: 'percentunit',
      thresholds: [
        [0, 'red'],
        [0.25, 'orange'],
        [0.5, 'green'],
      ],
      queries: [{ expr: `1 - avg_over_time(${errorRatioRecord('1h')}[30d]) / on (service) ${ERROR_BUDGET_RECORD}`, legend: '{{service}}' }],
    }),
  ];
}

/** A time series of `expr` with one line per service, from 0 up; `repeat` repeats the panel per value of a variable. */
function perServicePanel(title: string, description: string, unit: string, expr: string, repeat?: string) {
  return timeseriesPanel({ title, description, unit, min: 0, repeat, queries: [{ expr, legend: '{{service}}' }] });
}

/** Failed sign-ins and the services' 401/403 ratios. */
function securityPanels(): PanelSource[] {
  return [
    timeseriesPanel({
      title: 'Failed sign-ins',
      description: 'Failed sign-in attempts per second.',
      unit: 'short',
      min: 0,
      queries: [{ expr: LOGIN_FAILURES_5M_RECORD, legend: 'failed sign-ins/s' }],
    }),
    timeseriesPanel({
      title: 'Refused requests (401/403 ratio)',
      description: "Share of each service's requests refused as unauthenticated or forbidden.",
      unit: 'percentunit',
      min: 0,
      queries: [{ expr: AUTH_DENIED_5M_RECORD, legend: '{{namespace}}/{{service}}' }],
    }),
  ];
}

/** Firing alerts, public endpoints, certificate lifetimes and backup ages. */
function healthPanels(): PanelSource[] {
  return [
    timeseriesPanel({
      title: 'Firing alerts',
      description: 'Alerts firing now, by severity (the Watchdog always fires).',
      unit: 'short',
      min: 0,
      queries: [{ expr: 'sum by (severity) (ALERTS{alertstate="firing"})', legend: '{{severity}}' }],
    }),
    timeseriesPanel({
      title: 'Public endpoints up',
      description: 'Blackbox probes of the public endpoints (1 = up).',
      unit: 'short',
      min: 0,
      queries: [{ expr: 'probe_success', legend: '{{instance}}' }],
    }),
    timeseriesPanel({
      title: 'Certificate lifetime left',
      description: 'Time until each cert-manager certificate expires.',
      unit: 's',
      min: 0,
      // cert-manager's target labels (honorLabels: false): the Certificate's namespace is `exported_namespace`.
      queries: [
        {
          expr: 'max by (exported_namespace, name) (certmanager_certificate_expiration_timestamp_seconds) - time()',
          legend: '{{exported_namespace}}/{{name}}',
        },
      ],
    }),
    timeseriesPanel({
      title: 'Backup age',
      description: 'Age of the newest base backup (CloudNativePG) and of the newest successful Velero backup per schedule.',
      unit: 's',
      min: 0,
      queries: [
        { expr: 'time() - max by (namespace) (cnpg_collector_last_available_backup_timestamp)', legend: 'postgres {{namespace}}' },
        { expr: 'time() - velero_backup_last_successful_timestamp{schedule!=""}', legend: 'velero {{schedule}}' },
      ],
    }),
  ];
}

/**
 * The blue/green comparison (uid `alp-blue-green`): traffic, 5xx ratio and p99 latency of the
 * selected services, one panel per colour side by side (panels repeat over the `color`
 * variable, which filters on the `color` label scraping copies from `alp-deploy.io/color`), and
 * the version each colour runs.
 */
export function blueGreenDashboard() {
  const selected = `{service=~"$service",${COLOR_LABEL}=~"$color"}`;
  return platformDashboard('blue-green', 'Blue-green comparison', ['blue-green'], DASHBOARD_NAMING)
    .withVariable(serviceVariable())
    .withVariable(colorVariable())
    .withRow(row('Versions'))
    .withPanel(
      tablePanel({
        title: 'Version per colour',
        description: 'The version each colour runs, and how many pods are up.',
        width: 24,
        height: 6,
        query: { expr: `count by (service, ${COLOR_LABEL}, version) (up{service=~"$service",${COLOR_LABEL}!=""} == 1)` },
      }),
    )
    .withRow(row('Side by side'))
    .withPanel(
      perServicePanel(
        'Requests per second ($color)',
        'Requests handled by the colour, per service.',
        'reqps',
        `${REQUEST_RATE_BY_COLOR_RECORD}${selected}`,
        COLOR_LABEL,
      ),
    )
    .withPanel(
      perServicePanel(
        'Server errors ($color)',
        "Share of the colour's requests answered with a 5xx status, per service.",
        'percentunit',
        `${ERROR_RATIO_BY_COLOR_RECORD}${selected}`,
        COLOR_LABEL,
      ),
    )
    .withPanel(
      perServicePanel(
        'p99 latency ($color)',
        "The colour's 99th percentile request duration, per service.",
        's',
        `${LATENCY_P99_BY_COLOR_RECORD}${selected}`,
        COLOR_LABEL,
      ),
    );
}

/** The blue/green comparison's `service` variable: any of the services with traffic, all by default. */
function serviceVariable() {
  return new dashboard.QueryVariableBuilder('service')
    .label('Service')
    .datasource(DATASOURCE)
    .query(`label_values(${REQUEST_RATE_BY_COLOR_RECORD}, service)`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

/** The blue/green comparison's `color` variable: blue, green or both (the default). */
function colorVariable() {
  return new dashboard.CustomVariableBuilder(COLOR_LABEL)
    .label('Colour')
    .values('blue,green')
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

export interface PlatformDashboardProps {
  /** Grafana folder. @default PLATFORM_DASHBOARD_FOLDER */
  readonly folder?: string;
}

/** The platform overview as the ConfigMap `grafana-dashboard-platform-overview`. */
export class PlatformOverviewDashboard extends GrafanaDashboard {
  constructor(scope: Construct, id: string, props: PlatformDashboardProps = {}) {
    super(scope, id, {
      name: 'platform-overview',
      dashboard: platformOverviewDashboard(),
      folder: props.folder ?? PLATFORM_DASHBOARD_FOLDER,
    });
  }
}

/** The blue/green comparison as the ConfigMap `grafana-dashboard-blue-green`. */
export class BlueGreenDashboard extends GrafanaDashboard {
  constructor(scope: Construct, id: string, props: PlatformDashboardProps = {}) {
    super(scope, id, { name: 'blue-green', dashboard: blueGreenDashboard(), folder: props.folder ?? PLATFORM_DASHBOARD_FOLDER });
  }
}

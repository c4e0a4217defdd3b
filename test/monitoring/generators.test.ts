import { goldenSignalRules } from '../../lib/monitoring/golden-signal-rules';
import { renderMetricCatalog, SERVICE_METRICS } from '../../lib/monitoring/metric-names';
import { platformHealthRules } from '../../lib/monitoring/platform-health-rules';
import { AlertRule, RecordingRule, Rule } from '../../lib/monitoring/rule';
import { traceCollectorRules } from '../../lib/monitoring/trace-collector-rules';
import { errorOf } from '../helpers/manifests';
import { NAMESPACES, unparsable } from './fixtures';
import { businessRules, securityRules } from '../../platform';
import { BUSINESS_METRICS, platformMetricCatalog, SECURITY_METRICS } from '../../platform/monitoring/metric-catalog';

const alerts = (rules: Rule[]) => rules.filter((r): r is AlertRule => r.kind === 'alert');
const records = (rules: Rule[]) => rules.filter((r): r is RecordingRule => r.kind === 'record');
const byName = (rules: Rule[], name: string) => rules.filter((r) => r.name === name);

describe('goldenSignalRules |', () => {
  const rules = goldenSignalRules({ service: 'quiz', namespaces: NAMESPACES, latencyP99TargetMs: 250 });

  test('records traffic, errors and p99 latency in total and per colour', () => {
    expect(records(rules).map((r) => [r.record, r.expr])).toEqual([
      ['service:http_requests:rate5m', 'sum(rate(http_requests_total{service="quiz",namespace=~"alp-blue|alp-green"}[5m]))'],
      [
        'service_color:http_requests:rate5m',
        'sum by (color) (rate(http_requests_total{service="quiz",namespace=~"alp-blue|alp-green"}[5m]))',
      ],
      [
        'service_color:http_requests_errors:ratio_rate5m',
        'sum by (color) (rate(http_requests_total{service="quiz",namespace=~"alp-blue|alp-green",code=~"5.."}[5m])) '
          + '/ sum by (color) (rate(http_requests_total{service="quiz",namespace=~"alp-blue|alp-green"}[5m]))',
      ],
      [
        'service:http_request_duration_seconds:p99_rate5m',
        'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="quiz",namespace=~"alp-blue|alp-green"}[5m])))',
      ],
      [
        'service_color:http_request_duration_seconds:p99_rate5m',
        'histogram_quantile(0.99, sum by (color, le) (rate(http_request_duration_seconds_bucket{service="quiz",namespace=~"alp-blue|alp-green"}[5m])))',
      ],
    ]);
  });

  test('alerts on latency, saturation, restarts, replicas, the autoscaler and the disruption budget, all as tickets', () => {
    expect(alerts(rules).map((a) => [a.alert, a.severity.label, a.for ?? '-'])).toEqual([
      ['ServiceLatencyP99AboveTarget', 'warning', '15m'],
      ['ServiceCpuThrottled', 'warning', '15m'],
      ['ServiceMemoryNearLimit', 'warning', '15m'],
      ['ServicePodCrashLooping', 'warning', '15m'],
      ['ServiceContainerRestarting', 'warning', '-'],
      ['ServiceReplicasMismatch', 'warning', '15m'],
      ['ServiceDisruptionBudgetAtRisk', 'warning', '15m'],
      ['ServiceAutoscalerAtMax', 'warning', '15m'],
    ]);
    const expr = (name: string) => (byName(rules, name)[0] as AlertRule).expr;
    expect(expr('ServiceLatencyP99AboveTarget')).toBe('service:http_request_duration_seconds:p99_rate5m{service="quiz"} > 0.25');
    expect(expr('ServiceCpuThrottled')).toBe(
      'sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{namespace=~"alp-blue|alp-green",container="quiz"}[5m])) '
        + '/ sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{namespace=~"alp-blue|alp-green",container="quiz"}[5m])) > 0.25',
    );
    expect(expr('ServicePodCrashLooping')).toBe(
      'max_over_time(kube_pod_container_status_waiting_reason{namespace=~"alp-blue|alp-green",container="quiz",reason="CrashLoopBackOff"}[5m]) >= 1',
    );
    expect(expr('ServiceContainerRestarting')).toBe(
      'increase(kube_pod_container_status_restarts_total{namespace=~"alp-blue|alp-green",container="quiz"}[1h]) > 3',
    );
    expect(expr('ServiceReplicasMismatch')).toBe(
      '(kube_deployment_spec_replicas{namespace=~"alp-blue|alp-green",deployment="quiz"} > kube_deployment_status_replicas_available{namespace=~"alp-blue|alp-green",deployment="quiz"}) '
        + 'and (changes(kube_deployment_status_replicas_updated{namespace=~"alp-blue|alp-green",deployment="quiz"}[10m]) == 0)',
    );
    expect(expr('ServiceAutoscalerAtMax')).toBe(
      'kube_horizontalpodautoscaler_status_current_replicas{namespace=~"alp-blue|alp-green",horizontalpodautoscaler="quiz"} '
        + '>= kube_horizontalpodautoscaler_spec_max_replicas{namespace=~"alp-blue|alp-green",horizontalpodautoscaler="quiz"}',
    );
    expect(expr('ServiceDisruptionBudgetAtRisk')).toBe(
      'kube_poddisruptionbudget_status_current_healthy{namespace=~"alp-blue|alp-green",poddisruptionbudget="quiz"} '
        + '< kube_poddisruptionbudget_status_desired_healthy{namespace=~"alp-blue|alp-green",poddisruptionbudget="quiz"}',
    );
    expect(alerts(rules).every((a) => a.labels.service === 'quiz')).toBe(true);
  });

  test('leaves out the autoscaler alert for a service without one', () => {
    expect(alerts(goldenSignalRules({ service: 'quiz', namespaces: NAMESPACES, autoscaled: false })).map((a) => a.alert)).not.toContain(
      'ServiceAutoscalerAtMax',
    );
  });

  test('fails on thresholds that cannot work', () => {
    expect(
      errorOf(() =>
        goldenSignalRules({ service: 'quiz', namespaces: NAMESPACES, latencyP99TargetMs: 0.5, cpuThrottlingRatio: 1, restartsPerHour: 0 }),
      ),
    ).toBe(
      [
        'goldenSignalRules: 3 invalid options',
        "  - goldenSignalRules: 'latencyP99TargetMs' (0.5) must be a whole number of milliseconds, at least 1",
        "  - goldenSignalRules: 'cpuThrottlingRatio' (1) must be a ratio above 0 and below 1",
        "  - goldenSignalRules: 'restartsPerHour' (0) must be a whole number of at least 1",
      ].join('\n'),
    );
  });
});

describe('businessRules |', () => {
  test('records active learners, lessons, engagement, pass rate and mastery gain from the documented metrics', () => {
    expect(records(businessRules({ namespaces: NAMESPACES })).map((r) => [r.record, r.expr])).toEqual([
      ['alp:active_learners:max', 'max(alp_active_learners{namespace=~"alp-blue|alp-green"})'],
      ['alp:lesson_completions:increase1h', 'sum(increase(alp_lesson_completions_total{namespace=~"alp-blue|alp-green"}[1h]))'],
      ['alp:lesson_completions_per_active_learner:ratio1h', 'alp:lesson_completions:increase1h / alp:active_learners:max'],
      [
        'alp:assessment_pass:ratio_rate1h',
        'sum(rate(alp_assessment_results_total{namespace=~"alp-blue|alp-green",result="passed"}[1h])) '
          + '/ sum(rate(alp_assessment_results_total{namespace=~"alp-blue|alp-green"}[1h]))',
      ],
      [
        'alp:learning_effectiveness:mastery_gain_avg1h',
        'sum(rate(alp_mastery_gain_sum{namespace=~"alp-blue|alp-green"}[1h])) / sum(rate(alp_mastery_gain_count{namespace=~"alp-blue|alp-green"}[1h]))',
      ],
      [
        'alp:learning_effectiveness:mastery_gain_avg1d',
        'sum(rate(alp_mastery_gain_sum{namespace=~"alp-blue|alp-green"}[1d])) / sum(rate(alp_mastery_gain_count{namespace=~"alp-blue|alp-green"}[1d]))',
      ],
    ]);
  });
});

describe('securityRules |', () => {
  const rules = securityRules({ namespaces: NAMESPACES });

  test('alerts on a spike of failed sign-ins against the last day, with a floor', () => {
    expect((byName(rules, 'FailedLoginSpike')[0] as AlertRule).expr).toBe(
      'alp:auth_login_failures:rate5m > 5 * alp:auth_login_failures:rate1d and alp:auth_login_failures:rate5m > 0.5',
    );
    expect(byName(rules, 'alp:auth_login_failures:rate5m')[0].expr).toBe(
      'sum(rate(alp_auth_login_attempts_total{namespace=~"alp-blue|alp-green",result="failure"}[5m]))',
    );
  });

  test('alerts on a spike of 401/403 per service', () => {
    expect((byName(rules, 'AuthDeniedRatioSpike')[0] as AlertRule).expr).toBe(
      'namespace_service:http_requests_auth_denied:ratio_rate5m > 0.1 '
        + 'and namespace_service:http_requests_auth_denied:ratio_rate5m > 3 * namespace_service:http_requests_auth_denied:ratio_rate1d',
    );
    expect(byName(rules, 'namespace_service:http_requests_auth_denied:ratio_rate5m')[0].expr).toBe(
      'sum by (namespace, service) (rate(http_requests_total{namespace=~"alp-blue|alp-green",code=~"401|403"}[5m])) '
        + '/ sum by (namespace, service) (rate(http_requests_total{namespace=~"alp-blue|alp-green"}[5m]))',
    );
    expect(alerts(rules).map((a) => a.severity.label)).toEqual(['warning', 'warning']);
  });
});

describe('platformHealthRules |', () => {
  const rules = platformHealthRules({ rpoMinutes: 60, baseBackupIntervalMinutes: 1440 });

  test('alerts on certificate expiry (ticket at 21 days, page at 7), backups against their schedules, restore drills, endpoints and the Watchdog', () => {
    expect(alerts(rules).map((a) => [a.alert, a.severity.label, a.labels.backup_tool ?? '-', a.labels.reason ?? '-'])).toEqual([
      ['CertificateExpiring', 'warning', '-', '-'],
      ['CertificateExpiring', 'critical', '-', '-'],
      ['CertificateNotReady', 'warning', '-', '-'],
      ['BackupOlderThanRpo', 'critical', 'cnpg', 'late'],
      ['BackupOlderThanRpo', 'critical', 'cnpg', 'missing'],
      ['PostgresWalArchivingStale', 'critical', '-', '-'],
      ['BackupOlderThanRpo', 'critical', 'velero', 'late'],
      ['BackupOlderThanRpo', 'critical', 'velero', 'missing'],
      ['RestoreDrillFailing', 'warning', '-', 'failed'],
      ['RestoreDrillFailing', 'warning', '-', 'overdue'],
      ['RestoreDrillFailing', 'warning', '-', 'unobserved'],
      ['EndpointDown', 'critical', '-', '-'],
      ['Watchdog', 'none', '-', '-'],
    ]);
    const exprs = alerts(rules).map((a) => a.expr);
    // per Certificate: its namespace is cert-manager's exported_namespace, copied to namespace (and so to source_namespace)
    const perCertificate = (expr: string) =>
      `label_replace(max by (exported_namespace, name) (${expr}), "namespace", "$1", "exported_namespace", "(.+)")`;
    expect(exprs[0]).toBe(`${perCertificate('certmanager_certificate_expiration_timestamp_seconds > 0')} - time() < 1814400`);
    expect(exprs[1]).toBe(`${perCertificate('certmanager_certificate_expiration_timestamp_seconds > 0')} - time() < 604800`);
    expect(exprs[2]).toBe(`${perCertificate('certmanager_certificate_ready_status{condition="False"}')} == 1`);
    expect(
      alerts(rules)
        .slice(0, 3)
        .map((a) => [a.summary, a.description].join(' '))
        .join(' '),
    ).not.toMatch(/\$labels\.namespace\b/);
    // daily base backups: 1440 minutes plus 25 % (360); hourly Velero backups: 60 plus the 30-minute minimum
    expect(exprs[3]).toBe(
      'time() - (max by (namespace, cluster) (label_replace(cnpg_collector_last_available_backup_timestamp, "cluster", "$1", "pod", "(.+)-[0-9]+")) > 0) > 108000',
    );
    expect(exprs[5]).toBe(
      'max by (namespace, pod) (cnpg_pg_stat_archiver_seconds_since_last_archival) > 3600 and on (namespace, pod) max by (namespace, pod) (cnpg_pg_replication_in_recovery) == 0',
    );
    expect(exprs[6]).toBe('time() - velero_backup_last_successful_timestamp{schedule!=""} > 5400');
    expect(exprs[10]).toBe('absent(kube_cronjob_created{cronjob="restore-drill"})');
    expect(exprs.join('\n')).not.toMatch(/alp_restore_drill_/);
    expect(exprs[12]).toBe('vector(1)');
  });

  test('leaves out the backup tools the platform does not run', () => {
    const names = alerts(platformHealthRules({ cnpgBackups: false, veleroBackups: false, restoreDrills: false })).map((a) => a.alert);
    expect(names).toEqual(['CertificateExpiring', 'CertificateExpiring', 'CertificateNotReady', 'EndpointDown', 'Watchdog']);
  });

  test('fails when the page would come before the ticket', () => {
    expect(errorOf(() => platformHealthRules({ certificateWarningDays: 7, certificateCriticalDays: 14, rpoMinutes: 0 }))).toBe(
      "platformHealthRules: 'rpoMinutes' (0) must be a whole number above 0",
    );
    expect(errorOf(() => platformHealthRules({ certificateWarningDays: 7, certificateCriticalDays: 14 }))).toBe(
      "platformHealthRules: 'certificateCriticalDays' (14) must be below 'certificateWarningDays' (7); the ticket comes first, the page later",
    );
  });
});

test("every generated expression parses with Prometheus's grammar", () => {
  const all = [
    ...goldenSignalRules({ service: 'quiz', namespaces: NAMESPACES }),
    ...businessRules({ namespaces: NAMESPACES }),
    ...securityRules({ namespaces: NAMESPACES }),
    ...platformHealthRules(),
    ...traceCollectorRules({ service: 'otel-collector', namespace: 'alp-monitoring' }),
  ];
  const runbookQueries = alerts(all).flatMap((a) => [...a.runbook.diagnosis, ...a.runbook.mitigation].flatMap((s) => s.queries ?? []));
  expect(unparsable([...all.map((r) => r.expr), ...runbookQueries])).toEqual([]);
  expect(runbookQueries.length).toBeGreaterThan(20);
});

test('the metric catalog documents every metric the services must emit', () => {
  const catalog = platformMetricCatalog();
  for (const metric of [...SERVICE_METRICS, ...BUSINESS_METRICS, ...SECURITY_METRICS])
    expect(catalog).toContain(`| \`${metric.name}\` | ${metric.type} |`);
  expect([...SERVICE_METRICS, ...BUSINESS_METRICS, ...SECURITY_METRICS].map((m) => m.name)).toEqual([
    'http_requests_total',
    'http_request_duration_seconds',
    'alp_active_learners',
    'alp_lesson_completions_total',
    'alp_assessment_results_total',
    'alp_mastery_gain',
    'alp_auth_login_attempts_total',
  ]);
  expect(catalog.match(/^## .*/gm)).toEqual(['## Every service', '## Business metrics', '## Security events']);
  expect(platformMetricCatalog()).toBe(catalog);
});

test("the library's metric catalog lists the HTTP metrics of every service, or the groups it is given", () => {
  const catalog = renderMetricCatalog();
  expect(catalog.match(/^## .*/gm)).toEqual(['## Every service']);
  for (const metric of SERVICE_METRICS) expect(catalog).toContain(`| \`${metric.name}\` | ${metric.type} |`);
  const custom = renderMetricCatalog([
    { title: 'Shop', metrics: [{ name: 'shop_orders_total', type: 'counter', labels: [], help: 'Orders placed.', emittedBy: 'checkout' }] },
  ]);
  expect(custom).toContain(
    '## Shop\n\n| metric | type | labels | emitted by | meaning |\n| --- | --- | --- | --- | --- |\n| `shop_orders_total` | counter | - | checkout | Orders placed. |\n',
  );
  expect(custom).not.toContain('http_requests_total');
});

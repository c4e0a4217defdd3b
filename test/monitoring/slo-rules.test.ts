import { Testing } from 'cdk8s';
import { AlertRule, RecordingRule } from '../../lib/monitoring/rule';
import { ServiceRules } from '../../lib/monitoring/service-rules';
import { burnRateThreshold, errorBudget, sloRules } from '../../lib/monitoring/slo-rules';
import { validateSchema } from '../../lib/policy/schema';
import { errorOf, findObject, platformModel } from '../helpers/manifests';
import { monitoringChart, NAMESPACES, rulesOf, RUNBOOKS, unparsable } from './fixtures';

/** The four SLO alerts as [severity, long window, short window, for, expression]. */
function burnAlerts(rules: any[]): string[][] {
  return rules
    .filter((r) => r.alert === 'ServiceErrorBudgetBurn')
    .map((r) => [r.labels.severity, r.labels.long_window, r.labels.short_window, r.for, r.expr]);
}

describe('sloRules |', () => {
  test('alerts at 14.4× (1h/5m) and 6× (6h/30m) with a page, 3× (1d/2h) and 1× (3d/6h) with a ticket, for 99.9 %', () => {
    // WHEN
    const alerts = sloRules({ service: 'quiz', namespaces: NAMESPACES }).filter((r): r is AlertRule => r.kind === 'alert');
    // THEN
    expect(alerts.map((a) => [a.severity.label, a.labels.long_window, a.labels.short_window, a.for, a.expr])).toEqual([
      [
        'critical',
        '1h',
        '5m',
        '2m',
        'slo:sli_error:ratio_rate1h{service="quiz"} > 0.0144 and slo:sli_error:ratio_rate5m{service="quiz"} > 0.0144',
      ],
      [
        'critical',
        '6h',
        '30m',
        '15m',
        'slo:sli_error:ratio_rate6h{service="quiz"} > 0.006 and slo:sli_error:ratio_rate30m{service="quiz"} > 0.006',
      ],
      [
        'warning',
        '1d',
        '2h',
        '1h',
        'slo:sli_error:ratio_rate1d{service="quiz"} > 0.003 and slo:sli_error:ratio_rate2h{service="quiz"} > 0.003',
      ],
      [
        'warning',
        '3d',
        '6h',
        '3h',
        'slo:sli_error:ratio_rate3d{service="quiz"} > 0.001 and slo:sli_error:ratio_rate6h{service="quiz"} > 0.001',
      ],
    ]);
    expect(alerts[0].description).toBe(
      'The 5xx ratio of quiz over the last 1h and 5m is above 0.0144 (14.4 × the 0.1 % error budget of its 99.9 % objective). '
        + 'At this rate the 30-day budget is gone in 50 hours.',
    );
  });

  test('records the error ratio over every window the alerts read, and the budget', () => {
    const records = sloRules({ service: 'quiz', namespaces: NAMESPACES }).filter((r): r is RecordingRule => r.kind === 'record');
    expect(records.map((r) => r.record)).toEqual([
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate30m',
      'slo:sli_error:ratio_rate1h',
      'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h',
      'slo:sli_error:ratio_rate1d',
      'slo:sli_error:ratio_rate3d',
      'slo:error_budget:ratio',
    ]);
    expect(records[0].expr).toBe(
      'sum(rate(http_requests_total{service="quiz",namespace=~"alp-blue|alp-green",code=~"5.."}[5m])) '
        + '/ sum(rate(http_requests_total{service="quiz",namespace=~"alp-blue|alp-green"}[5m]))',
    );
    expect(records[0].labels).toEqual({ service: 'quiz' });
    expect(records[7].expr).toBe('vector(0.001)');
  });

  test("uses the service's own metric names", () => {
    const records = sloRules({
      service: 'quiz',
      namespaces: ['alp-blue'],
      metrics: { requestsTotal: 'quiz_http_total', statusCodeLabel: 'status' },
    });
    expect(records[0].expr).toBe(
      'sum(rate(quiz_http_total{service="quiz",namespace="alp-blue",status=~"5.."}[5m])) / sum(rate(quiz_http_total{service="quiz",namespace="alp-blue"}[5m]))',
    );
  });

  test('prints thresholds without float noise for any objective', () => {
    expect(errorBudget(99.9)).toBe(0.001);
    expect([14.4, 6, 3, 1].map((b) => burnRateThreshold(b, 99.9))).toEqual(['0.0144', '0.006', '0.003', '0.001']);
    expect([14.4, 6, 3, 1].map((b) => burnRateThreshold(b, 99.5))).toEqual(['0.072', '0.03', '0.015', '0.005']);
    expect([14.4, 6, 3, 1].map((b) => burnRateThreshold(b, 99.95))).toEqual(['0.0072', '0.003', '0.0015', '0.0005']);
    expect([14.4, 6, 3, 1].map((b) => burnRateThreshold(b, 99.99))).toEqual(['0.00144', '0.0006', '0.0003', '0.0001']);
    expect(burnRateThreshold(14.4, 99.999)).toBe('0.000144');
  });

  test('fails when the objective would make the fastest page unreachable', () => {
    expect(errorOf(() => sloRules({ service: 'quiz', namespaces: NAMESPACES, objective: 93 }))).toBe(
      "sloRules: 'objective' (93) must be a percentage of at least 93.06 and below 100; "
        + 'below it, the 14.4× burn threshold of the 1h/5m page exceeds a 100 % error ratio and the page could never fire',
    );
    expect(errorOf(() => sloRules({ service: 'Quiz', namespaces: [], objective: 100 }))).toBe(
      [
        'sloRules: 3 invalid options',
        '  - sloRules: \'service\' ("Quiz") must be a DNS label (lowercase letters, digits, "-")',
        "  - sloRules: 'namespaces' ([]) must list at least one namespace; list the colours' namespaces, e.g. shop-blue and shop-green",
        "  - sloRules: 'objective' (100) must be a percentage of at least 93.06 and below 100; below it, the 14.4× burn threshold of the 1h/5m page exceeds a 100 % error ratio and the page could never fire",
      ].join('\n'),
    );
  });
});

describe('ServiceRules for every service of the platform spec |', () => {
  const model = platformModel();
  const namespaces = [model.spec.namespaces.blue, model.spec.namespaces.green];
  const chart = monitoringChart(model.spec.namespaces.monitoring);
  for (const service of model.spec.services) {
    new ServiceRules(chart, service.name, {
      service: service.name,
      namespaces,
      objective: service.availability.objective,
      latencyP99TargetMs: service.availability.latencyP99Ms,
      autoscaled: service.autoscaling !== undefined,
      runbookBaseUrl: RUNBOOKS,
    });
  }
  const manifests = Testing.synth(chart);

  test.each(model.spec.services.map((s) => [s.name, s.availability.objective, s.availability.latencyP99Ms]))(
    '%s has its PrometheusRule with the SLO alerts at the exact thresholds of %d %% and its %d ms latency target',
    (name, objective, latencyMs) => {
      // GIVEN
      const rule = findObject(manifests, 'PrometheusRule', `${name}-rules`);
      const thresholds = [14.4, 6, 3, 1].map((b) => burnRateThreshold(b, objective as number));
      const sel = `{service="${name}"}`;
      // THEN
      expect(rule.metadata.labels).toEqual({ 'app.kubernetes.io/name': name });
      expect(rule.spec.groups.map((g: any) => g.name)).toEqual([`${name}.rules`]);
      expect(burnAlerts(rule.spec.groups[0].rules)).toEqual([
        [
          'critical',
          '1h',
          '5m',
          '2m',
          `slo:sli_error:ratio_rate1h${sel} > ${thresholds[0]} and slo:sli_error:ratio_rate5m${sel} > ${thresholds[0]}`,
        ],
        [
          'critical',
          '6h',
          '30m',
          '15m',
          `slo:sli_error:ratio_rate6h${sel} > ${thresholds[1]} and slo:sli_error:ratio_rate30m${sel} > ${thresholds[1]}`,
        ],
        [
          'warning',
          '1d',
          '2h',
          '1h',
          `slo:sli_error:ratio_rate1d${sel} > ${thresholds[2]} and slo:sli_error:ratio_rate2h${sel} > ${thresholds[2]}`,
        ],
        [
          'warning',
          '3d',
          '6h',
          '3h',
          `slo:sli_error:ratio_rate3d${sel} > ${thresholds[3]} and slo:sli_error:ratio_rate6h${sel} > ${thresholds[3]}`,
        ],
      ]);
      const latency = rule.spec.groups[0].rules.find((r: any) => r.alert === 'ServiceLatencyP99AboveTarget');
      expect(latency.expr).toBe(`service:http_request_duration_seconds:p99_rate5m${sel} > ${(latencyMs as number) / 1000}`);
    },
  );

  test("the thresholds of the spec's objectives are 0.0144/0.006/0.003/0.001 (99.9 %) and 0.072/0.03/0.015/0.005 (99.5 %)", () => {
    const thresholdsOf = (name: string) =>
      burnAlerts(findObject(manifests, 'PrometheusRule', `${name}-rules`).spec.groups[0].rules).map(
        (a) => a[4].split(' > ')[1].split(' ')[0],
      );
    const byObjective = new Map(model.spec.services.map((s) => [s.availability.objective, thresholdsOf(s.name)]));
    expect(Object.fromEntries(byObjective)).toEqual({
      99.9: ['0.0144', '0.006', '0.003', '0.001'],
      99.5: ['0.072', '0.03', '0.015', '0.005'],
    });
  });

  test('every expression parses, every alert has severity, summary, description and runbook_url', () => {
    const rules = rulesOf(manifests).map((r) => r.rule);
    expect(unparsable(rules.map((r) => r.expr))).toEqual([]);
    for (const r of rules.filter((x) => x.alert)) {
      expect([r.alert, Object.keys(r.annotations).sort(), ['critical', 'warning'].includes(r.labels.severity)]).toEqual([
        r.alert,
        ['description', 'runbook_url', 'summary'],
        true,
      ]);
      expect(r.annotations.runbook_url).toBe(`${RUNBOOKS}/${r.alert}.md`);
    }
  });

  test('every PrometheusRule matches its CRD schema', () => {
    expect(manifests.flatMap(validateSchema)).toEqual([]);
  });
});

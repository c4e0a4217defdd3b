/**
 * The platform's SLO burn-rate, certificate and metrics-API alerts, run by the real `promtool
 * test rules` on the rule groups the platform synthesizes (fast burn, slow burn, no burn, missing
 * data; a certificate per threshold; the metrics adapter's APIServices). Thresholds come from the
 * spec's objective.
 */
import { Chart, Testing } from 'cdk8s';
import { addMetricsAdapter } from '../../charts/metrics-adapter';
import { platformHealthRules, RuleGroupSet, ServiceRules } from '../../lib';
import { platformModel } from '../helpers/manifests';
import { describePromtool, PromRuleGroup, ruleGroupsOf, runPromtoolTests } from '../helpers/promtool';
import { runbookBaseUrl } from '../../platform';

const model = platformModel();
const { spec } = model;
const monitoringNamespace = spec.namespaces.monitoring;
const service = spec.services[0];
const budget = 1 - service.availability.objective / 100;
const colorNamespace = spec.namespaces.blue;

/** The rules exactly as the monitoring chart builds them (charts/monitoring-chart.ts), in the monitoring namespace. */
const objects: any[] = (() => {
  const chart = new Chart(Testing.app(), 'monitoring', { namespace: monitoringNamespace, disableResourceNameHashes: true });
  const runbooks = runbookBaseUrl(spec);
  new ServiceRules(chart, 'Rules', {
    service: service.name,
    namespaces: [spec.namespaces.blue, spec.namespaces.green],
    objective: service.availability.objective,
    latencyP99TargetMs: service.availability.latencyP99Ms,
    autoscaled: !!service.autoscaling,
    runbookBaseUrl: runbooks,
  });
  new RuleGroupSet(chart, 'PlatformRules', {
    component: 'platform',
    runbookBaseUrl: runbooks,
    rules: platformHealthRules({ rpoMinutes: spec.data.rpoMinutes }),
  });
  addMetricsAdapter(chart, spec, ['blue', 'green'], runbooks);
  return Testing.synth(chart);
})();

/** The service's own PrometheusRule: its recording rules and alerts, as synthesized. */
const serviceGroups: PromRuleGroup[] = ruleGroupsOf(objects.filter((o) => o.metadata?.name === `${service.name}-rules`));
const certificateGroups: PromRuleGroup[] = ruleGroupsOf(objects, { alert: /^CertificateExpiring$/ });
const notReadyGroups: PromRuleGroup[] = ruleGroupsOf(objects, { alert: /^CertificateNotReady$/ });
const apiServiceGroups: PromRuleGroup[] = ruleGroupsOf(objects, { alert: /^MetricsApiServiceUnavailable$/ });

/** Counters of `service`'s requests: `perMinute` requests, `errorRatio` of them 5xx, for `minutes`. */
function requests(errorRatio: number, minutes: number, perMinute = 1000): any[] {
  const series = (code: string, step: number) => ({
    series: `http_requests_total{service="${service.name}",namespace="${colorNamespace}",code="${code}"}`,
    values: `0+${step}x${minutes}`,
  });
  return [series('200', perMinute * (1 - errorRatio)), series('500', perMinute * errorRatio)];
}

/** The annotations of the synthesized rule with these labels (the burn alerts' have no templates). */
function annotationsOf(groups: PromRuleGroup[], alert: string, labels: Record<string, string>): Record<string, string> {
  const rule: any = groups
    .flatMap((g) => g.rules)
    .find((r: any) => r.alert === alert && Object.entries(labels).every(([k, v]) => k === 'namespace' || r.labels?.[k] === v));
  return { ...rule.annotations };
}

const burn = (long: string, short: string, severity: string) => {
  const labels = { service: service.name, severity, long_window: long, short_window: short, namespace: monitoringNamespace };
  return { exp_labels: labels, exp_annotations: annotationsOf(serviceGroups, 'ServiceErrorBudgetBurn', labels) };
};
const fast = burn('1h', '5m', 'critical');

function sloTest(inputSeries: any[], checks: Array<{ at: string; alerts: any[] }>): Record<string, unknown> {
  return {
    tests: [
      {
        interval: '1m',
        input_series: inputSeries,
        alert_rule_test: checks.map((c) => ({ eval_time: c.at, alertname: 'ServiceErrorBudgetBurn', exp_alerts: c.alerts })),
      },
    ],
  };
}

function expectPass(groups: PromRuleGroup[], tests: Record<string, unknown>): void {
  const result = runPromtoolTests(groups, tests);
  expect({ ok: result.ok, output: result.output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
}

describePromtool(`promtool test rules: ${service.name}'s SLO burn-rate alerts (objective ${service.availability.objective} %)`, () => {
  test('fast burn: 20x the budget pages after its 2 minutes, and only the 1h/5m window by then', () => {
    expectPass(
      serviceGroups,
      sloTest(requests(20 * budget, 120), [
        { at: '1m', alerts: [] },
        { at: '10m', alerts: [fast] },
      ]),
    );
  });

  test('slow burn: 4x the budget opens both tickets within hours and never pages', () => {
    expectPass(
      serviceGroups,
      sloTest(requests(4 * budget, 300), [
        { at: '30m', alerts: [] },
        { at: '4h', alerts: [burn('1d', '2h', 'warning'), burn('3d', '6h', 'warning')] },
      ]),
    );
  });

  test('no burn: half the budget raises nothing', () => {
    expectPass(serviceGroups, sloTest(requests(0.5 * budget, 300), [{ at: '4h', alerts: [] }]));
  });

  test('missing data: when the series stop, each window resolves once it holds no samples', () => {
    expectPass(
      serviceGroups,
      sloTest(requests(20 * budget, 20), [
        { at: '10m', alerts: [fast] },
        // 20 minutes after the last sample the 5m window is empty; the 30m one still holds the burn.
        { at: '40m', alerts: [burn('6h', '30m', 'critical')] },
        // The 2h window still holds it, and the ticket's hour has passed.
        { at: '2h', alerts: [burn('1d', '2h', 'warning')] },
      ]),
    );
  });

  test('a wrong expectation fails: the page is still pending in its first minute', () => {
    const result = runPromtoolTests(serviceGroups, sloTest(requests(20 * budget, 120), [{ at: '1m', alerts: [fast] }]));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED/);
  });
});

describePromtool('promtool test rules: certificate expiry', () => {
  const day = 86400;
  // As scraped through cert-manager's ServiceMonitor (honorLabels: false): the Certificate's
  // namespace is `exported_namespace`, `namespace` and the other target labels are cert-manager's.
  const target =
    'namespace="cert-manager",service="cert-manager",job="cert-manager",pod="cert-manager-5d8c9b7f6-x2k4q",issuer_name="letsencrypt",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"';
  const cert = (name: string, days: number) => ({
    series: `certmanager_certificate_expiration_timestamp_seconds{${target},exported_namespace="${spec.namespaces.edge}",name="${name}"}`,
    values: `${days * day}x180`,
  });
  /** Prometheus's humanizeDuration for a whole number of seconds of a day or more. */
  const humanize = (seconds: number) =>
    `${Math.floor(seconds / day)}d ${Math.floor((seconds % day) / 3600)}h ${Math.floor((seconds % 3600) / 60)}m ${seconds % 60}s`;
  const expiring = (name: string, severity: string, remainingSeconds: number) => {
    const labels = {
      severity,
      name,
      namespace: monitoringNamespace,
      source_namespace: spec.namespaces.edge,
      exported_namespace: spec.namespaces.edge,
    };
    const expand = (text: string) =>
      text
        .replace(/\{\{ \$labels\.exported_namespace \}\}/g, spec.namespaces.edge)
        .replace(/\{\{ \$labels\.name \}\}/g, name)
        .replace(/\{\{ \$value \| humanizeDuration \}\}/g, humanize(remainingSeconds));
    const annotations = annotationsOf(certificateGroups, 'CertificateExpiring', { severity });
    return { exp_labels: labels, exp_annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, expand(v)])) };
  };
  const tests = (checks: Array<{ at: string; alerts: any[] }>) => ({
    tests: [
      {
        interval: '1m',
        input_series: [cert('renewed', 60), cert('soon', 10), cert('urgent', 3)],
        alert_rule_test: checks.map((c) => ({ eval_time: c.at, alertname: 'CertificateExpiring', exp_alerts: c.alerts })),
      },
    ],
  });

  test('under 21 days a ticket after an hour, under 7 days a page after 15 minutes; each alert names its certificate and the namespace it lives in', () => {
    expectPass(
      certificateGroups,
      tests([
        { at: '10m', alerts: [] },
        { at: '20m', alerts: [expiring('urgent', 'critical', 3 * day - 20 * 60)] },
        {
          at: '2h',
          alerts: [
            expiring('soon', 'warning', 10 * day - 7200),
            expiring('urgent', 'critical', 3 * day - 7200),
            expiring('urgent', 'warning', 3 * day - 7200),
          ],
        },
      ]),
    );
  });

  test("the annotations name the Certificate's namespace, never cert-manager's", () => {
    const annotations = annotationsOf(certificateGroups, 'CertificateExpiring', { severity: 'warning' });
    expect(annotations.summary).toBe(
      'Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}.',
    );
    expect(annotations.description).toMatch(/^Certificate \{\{ \$labels\.exported_namespace \}\}\/\{\{ \$labels\.name \}\} /);
  });

  test('a wrong expectation fails: a certificate 60 days out raises nothing', () => {
    const result = runPromtoolTests(certificateGroups, tests([{ at: '2h', alerts: [expiring('renewed', 'warning', 60 * day - 7200)] }]));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED/);
  });
});

describePromtool('promtool test rules: certificate not ready', () => {
  const target =
    'namespace="cert-manager",service="cert-manager",job="cert-manager",issuer_name="letsencrypt",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"';
  const status = (namespace: string, name: string, condition: string, value: number, pod = 'cert-manager-5d8c9b7f6-x2k4q') => ({
    series: `certmanager_certificate_ready_status{${target},pod="${pod}",exported_namespace="${namespace}",name="${name}",condition="${condition}"}`,
    values: `${value}x60`,
  });
  const notReady = (namespace: string, name: string) => {
    const annotations = annotationsOf(notReadyGroups, 'CertificateNotReady', {});
    const expand = (text: string) =>
      text.replace(/\{\{ \$labels\.exported_namespace \}\}/g, namespace).replace(/\{\{ \$labels\.name \}\}/g, name);
    return {
      exp_labels: { severity: 'warning', name, namespace: monitoringNamespace, source_namespace: namespace, exported_namespace: namespace },
      exp_annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, expand(v)])),
    };
  };
  const run = (input: any[], checks: Array<{ at: string; alerts: any[] }>) => ({
    tests: [
      {
        interval: '1m',
        input_series: input,
        alert_rule_test: checks.map((c) => ({ eval_time: c.at, alertname: 'CertificateNotReady', exp_alerts: c.alerts })),
      },
    ],
  });

  test('two not-ready Certificates of one name in two namespaces are two alerts, each about its own namespace', () => {
    expectPass(
      notReadyGroups,
      run(
        [
          status(spec.namespaces.edge, 'api-tls', 'False', 1),
          status(spec.namespaces.edge, 'api-tls', 'True', 0),
          status(spec.namespaces.monitoring, 'api-tls', 'False', 1),
          status(spec.namespaces.monitoring, 'api-tls', 'True', 0),
          status(spec.namespaces.blue, 'api-tls', 'False', 0),
          status(spec.namespaces.blue, 'api-tls', 'True', 1),
        ],
        [
          { at: '10m', alerts: [] },
          { at: '20m', alerts: [notReady(spec.namespaces.edge, 'api-tls'), notReady(spec.namespaces.monitoring, 'api-tls')] },
        ],
      ),
    );
  });

  test('a new cert-manager pod (new target labels) keeps one alert per Certificate', () => {
    const restarted = (value: number) => ({
      ...status(spec.namespaces.edge, 'api-tls', 'False', value, 'cert-manager-5d8c9b7f6-r7n2m'),
      values: `_x10 ${value}x50`,
    });
    expectPass(
      notReadyGroups,
      run(
        [{ ...status(spec.namespaces.edge, 'api-tls', 'False', 1), values: '1x10' }, restarted(1)],
        [{ at: '20m', alerts: [notReady(spec.namespaces.edge, 'api-tls')] }],
      ),
    );
  });
});

describePromtool("promtool test rules: the metrics adapter's APIServices", () => {
  const rule: any = apiServiceGroups.flatMap((g) => g.rules)[0];
  // As the API server's own metrics arrive (kube-prometheus's apiserver ServiceMonitor), one series per API server.
  const apiService = (name: string, values: string, instance = '10.0.0.10:6443') => ({
    series: `aggregator_unavailable_apiservice{job="apiserver",namespace="default",service="kubernetes",endpoint="https",instance="${instance}",name="${name}"}`,
    values,
  });
  const custom = 'v1beta1.custom.metrics.k8s.io';
  const external = 'v1beta1.external.metrics.k8s.io';
  const unavailable = (name: string) => ({
    exp_labels: { severity: 'critical', name, namespace: monitoringNamespace },
    exp_annotations: Object.fromEntries(
      Object.entries(rule.annotations as Record<string, string>).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.name \}\}/g, name)]),
    ),
  });
  const run = (input: any[], checks: Array<{ at: string; alerts: any[] }>) => ({
    tests: [
      {
        interval: '1m',
        input_series: input,
        alert_rule_test: checks.map((c) => ({ eval_time: c.at, alertname: 'MetricsApiServiceUnavailable', exp_alerts: c.alerts })),
      },
    ],
  });

  test('pages, once per APIService, when the custom or external metrics API has been unavailable for 10 minutes', () => {
    expect([rule.for, rule.labels.severity]).toEqual(['10m', 'critical']);
    expectPass(
      apiServiceGroups,
      run(
        [
          apiService(custom, '1x30'),
          apiService(custom, '1x30', '10.0.0.11:6443'),
          apiService(external, '0x30'),
          // Not the adapter's: metrics-server's API, and another aggregated API.
          apiService('v1beta1.metrics.k8s.io', '1x30'),
          apiService('v1.packages.operators.coreos.com', '1x30'),
        ],
        [
          { at: '9m', alerts: [] },
          { at: '11m', alerts: [unavailable(custom)] },
        ],
      ),
    );
    expectPass(
      apiServiceGroups,
      run(
        [apiService(custom, '0x30'), apiService(external, '0x5 1x25')],
        [
          { at: '14m', alerts: [] },
          { at: '16m', alerts: [unavailable(external)] },
        ],
      ),
    );
  });

  test('silent while both APIServices are available, and for an outage shorter than 10 minutes', () => {
    expect(rule?.alert).toBe('MetricsApiServiceUnavailable');
    expectPass(
      apiServiceGroups,
      run(
        [apiService(custom, '0x60'), apiService(external, '0x60')],
        [
          { at: '30m', alerts: [] },
          { at: '1h', alerts: [] },
        ],
      ),
    );
    expectPass(
      apiServiceGroups,
      run(
        [apiService(custom, '0x5 1x8 0x30'), apiService(external, '0x45')],
        [
          { at: '12m', alerts: [] },
          { at: '20m', alerts: [] },
          { at: '40m', alerts: [] },
        ],
      ),
    );
  });
});

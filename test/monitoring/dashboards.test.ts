import { Testing } from 'cdk8s';
import { GrafanaDashboard, stableJson } from '../../lib/monitoring/grafana-dashboard';
import { ServiceDashboard, serviceDashboard } from '../../lib/monitoring/service-dashboard';
import { validateSchema } from '../../lib/policy/schema';
import { errorOf, findObject, platformModel } from '../helpers/manifests';
import { monitoringChart, NAMESPACES, synthWith, unparsable, withSampleVariables } from './fixtures';
import { BlueGreenDashboard, PlatformOverviewDashboard } from '../../platform';

/** Every panel of a dashboard, including those inside rows. */
function panelsOf(model: any): any[] {
  return (model.panels ?? []).flatMap((p: any) => [p, ...(p.panels ?? [])]);
}

function exprsOf(model: any): string[] {
  return panelsOf(model).flatMap((p) => (p.targets ?? []).map((t: any) => t.expr));
}

describe('ServiceDashboard |', () => {
  const manifests = synthWith(
    (chart) => new ServiceDashboard(chart, 'Quiz', { service: 'quiz', namespaces: NAMESPACES, objective: 99.5, latencyP99TargetMs: 250 }),
  );
  const configMap = findObject(manifests, 'ConfigMap', 'grafana-dashboard-quiz');
  const model = JSON.parse(configMap.data['quiz.json']);

  test("is a ConfigMap with a stable name, the sidecar label and the service's name label", () => {
    expect(configMap.metadata.labels).toEqual({ grafana_dashboard: '1', 'app.kubernetes.io/name': 'quiz' });
    expect(configMap.metadata.annotations).toBeUndefined();
    expect(Object.keys(configMap.data)).toEqual(['quiz.json']);
    expect(validateSchema(configMap)).toEqual([]);
  });

  test('is named and filed as `naming` and `folder` say', () => {
    const named = synthWith(
      (chart) =>
        new ServiceDashboard(chart, 'Quiz', {
          service: 'quiz',
          namespaces: NAMESPACES,
          naming: { uidPrefix: 'shop-', titlePrefix: 'Shop / ', tags: ['shop'] },
          folder: 'Shop services',
        }),
    );
    const namedMap = findObject(named, 'ConfigMap', 'grafana-dashboard-quiz');
    const namedModel = JSON.parse(namedMap.data['quiz.json']);
    expect([namedModel.uid, namedModel.title, namedModel.tags]).toEqual([
      'shop-service-quiz',
      'Shop / Service / quiz',
      ['shop', 'service', 'quiz'],
    ]);
    expect(namedMap.metadata.annotations).toEqual({ grafana_folder: 'Shop services' });
  });

  test('shows the golden signals per colour and the SLO with its error budget', () => {
    expect([model.uid, model.title, model.tags]).toEqual(['service-quiz', 'Service / quiz', ['service', 'quiz']]);
    expect(panelsOf(model).map((p) => p.title)).toEqual([
      'Golden signals',
      'Requests per second',
      'Server errors (5xx ratio)',
      'p99 latency',
      'CPU throttling',
      'Memory used of limit',
      'Restarts in the last hour',
      'Replicas',
      'SLO and error budget',
      'Availability (30 days)',
      'Error budget left (30 days)',
      'Burn rate',
    ]);
    const byTitle = (title: string) => panelsOf(model).find((p) => p.title === title);
    expect(byTitle('Requests per second').targets).toEqual([
      { expr: 'service_color:http_requests:rate5m{service="quiz"}', legendFormat: '{{color}}', refId: 'A' },
    ]);
    expect(byTitle('p99 latency').fieldConfig.defaults.thresholds.steps).toEqual([
      { color: 'green', value: null },
      { color: 'red', value: 0.25 },
    ]);
    expect(byTitle('Error budget left (30 days)').targets[0].expr).toBe(
      '1 - avg_over_time(slo:sli_error:ratio_rate1h{service="quiz"}[30d]) / 0.005',
    );
    expect(byTitle('Burn rate').targets.map((t: any) => t.expr)).toEqual([
      'slo:sli_error:ratio_rate1h{service="quiz"} / 0.005',
      'slo:sli_error:ratio_rate6h{service="quiz"} / 0.005',
      'slo:sli_error:ratio_rate1d{service="quiz"} / 0.005',
      'slo:sli_error:ratio_rate3d{service="quiz"} / 0.005',
    ]);
    expect(model.templating.list.map((v: any) => [v.name, v.type, v.query])).toEqual([['datasource', 'datasource', 'prometheus']]);
  });

  test('numbers panels uniquely and writes the JSON with sorted keys, the same on every synth', () => {
    const ids = panelsOf(model).map((p) => p.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(configMap.data['quiz.json']).toBe(stableJson(model));
    const again = Testing.synth(
      (() => {
        const chart = monitoringChart();
        new ServiceDashboard(chart, 'Quiz', { service: 'quiz', namespaces: NAMESPACES, objective: 99.5, latencyP99TargetMs: 250 });
        return chart;
      })(),
    );
    expect(findObject(again, 'ConfigMap', 'grafana-dashboard-quiz').data).toEqual(configMap.data);
  });

  test('every service of the platform spec gets its dashboard, whose queries parse', () => {
    const model2 = platformModel();
    const chart = monitoringChart();
    for (const s of model2.spec.services)
      new ServiceDashboard(chart, s.name, { service: s.name, namespaces: NAMESPACES, objective: s.availability.objective });
    const out = Testing.synth(chart);
    expect(out.map((m) => m.metadata.name)).toEqual(model2.spec.services.map((s) => `grafana-dashboard-${s.name}`));
    expect(out.flatMap((m) => unparsable(exprsOf(JSON.parse(Object.values<string>(m.data)[0]))))).toEqual([]);
  });
});

describe('PlatformOverviewDashboard and BlueGreenDashboard |', () => {
  const manifests = synthWith((chart) => {
    new PlatformOverviewDashboard(chart, 'Overview');
    new BlueGreenDashboard(chart, 'BlueGreen');
  });
  const overview = JSON.parse(findObject(manifests, 'ConfigMap', 'grafana-dashboard-platform-overview').data['platform-overview.json']);
  const blueGreen = JSON.parse(findObject(manifests, 'ConfigMap', 'grafana-dashboard-blue-green').data['blue-green.json']);

  test('the overview shows the business metrics, every service, security events and platform health', () => {
    expect(
      panelsOf(overview)
        .filter((p) => p.type === 'row')
        .map((p) => p.title),
    ).toEqual(['Learning (business metrics)', 'Services', 'Security events', 'Platform health']);
    expect(exprsOf(overview)).toEqual(
      expect.arrayContaining([
        'alp:active_learners:max',
        'alp:lesson_completions:increase1h',
        'alp:lesson_completions_per_active_learner:ratio1h',
        'alp:assessment_pass:ratio_rate1h',
        'alp:learning_effectiveness:mastery_gain_avg1d',
        'alp:auth_login_failures:rate5m',
        '1 - avg_over_time(slo:sli_error:ratio_rate1h[30d]) / on (service) slo:error_budget:ratio',
      ]),
    );
  });

  test("the overview shows each certificate once, under the namespace of the Certificate (exported_namespace), not cert-manager's", () => {
    const panel = panelsOf(overview).find((p) => p.title === 'Certificate lifetime left');
    expect(panel.targets).toEqual([
      {
        expr: 'max by (exported_namespace, name) (certmanager_certificate_expiration_timestamp_seconds) - time()',
        legendFormat: '{{exported_namespace}}/{{name}}',
        refId: 'A',
      },
    ]);
  });

  test('the blue/green dashboard puts both colours side by side through the color variable', () => {
    expect(blueGreen.templating.list.map((v: any) => [v.name, v.type, v.query, v.multi, v.includeAll])).toEqual([
      ['datasource', 'datasource', 'prometheus', false, false],
      ['service', 'query', 'label_values(service_color:http_requests:rate5m, service)', true, true],
      ['color', 'custom', 'blue,green', true, true],
    ]);
    const repeated = panelsOf(blueGreen).filter((p) => p.repeat);
    expect(repeated.map((p) => [p.title, p.repeat, p.repeatDirection, p.maxPerRow])).toEqual([
      ['Requests per second ($color)', 'color', 'h', 2],
      ['Server errors ($color)', 'color', 'h', 2],
      ['p99 latency ($color)', 'color', 'h', 2],
    ]);
    expect(repeated[0].targets[0].expr).toBe('service_color:http_requests:rate5m{service=~"$service",color=~"$color"}');
  });

  test('all queries parse and all objects match their schema', () => {
    expect(unparsable([...exprsOf(overview), ...exprsOf(blueGreen)].map(withSampleVariables))).toEqual([]);
    expect(manifests.flatMap(validateSchema)).toEqual([]);
  });
});

describe('GrafanaDashboard |', () => {
  test('fails on a name that cannot be a ConfigMap name', () => {
    expect(
      errorOf(
        () =>
          new GrafanaDashboard(monitoringChart(), 'Bad', {
            name: 'Quiz_Service',
            dashboard: serviceDashboard({ service: 'quiz', namespaces: NAMESPACES }),
          }),
      ),
    ).toBe(
      'monitoring/Bad: \'name\' ("Quiz_Service") must be a DNS label of at most 45 characters; the ConfigMap is named grafana-dashboard-<name>',
    );
  });
});

import { Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { buildPlatformApp } from '../../charts';
import { AlertRule, MetricsAdapterConfig, renderApp, renderRunbooks, ScalingMetric, scalingMetricRules } from '../../lib';
import { METRICS_ADAPTER_CONFIG_LABEL, scalingMetricSource } from '../../lib/autoscaling/adapter-config';
import { adapterServes } from '../../lib/autoscaling/adapter-coverage';
import { promQlSyntaxError } from '../../lib/monitoring/promql';
import { errorOf, findObject, platformModel } from '../helpers/manifests';
import { clusterPlacements, scalingMetricsOf } from '../../platform';

/** Issue 15: every custom or external HPA metric is served by the metrics adapter, and its absence pages. */
describe('metrics adapter on the platform |', () => {
  const model = platformModel();
  const { spec } = model;
  const app = buildPlatformApp(model);
  const objects = renderApp(app).objects;
  const clusters = [...new Set(clusterPlacements(spec).map((p) => p.cluster.name))];

  describe.each(clusters)('in cluster %s', (cluster) => {
    const inCluster = objects.filter((o) => o.cluster === cluster).map((o) => o.manifest);
    const hpas = inCluster.filter((m) => m.kind === 'HorizontalPodAutoscaler');
    const configMap = () => findObject(inCluster, 'ConfigMap', 'prometheus-adapter-config');
    const config = () => yaml.load(configMap().data['config.yaml']) as any;
    // The custom and external metrics the HPAs must be served, derived from the spec.
    const expected = spec.services.flatMap((s) => scalingMetricsOf(s).map((m) => ({ service: s.name, metric: m })));

    test('the adapter config is a ConfigMap in the monitoring namespace, labelled for the adapter and for alp verify', () => {
      const cm = configMap();
      expect(cm.metadata.namespace).toBe(spec.namespaces.monitoring);
      expect(cm.metadata.labels[METRICS_ADAPTER_CONFIG_LABEL]).toBe('prometheus-adapter');
      expect(cm.metadata.labels['app.kubernetes.io/name']).toBe('prometheus-adapter');
      expect(Object.keys(cm.data)).toEqual(['config.yaml']);
    });

    test('every Pods or External metric of every HPA has an adapter rule that yields exactly its name for its kind and namespace', () => {
      const asked = hpas.flatMap((hpa) =>
        (hpa.spec.metrics as any[])
          .filter((m) => m.type === 'Pods' || m.type === 'External')
          .map((m) => ({
            hpa: hpa.metadata.name,
            type: m.type as 'Pods' | 'External',
            name: (m.pods ?? m.external).metric.name as string,
            namespace: hpa.metadata.namespace as string,
          })),
      );
      const colorsHere = new Set(hpas.map((h) => h.metadata.namespace)).size;
      expect(asked).toHaveLength(expected.length * colorsHere);
      expect(asked.length).toBeGreaterThan(0);
      const cfg = config();
      for (const request of asked) {
        expect({ ...request, served: adapterServes(cfg, request) }).toEqual({ ...request, served: true });
        const [list, other] = request.type === 'Pods' ? [cfg.rules, cfg.externalRules] : [cfg.externalRules, cfg.rules];
        const own = list.filter((r: any) => r.name.as === request.name);
        expect(own).toHaveLength(1);
        expect(own[0].name.matches).toBe(`^${scalingMetricSource(request.name).series}$`);
        expect(own[0].seriesQuery).toContain(request.namespace);
        expect(other.filter((r: any) => r.name.as === request.name)).toEqual([]);
      }
    });

    test('a Pods metric is read per pod (namespace and pod overrides), a counter as its rate', () => {
      const namespaces = [...new Set(hpas.map((h) => h.metadata.namespace as string))].sort();
      const nsMatcher = namespaces.length === 1 ? `namespace="${namespaces[0]}"` : `namespace=~"${namespaces.join('|')}"`;
      const rule = config().rules.find((r: any) => r.name.as === 'http_requests_per_second');
      expect(rule).toEqual({
        seriesQuery: `http_requests_total{${nsMatcher},pod!=""}`,
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: '^http_requests_total$', as: 'http_requests_per_second' },
        metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
      });
    });

    test('an External metric is read per namespace, a gauge as its maximum', () => {
      const rule = config().externalRules.find((r: any) => r.name.as === 'notification_queue_messages');
      expect(rule.resources).toEqual({ overrides: { namespace: { resource: 'namespace' } } });
      expect(rule.metricsQuery).toBe('max(<<.Series>>{<<.LabelMatchers>>})');
    });

    test('every metricsQuery is valid PromQL once the adapter fills in its template', () => {
      const cfg = config();
      for (const rule of [...cfg.rules, ...cfg.externalRules]) {
        const filled = rule.metricsQuery
          .replace('<<.Series>>', 'x')
          .replace('<<.LabelMatchers>>', 'namespace="a",pod=~"p|q"')
          .replace('<<.GroupBy>>', 'pod');
        expect({ query: filled, error: promQlSyntaxError(filled) }).toEqual({ query: filled, error: undefined });
      }
    });

    test('a ScalingMetricAbsent alert per HPA-used metric watches its series in every namespace that scales on it, and pages', () => {
      const rule = findObject(inCluster, 'PrometheusRule', 'autoscaling-rules');
      const alerts = rule.spec.groups[0].rules;
      const absent = alerts.filter((r: any) => r.alert === 'ScalingMetricAbsent');
      const metricNames = [...new Set(expected.map((e) => e.metric.name))].sort();
      expect(absent.map((r: any) => r.labels.metric)).toEqual(metricNames);
      const namespaces = [...new Set(hpas.map((h) => h.metadata.namespace as string))];
      for (const { service, metric } of expected) {
        const alert = absent.find((r: any) => r.labels.metric === metric.name);
        expect(alert.labels.severity).toBe('critical');
        expect(alert.annotations.runbook_url).toMatch(/\/ScalingMetricAbsent\.md$/);
        for (const ns of namespaces) {
          const matchers = [
            `namespace="${ns}"`,
            ...(metric.type === 'Pods' ? [`service="${service}"`] : []),
            ...Object.entries(metric.selector ?? {}).map(([k, v]) => `${k}="${v}"`),
          ];
          expect(alert.expr).toContain(`absent_over_time(${scalingMetricSource(metric.name).series}{${matchers.join(',')}}[10m])`);
        }
      }
      const unavailable = alerts.find((r: any) => r.alert === 'AutoscalerMetricsUnavailable');
      expect(unavailable.expr).toContain('kube_horizontalpodautoscaler_status_condition{condition="ScalingActive"');
      expect(unavailable.labels.severity).toBe('critical');
    });
  });

  test('both alerts have runbooks', () => {
    const paths = renderRunbooks(app).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['runbooks/ScalingMetricAbsent.md', 'runbooks/AutoscalerMetricsUnavailable.md']));
  });
});

describe('MetricsAdapterConfig |', () => {
  test('merges the uses of one metric into one rule over all their namespaces', () => {
    const chart = Testing.chart();
    const adapter = new MetricsAdapterConfig(chart, 'Adapter', {
      metrics: [
        { metric: ScalingMetric.pods('jobs_per_second', '5'), namespaces: ['b'] },
        { metric: ScalingMetric.pods('jobs_per_second', '9'), namespaces: ['a'] },
        { metric: ScalingMetric.external('queue_depth', '10', { queue: 'q' }), namespaces: ['a'] },
      ],
      rateWindow: '1m',
    });
    expect(adapter.config.rules).toEqual([
      {
        seriesQuery: 'jobs_total{namespace=~"a|b",pod!=""}',
        resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
        name: { matches: '^jobs_total$', as: 'jobs_per_second' },
        metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)',
      },
    ]);
    expect(adapter.config.externalRules).toEqual([
      {
        seriesQuery: 'queue_depth{namespace="a"}',
        resources: { overrides: { namespace: { resource: 'namespace' } } },
        name: { matches: '^queue_depth$', as: 'queue_depth' },
        metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>})',
      },
    ]);
  });

  test('fails on a rate window that is not a Prometheus duration', () => {
    const chart = Testing.chart();
    expect(errorOf(() => new MetricsAdapterConfig(chart, 'Adapter', { metrics: [], rateWindow: '2 minutes' }))).toBe(
      'test/Adapter: \'rateWindow\' ("2 minutes") must be a Prometheus duration such as "2m"',
    );
  });
});

describe('adapterServes |', () => {
  const pods = { type: 'Pods' as const, name: 'http_requests_per_second', namespace: 'alp-blue' };
  const rule = {
    seriesQuery: 'http_requests_total{namespace=~"alp-blue|alp-green",pod!=""}',
    resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
    name: { matches: '^(.*)_total$', as: '${1}_per_second' },
    metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)',
  };

  test('a rule yields its renamed metric for pods of an admitted namespace', () => {
    expect(adapterServes({ rules: [rule] }, pods)).toBe(true);
  });

  test('not for a namespace its seriesQuery excludes', () => {
    expect(adapterServes({ rules: [rule] }, { ...pods, namespace: 'alp-edge' })).toBe(false);
  });

  test('not under another name, nor from externalRules for a Pods metric', () => {
    expect(adapterServes({ rules: [{ ...rule, name: { matches: '^(.*)_total$' } }] }, pods)).toBe(false);
    expect(adapterServes({ externalRules: [rule] }, pods)).toBe(false);
  });

  test('not for pods when no label is associated with the pod resource', () => {
    expect(adapterServes({ rules: [{ ...rule, resources: { overrides: { namespace: { resource: 'namespace' } } } }] }, pods)).toBe(false);
  });

  test('a rule that discovers series by a name pattern is credited with the series the naming convention derives', () => {
    const pattern = { ...rule, seriesQuery: '{__name__=~".*_total",namespace!="",pod!=""}', resources: { template: '<<.Resource>>' } };
    expect(adapterServes({ rules: [pattern] }, pods)).toBe(true);
    expect(adapterServes({ rules: [{ ...pattern, seriesFilters: [{ isNot: '^http_.*' }] }] }, pods)).toBe(false);
  });
});

describe('scalingMetricRules |', () => {
  test('a metric used by many services is watched by several numbered ScalingMetricAbsent rules of at most 50 checks, each valid PromQL, every check once', () => {
    // GIVEN 120 services scaling on one Pods metric in two namespaces: 240 series to watch
    const metric = ScalingMetric.pods('http_requests_per_second', '10');
    const services = Array.from({ length: 120 }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const metrics = services.map((service) => ({ service, metric, namespaces: ['shop-blue', 'shop-green'] }));
    // WHEN
    const rules = scalingMetricRules({ metrics, hpaNamespaces: ['shop-blue', 'shop-green'], adapterNamespace: 'monitoring' });
    // THEN
    const absent = rules.filter((r): r is AlertRule => r.kind === 'alert' && r.alert === 'ScalingMetricAbsent');
    const checks = absent.map((r) => r.expr.split(' or '));
    expect(checks.map((c) => c.length)).toEqual([50, 50, 50, 50, 40]);
    expect(absent.map((r) => r.labels)).toEqual(
      ['1/5', '2/5', '3/5', '4/5', '5/5'].map((part) => ({ metric: 'http_requests_per_second', part })),
    );
    expect(absent.map((r) => promQlSyntaxError(r.expr))).toEqual(Array(5).fill(undefined));
    const series = scalingMetricSource('http_requests_per_second').series;
    expect(checks.flat()).toEqual(
      services.flatMap((s) =>
        ['shop-blue', 'shop-green'].map((ns) => `absent_over_time(${series}{namespace="${ns}",service="${s}"}[10m])`),
      ),
    );
  });
});

import { Chart, Testing } from 'cdk8s';
import { HardenedService } from '../../lib';
import { ServiceScrape } from '../../lib/monitoring/service-scrape';
import { UptimeProbe } from '../../lib/monitoring/uptime-probe';
import { validateSchema } from '../../lib/policy/schema';
import { errorOf, findObject } from '../helpers/manifests';
import { monitoringChart, synthWith } from './fixtures';

describe('ServiceScrape |', () => {
  test("scrapes the metrics port every 30s in the service's namespace, copying colour and version", () => {
    // GIVEN a service in the blue namespace
    const chart = new Chart(Testing.app(), 'blue', { namespace: 'alp-blue', disableResourceNameHashes: true });
    const quiz = new HardenedService(chart, 'Quiz', {
      name: 'quiz',
      image: 'registry.example.com/alp/quiz:1.4.0',
      port: 8080,
      metricsPort: 9090,
      color: 'blue',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    });
    // WHEN
    ServiceScrape.forService(chart, 'QuizScrape', quiz);
    const manifests = Testing.synth(chart);
    const monitor = findObject(manifests, 'ServiceMonitor', 'quiz');
    // THEN the monitor selects the service's Service in its namespace
    expect(monitor.metadata.namespace).toBe('alp-blue');
    expect(monitor.spec.selector.matchLabels).toEqual(quiz.selector);
    const serviceLabels = findObject(manifests, 'Service', 'quiz').metadata.labels;
    expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => serviceLabels[k] === v)).toBe(true);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['alp-blue'] });
    expect(monitor.spec.endpoints).toEqual([
      {
        port: 'metrics',
        path: '/metrics',
        scheme: 'http',
        interval: '30s',
        scrapeTimeout: '10s',
        honorLabels: false,
        relabelings: [
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_alp_deploy_io_color'], targetLabel: 'color' },
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_version'], targetLabel: 'version' },
        ],
      },
    ]);
    expect(JSON.stringify(monitor)).not.toContain('insecureSkipVerify');
    expect(validateSchema(monitor)).toEqual([]);
  });

  test('scrapes a Service in another namespace at another interval', () => {
    const monitor = findObject(
      synthWith(
        (chart) =>
          new ServiceScrape(chart, 'Quiz', {
            name: 'quiz',
            selector: { 'app.kubernetes.io/name': 'quiz' },
            namespace: 'alp-green',
            interval: '15s',
            scrapeTimeout: '5s',
          }),
      ),
      'ServiceMonitor',
      'quiz',
    );
    expect([monitor.metadata.namespace, monitor.spec.namespaceSelector, monitor.spec.endpoints[0].interval]).toEqual([
      'alp-monitoring',
      { matchNames: ['alp-green'] },
      '15s',
    ]);
  });

  test('fails without a namespace, with an empty selector or a timeout above the interval', () => {
    expect(
      errorOf(
        () =>
          new ServiceScrape(new Chart(Testing.app(), 'nowhere'), 'Quiz', {
            name: 'quiz',
            selector: {},
            interval: '10s',
            scrapeTimeout: '30s',
          }),
      ),
    ).toBe(
      [
        'nowhere/Quiz: 3 invalid props',
        "  - nowhere/Quiz: 'selector' ({}) must name at least one label; an empty selector would scrape every Service of the namespace",
        "  - nowhere/Quiz: 'namespace' (missing) must be set, here or on the chart; the namespaceSelector names the service's namespace",
        "  - nowhere/Quiz: 'scrapeTimeout' (\"30s\") must not exceed 'interval' (10s)",
      ].join('\n'),
    );
  });

  test('fails for a service without a metrics port', () => {
    const chart = monitoringChart();
    const quiz = new HardenedService(chart, 'Quiz', {
      name: 'quiz',
      image: 'registry.example.com/alp/quiz:1.4.0',
      port: 8080,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    });
    expect(errorOf(() => ServiceScrape.forService(chart, 'Scrape', quiz))).toBe(
      "monitoring/Scrape: 'metricsPort' (missing) must be set on HardenedService 'quiz' to scrape it; give the service a metrics port",
    );
  });
});

describe('UptimeProbe |', () => {
  test('probes a public HTTPS endpoint through the blackbox exporter with http_2xx', () => {
    const probe = findObject(
      synthWith(
        (chart) =>
          new UptimeProbe(chart, 'Web', {
            name: 'api-gateway',
            url: 'https://learn.example.com/healthz',
            proberUrl: 'blackbox-exporter.alp-monitoring.svc:9115',
          }),
      ),
      'Probe',
      'api-gateway',
    );
    expect(probe.spec).toEqual({
      jobName: 'uptime',
      module: 'http_2xx',
      interval: '60s',
      scrapeTimeout: '10s',
      prober: { url: 'blackbox-exporter.alp-monitoring.svc:9115', scheme: 'http', path: '/probe' },
      targets: { staticConfig: { static: ['https://learn.example.com/healthz'], labels: { probe: 'api-gateway' } } },
    });
    expect(validateSchema(probe)).toEqual([]);
  });

  test('fails for a plain-HTTP endpoint or a prober URL with a scheme', () => {
    expect(
      errorOf(
        () =>
          new UptimeProbe(monitoringChart(), 'Web', { name: 'web', url: 'http://learn.example.com', proberUrl: 'http://blackbox:9115' }),
      ),
    ).toBe(
      [
        'monitoring/Web: 2 invalid props',
        '  - monitoring/Web: \'url\' ("http://learn.example.com") must be an https:// URL with a fully qualified host; uptime is checked the way users connect, over TLS',
        '  - monitoring/Web: \'proberUrl\' ("http://blackbox:9115") must be host:port such as "blackbox-exporter.monitoring.svc:9115"',
      ].join('\n'),
    );
  });
});

import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AllowPolicy, HardenedService, NamespaceBaseline, NetworkPeer, PlatformPriorityClasses } from '../../lib';
import { TRACE_COLLECTOR } from '../../lib/core/endpoints';
import { otelEnvironment } from '../../lib/monitoring/otel-environment';
import { TraceCollector, TraceCollectorProps } from '../../lib/monitoring/trace-collector';
import { validateSchema } from '../../lib/policy/schema';
import { verifyManifests } from '../../lib/policy/verify';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';
import { restrictedViolations } from '../helpers/pod-security';
import { monitoringChart, RUNBOOKS, synthWith } from './fixtures';

describe('otelEnvironment |', () => {
  test('points the SDK at the collector over OTLP/gRPC with service name, colour, version and region', () => {
    const options = {
      serviceName: 'quiz',
      version: '1.4.0',
      region: 'primary',
      color: 'blue',
      platform: 'shop',
      colorAttribute: 'shop.color',
      collectorNamespace: 'alp-monitoring',
    } as const;
    expect(otelEnvironment(options)).toEqual({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.alp-monitoring.svc.cluster.local:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_PROPAGATORS: 'tracecontext,baggage',
      OTEL_RESOURCE_ATTRIBUTES: 'cloud.region=primary,service.namespace=shop,service.version=1.4.0,shop.color=blue',
      OTEL_SERVICE_NAME: 'quiz',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
  });

  test("fits HardenedService's env", () => {
    const chart = Testing.chart();
    new HardenedService(chart, 'Quiz', {
      name: 'quiz',
      image: 'registry.example.com/alp/quiz:1.4.0',
      port: 8080,
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      env: otelEnvironment({
        serviceName: 'quiz',
        version: '1.4.0',
        region: 'primary',
        color: 'green',
        collectorNamespace: 'alp-monitoring',
        samplingRatio: 0.25,
      }),
    });
    const env = findObject(Testing.synth(chart), 'Deployment', 'quiz').spec.template.spec.containers[0].env;
    // Without `colorAttribute`, the colour is the attribute `color`.
    expect(env.find((e: any) => e.name === 'OTEL_RESOURCE_ATTRIBUTES').value).toBe(
      'cloud.region=primary,color=green,service.version=1.4.0',
    );
    expect(env.find((e: any) => e.name === 'OTEL_TRACES_SAMPLER_ARG').value).toBe('0.25');
  });

  test('fails on values that would break the attribute list', () => {
    expect(
      errorOf(() =>
        otelEnvironment({
          serviceName: 'quiz',
          version: '1.4,0',
          region: 'primary',
          collectorNamespace: 'alp-monitoring',
          samplingRatio: 0,
        }),
      ),
    ).toBe(
      [
        'otelEnvironment: 2 invalid options',
        '  - otelEnvironment: \'version\' ("1.4,0") must be a non-empty value of letters, digits and . _ : / @ + -; it is written into OTEL_RESOURCE_ATTRIBUTES',
        "  - otelEnvironment: 'samplingRatio' (0) must be a ratio above 0 and at most 1",
      ].join('\n'),
    );
    expect(
      errorOf(() =>
        otelEnvironment({
          serviceName: 'quiz',
          version: '1.4.0',
          region: 'primary',
          collectorNamespace: 'alp-monitoring',
          color: 'blue',
          colorAttribute: 'shop color',
        }),
      ),
    ).toBe(
      'otelEnvironment: \'colorAttribute\' ("shop color") must be an attribute name of letters, digits, "_" and dots, such as "shop.color"',
    );
  });
});

describe('TraceCollector |', () => {
  const PROPS: TraceCollectorProps = { jaegerNamespace: 'observability', runbookBaseUrl: RUNBOOKS };
  const manifests = synthWith((chart) => new TraceCollector(chart, 'Collector', PROPS));
  const deployment = findObject(manifests, 'Deployment', 'otel-collector');
  const pod = deployment.spec.template.spec;

  test('emits the collector with its config, service account, budget, scrape, rules and dashboard', () => {
    expect(kindCounts(manifests)).toEqual({
      ConfigMap: 2,
      ServiceAccount: 1,
      Deployment: 1,
      Service: 1,
      PodDisruptionBudget: 1,
      ServiceMonitor: 1,
      PrometheusRule: 1,
    });
    expect(findObject(manifests, 'ConfigMap', 'grafana-dashboard-otel-collector').metadata.labels['app.kubernetes.io/name']).toBe(
      'otel-collector',
    );
    expect(findObject(manifests, 'PrometheusRule', 'otel-collector-rules').spec.groups[0].rules.map((r: any) => r.alert)).toEqual([
      'OtelCollectorDown',
      'OtelCollectorRefusingSpans',
      'OtelCollectorExportFailing',
      'OtelCollectorQueueNearlyFull',
    ]);
  });

  test('its dashboard is named and filed as `dashboardNaming` and `dashboardFolder` say; its pods get `priorityClassName`', () => {
    const dashboardOf = (objects: any[]) => findObject(objects, 'ConfigMap', 'grafana-dashboard-otel-collector');
    const plain = JSON.parse(dashboardOf(manifests).data['otel-collector.json']);
    expect([plain.uid, plain.title, plain.tags, dashboardOf(manifests).metadata.annotations]).toEqual([
      'otel-collector',
      'OpenTelemetry Collector',
      ['tracing'],
      undefined,
    ]);
    expect(pod.priorityClassName).toBe('standard');
    const named = synthWith(
      (chart) =>
        new TraceCollector(chart, 'Collector', {
          ...PROPS,
          dashboardNaming: { uidPrefix: 'shop-', titlePrefix: 'Shop / ', tags: ['shop'] },
          dashboardFolder: 'Shop platform',
          priorityClassName: 'shop-standard',
        }),
    );
    const model = JSON.parse(dashboardOf(named).data['otel-collector.json']);
    expect([model.uid, model.title, model.tags]).toEqual(['shop-otel-collector', 'Shop / OpenTelemetry Collector', ['shop', 'tracing']]);
    expect(dashboardOf(named).metadata.annotations).toEqual({ grafana_folder: 'Shop platform' });
    expect(findObject(named, 'Deployment', 'otel-collector').spec.template.spec.priorityClassName).toBe('shop-standard');
  });

  test('its pods are what the network and mesh policies select as TRACE_COLLECTOR', () => {
    expect(pod.serviceAccountName).toBe(TRACE_COLLECTOR.serviceAccount);
    for (const [key, value] of Object.entries(TRACE_COLLECTOR.podLabels)) expect(deployment.spec.template.metadata.labels[key]).toBe(value);
    const service = findObject(manifests, 'Service', TRACE_COLLECTOR.name);
    expect(service.spec.ports[0]).toEqual({
      name: 'grpc-otlp',
      port: TRACE_COLLECTOR.port,
      targetPort: 'otlp-grpc',
      protocol: 'TCP',
      appProtocol: 'grpc',
    });
    expect(pod.containers[0].ports.find((p: any) => p.name === 'otlp-grpc').containerPort).toBe(TRACE_COLLECTOR.port);
  });

  test('meets Pod Security Standards restricted, read-only, without a token, with probes and a pinned image', () => {
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(findObject(manifests, 'ServiceAccount', 'otel-collector').automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].image).toBe('otel/opentelemetry-collector-k8s:0.161.0');
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ path: '/', port: 'health' });
    expect(pod.containers[0].env[0]).toEqual({ name: 'GOMEMLIMIT', value: '409MiB' });
    expect(deployment.spec.replicas).toBe(2);
    expect(findObject(manifests, 'PodDisruptionBudget', 'otel-collector').spec.maxUnavailable).toBe(1);
  });

  test("receives OTLP, limits memory, batches and exports to Jaeger's collector", () => {
    const config: any = yaml.load(findObject(manifests, 'ConfigMap', 'otel-collector').data['config.yaml']);
    expect(config.service.pipelines).toEqual({
      traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] },
    });
    expect(config.exporters['otlp/jaeger'].endpoint).toBe('jaeger-collector.observability.svc.cluster.local:4317');
    expect(config.exporters['otlp/jaeger'].tls).toEqual({ insecure: true });
    expect(config.processors.memory_limiter).toEqual({ check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 });
    expect(config.receivers.otlp.protocols.grpc.endpoint).toBe('${env:MY_POD_IP}:4317');
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
  });

  test("verifies Jaeger's certificate with a CA when given one", () => {
    const out = synthWith((chart) => new TraceCollector(chart, 'Collector', { ...PROPS, jaegerTls: { caSecretName: 'jaeger-ca' } }));
    const config: any = yaml.load(findObject(out, 'ConfigMap', 'otel-collector').data['config.yaml']);
    expect(config.exporters['otlp/jaeger'].tls).toEqual({ ca_file: '/etc/otelcol/jaeger-ca/ca.crt' });
    const volumes = findObject(out, 'Deployment', 'otel-collector').spec.template.spec.volumes;
    expect(volumes[1]).toEqual({
      name: 'jaeger-ca',
      secret: { secretName: 'jaeger-ca', defaultMode: 0o440, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
  });

  test('every object matches its schema', () => {
    expect(manifests.flatMap(validateSchema)).toEqual([]);
  });

  test('is a complete service for the policy checks: scraped, alerted on, on a dashboard, hardened', () => {
    // GIVEN the collector in its namespace, with the baseline and the allow policy the monitoring chart adds
    const chart = monitoringChart();
    new NamespaceBaseline(chart, 'Baseline', { name: 'alp-monitoring' });
    new AllowPolicy(chart, 'CollectorPolicy', { name: 'otel-collector', selector: { ...TRACE_COLLECTOR.podLabels } }).allowFrom(
      NetworkPeer.pods({ 'app.kubernetes.io/name': 'quiz' }, 'alp-blue'),
      [{ port: TRACE_COLLECTOR.port }],
    );
    new PlatformPriorityClasses(chart, 'Priorities');
    new TraceCollector(chart, 'Collector', PROPS);
    // WHEN
    const report = verifyManifests(
      Testing.synth(chart).map((manifest) => ({ manifest })),
      { today: '2030-01-01' },
    );
    // THEN only the default image's missing digest remains (the project carries a dated exception for it)
    expect(report.findings.map((f) => `${f.severity} ${f.ruleId} ${f.object}`)).toEqual([
      'error WORKLOAD-IMAGE-DIGEST Deployment/alp-monitoring/otel-collector',
    ]);
  });

  test('fails outside a namespaced chart, or with an unpinned image or a single replica', () => {
    const chart = new Chart(Testing.app(), 'nowhere');
    expect(
      errorOf(() => new TraceCollector(chart, 'Collector', { ...PROPS, image: 'otel/opentelemetry-collector-k8s', replicas: 1 })),
    ).toBe(
      [
        'nowhere/Collector: 3 invalid props',
        "  - nowhere/Collector: 'namespace' (missing) must be set on the chart; place the collector in a chart of the monitoring namespace",
        "  - nowhere/Collector: 'image' (\"otel/opentelemetry-collector-k8s\") must be pinned by a digest (@sha256:…) or a tag; it has neither, which means 'latest'; pin the image so that every synth deploys the same collector",
        "  - nowhere/Collector: 'replicas' (1) must be an integer of at least 2; one collector pod would drop every trace during its restarts",
      ].join('\n'),
    );
  });
});

import { join } from 'node:path';
import { evaluateCluster, platformApp } from '../../charts';
import { RecordingRule, RuleGroupSet } from '../../lib';
import { ALERTMANAGER, ALERTMANAGER_CLUSTER_PORT } from '../../lib/core/endpoints';
import { DEFAULT_DRILL_TIMEOUT_MINUTES, drillOverdueAfterMinutes } from '../../lib/data/restore-drill';
import { promQlSyntaxError } from '../../lib/monitoring/promql';
import { findObject, platformModel, REPO_ROOT } from '../helpers/manifests';
import { clusterPlacements, PlatformAppDefinition, runbookBaseUrl, synthesize } from '../../platform';

const RELEASE = join(REPO_ROOT, 'release.yaml');

/** Issue 4's "Done when", on the platform's own synthesis. */
describe('platform monitoring |', () => {
  const model = platformModel();
  const { spec } = model;
  const output = synthesize(platformApp, { releaseFile: RELEASE });
  const inFolder = (region: string, component: string) =>
    output.objects.filter((o) => o.region === region && o.component === component).map((o) => o.manifest);
  const rules = output.objects.filter((o) => o.manifest.kind === 'PrometheusRule').map((o) => o.manifest);
  const allRules = rules.flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));
  const alertNames = [...new Set(allRules.filter((r: any) => r.alert).map((r: any) => r.alert as string))].sort();

  describe.each(['primary', 'dr'])('in %s', (region) => {
    const monitoring = inFolder(region, 'monitoring');

    test("Alertmanager's replicas may gossip over the mesh (TCP on the cluster port, by their own identity)", () => {
      const rules = findObject(monitoring, 'AuthorizationPolicy', 'alertmanager').spec.rules;
      expect(
        rules
          .filter((r: any) => r.to[0].operation.ports.includes(String(ALERTMANAGER_CLUSTER_PORT)))
          .map((r: any) => r.from[0].source.principals),
      ).toEqual([[`cluster.local/ns/${spec.namespaces.monitoring}/sa/${ALERTMANAGER.serviceAccount}`]]);
    });

    test.each(['blue', 'green'] as const)(
      'every %s service has a ServiceMonitor of its metrics port in its namespace, never skipping TLS verification',
      (color) => {
        for (const service of spec.services) {
          const monitor = findObject(inFolder(region, color), 'ServiceMonitor', service.name);
          expect(monitor.metadata.namespace).toBe(spec.namespaces[color]);
          expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [spec.namespaces[color]] });
          expect(monitor.spec.selector.matchLabels).toEqual({
            'app.kubernetes.io/name': service.name,
            'app.kubernetes.io/instance': `${service.name}-${color}`,
            'alp-deploy.io/color': color,
          });
          expect(monitor.spec.endpoints.map((e: any) => e.port)).toEqual(['metrics']);
          const port = findObject(inFolder(region, color), 'Service', service.name).spec.ports.find((p: any) => p.name === 'metrics');
          expect(port.port).toBe(service.metricsPort);
        }
        expect(JSON.stringify(output.objects.map((o) => o.manifest))).not.toContain('insecureSkipVerify');
      },
    );

    test('every service has its SLO burn-rate alerts with the exact thresholds of its objective, over both colours', () => {
      const thresholds: Record<number, string[]> = {
        99.9: ['0.0144', '0.006', '0.003', '0.001'],
        99.5: ['0.072', '0.03', '0.015', '0.005'],
      };
      for (const service of spec.services) {
        const rule = findObject(monitoring, 'PrometheusRule', `${service.name}-rules`);
        expect(rule.metadata.labels['app.kubernetes.io/name']).toBe(service.name);
        expect(rule.spec.groups.map((g: any) => g.name)).toEqual([`${service.name}.rules`]);
        const burns = rule.spec.groups[0].rules.filter((r: any) => r.alert === 'ServiceErrorBudgetBurn');
        expect(burns.map((r: any) => [r.labels.long_window, r.labels.short_window, r.labels.severity])).toEqual([
          ['1h', '5m', 'critical'],
          ['6h', '30m', 'critical'],
          ['1d', '2h', 'warning'],
          ['3d', '6h', 'warning'],
        ]);
        const expected = thresholds[service.availability.objective];
        burns.forEach((burn: any, i: number) => {
          expect(burn.expr).toBe(
            `slo:sli_error:ratio_rate${burn.labels.long_window}{service="${service.name}"} > ${expected[i]} and slo:sli_error:ratio_rate${burn.labels.short_window}{service="${service.name}"} > ${expected[i]}`,
          );
        });
        const error = rule.spec.groups[0].rules.find((r: any) => r.record === 'slo:sli_error:ratio_rate5m');
        expect(error.expr).toContain('namespace=~"alp-blue|alp-green"');
      }
    });

    test("every service has a dashboard for Grafana's sidecar; the platform overview, blue/green, collector dashboards too", () => {
      const dashboards = monitoring.filter((m) => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1');
      expect(dashboards.map((d) => d.metadata.name).sort()).toEqual(
        [
          ...spec.services.map((s) => `grafana-dashboard-${s.name}`),
          'grafana-dashboard-blue-green',
          'grafana-dashboard-otel-collector',
          'grafana-dashboard-platform-overview',
        ].sort(),
      );
      for (const service of spec.services) {
        expect(findObject(monitoring, 'ConfigMap', `grafana-dashboard-${service.name}`).metadata.labels['app.kubernetes.io/name']).toBe(
          service.name,
        );
      }
    });

    test('platform, business and security rules, alert routing, the collector and an uptime probe per public service are in place', () => {
      expect(
        ['platform-rules', 'business-rules', 'security-rules', 'otel-collector-rules'].map(
          (name) => findObject(monitoring, 'PrometheusRule', name).spec.groups[0].name,
        ),
      ).toEqual(['platform.rules', 'business.rules', 'security.rules', 'otel-collector.rules']);
      const routing = findObject(monitoring, 'AlertmanagerConfig', 'alp-alert-routing').spec;
      expect(routing.receivers.map((r: any) => r.name)).toEqual(['pagerduty', 'slack', 'watchdog']);
      expect(routing.receivers[1].slackConfigs[0].channel).toBe('#alp-alerts');
      expect(findObject(monitoring, 'ExternalSecret', 'alp-alert-routing-pagerduty').spec.data[0].remoteRef.key).toBe(
        'alp/alerting/pagerduty',
      );
      const collector = findObject(monitoring, 'ConfigMap', 'otel-collector').data['config.yaml'];
      expect(collector).toContain('endpoint: jaeger-collector.jaeger.svc.cluster.local:4317');
      const probes = monitoring.filter((m) => m.kind === 'Probe');
      // One per public service, of its public URL.
      const publicServices = spec.services.filter((s) => s.public);
      expect(probes.map((p) => [p.metadata.name, p.spec.targets.staticConfig.static, p.spec.prober.url])).toEqual(
        publicServices.map((s) => [s.name, [`https://${s.public!.host}${s.public!.path}`], 'blackbox-exporter.alp-monitoring.svc:9115']),
      );
      expect(publicServices.map((s) => [s.name, s.public!.host, s.public!.path])).toContainEqual([
        'api-gateway',
        'learn.alp.example.com',
        '/',
      ]);
    });

    test('every service sends traces to the collector, with its colour, version and region', () => {
      const deployment = findObject(inFolder(region, 'green'), 'Deployment', 'user-service');
      const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      const version = deployment.metadata.labels['app.kubernetes.io/version'];
      expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.alp-monitoring.svc.cluster.local:4317');
      expect(env.OTEL_SERVICE_NAME).toBe('user-service');
      expect(env.OTEL_RESOURCE_ATTRIBUTES).toBe(`alp.color=green,cloud.region=${region},service.namespace=alp,service.version=${version}`);
    });

    test('the log shipper runs in its own folder and namespace, its hostPath exception recorded', () => {
      const logging = inFolder(region, 'logging');
      expect(new Set(logging.filter((m) => m.kind !== 'Namespace').map((m) => m.metadata.namespace))).toEqual(new Set(['alp-logging']));
      const volumes = findObject(logging, 'DaemonSet', 'fluent-bit').spec.template.spec.volumes.filter((v: any) => v.hostPath);
      expect(volumes.map((v: any) => v.hostPath.path)).toEqual(['/var/log/containers', '/var/log/pods']);
      expect(output.files.get('reports/policy.md')).toContain('DaemonSet/alp-logging/fluent-bit');
    });
  });

  test("the restore drill's overdue alert follows the spec's drill schedule", () => {
    // GIVEN a weekly drill instead of the monthly default
    const schedule = '0 5 * * 1';
    const spec: any = JSON.parse(JSON.stringify(model.spec));
    spec.data.restoreDrill.schedule = schedule;
    const weekly = synthesize({ ...platformApp, defaultSpec: spec }, { releaseFile: RELEASE });
    // THEN the alert waits for that schedule's longest gap (and the drill's deadlines), not the default's
    const overdueSeconds = drillOverdueAfterMinutes(schedule, DEFAULT_DRILL_TIMEOUT_MINUTES)! * 60;
    const expressions = weekly.objects
      .filter((o) => o.manifest.kind === 'PrometheusRule')
      .flatMap((o) => o.manifest.spec.groups.flatMap((g: any) => g.rules))
      .filter((r: any) => r.alert === 'RestoreDrillFailing' && r.labels.reason === 'overdue')
      .map((r: any) => r.expr);
    expect(expressions.length).toBeGreaterThan(0);
    for (const expr of expressions) expect(expr).toContain(`> ${overdueSeconds} `);
    expect(overdueSeconds).not.toBe(drillOverdueAfterMinutes('0 5 1 * *', DEFAULT_DRILL_TIMEOUT_MINUTES)! * 60);
  });

  test('every alert has a runbook file in the output, which its runbook_url names', () => {
    expect(alertNames.length).toBeGreaterThan(15);
    const base = runbookBaseUrl(spec);
    expect(base).toBe('https://git.alp.example.com/platform/alp-deploy/blob/main/dist/runbooks');
    for (const rule of allRules.filter((r: any) => r.alert)) {
      expect(rule.annotations.runbook_url).toBe(`${base}/${rule.alert}.md`);
      expect(rule.labels.severity).toMatch(/^(critical|warning|none)$/);
      expect(rule.annotations.summary).toBeTruthy();
      expect(rule.annotations.description).toBeTruthy();
    }
    for (const alert of alertNames) expect(output.files.get(`runbooks/${alert}.md`)).toMatch(new RegExp(`^# ${alert}\\n`));
    expect([...output.files.keys()].filter((path) => path.startsWith('runbooks/')).sort()).toEqual(
      alertNames.map((a) => `runbooks/${a}.md`),
    );
    expect(output.files.get('reports/metrics.md')).toContain('http_requests_total');
  });

  test('every expression parses as PromQL', () => {
    expect(allRules.length).toBeGreaterThan(100);
    expect(allRules.filter((r: any) => promQlSyntaxError(r.expr) !== undefined).map((r: any) => r.alert ?? r.record)).toEqual([]);
  });

  test('a deliberately broken expression fails synth, naming the rule', () => {
    // GIVEN the platform with a broken recording rule in the primary monitoring chart's platform rules
    const broken: PlatformAppDefinition = {
      ...platformApp,
      build: (m) => {
        const app = platformApp.build(m);
        RuleGroupSet.allIn(app)
          .find((set) => set.component === 'platform')!
          .addRules(new RecordingRule({ record: 'alp:broken:rate5m', expr: 'sum(rate(up[5m])' }));
        return app;
      },
    };
    // THEN
    expect(() => synthesize(broken, { releaseFile: RELEASE })).toThrow(
      /recording rule 'alp:broken:rate5m' in group 'platform\.rules': 'expr' \("sum\(rate\(up\[5m\]\)"\) must be valid PromQL/,
    );
  });

  describe.each(clusterPlacements(spec).map((p) => [p.cluster.name, p] as const))('the NetworkPolicies of %s', (_name, placement) => {
    const { result } = evaluateCluster(output.objects, model, placement);
    const key = (c: { from: string; to: string; port: number }) => `${c.from} -> ${c.to} ${c.port}`;

    test('let Prometheus scrape every service and the monitoring workloads, and reach nothing else', () => {
      const fromPrometheus = result.connections
        .filter((c) => c.from === 'alp-monitoring/prometheus')
        .map(key)
        .sort();
      expect(fromPrometheus).toEqual(
        [
          ...spec.services.flatMap((s) =>
            ['alp-blue', 'alp-green'].map((ns) => `alp-monitoring/prometheus -> ${ns}/${s.name} ${s.metricsPort}`),
          ),
          'alp-monitoring/prometheus -> alp-logging/fluent-bit 2020',
          'alp-monitoring/prometheus -> alp-monitoring/alertmanager 9093',
          'alp-monitoring/prometheus -> alp-monitoring/blackbox-exporter 9115',
          'alp-monitoring/prometheus -> alp-monitoring/otel-collector 8888',
          // The cluster model's targets: kube-state-metrics, cert-manager's, Velero's and Argo Rollouts' metrics.
          'alp-monitoring/prometheus -> alp-monitoring/kube-state-metrics 8080',
          'alp-monitoring/prometheus -> cert-manager/cert-manager 9402',
          'alp-monitoring/prometheus -> velero/velero 8085',
          'alp-monitoring/prometheus -> argo-rollouts/argo-rollouts 8090',
          // The exporters of the PostgreSQL instances and of PgBouncer.
          'alp-monitoring/prometheus -> alp-data/postgres 9187',
          'alp-monitoring/prometheus -> alp-data/postgres-pooler-rw 9127',
        ].sort(),
      );
    });

    test('let every service send traces to the collector, the collector export to Jaeger only, and nothing else reach it', () => {
      const toCollector = result.connections
        .filter((c) => c.to === 'alp-monitoring/otel-collector')
        .map(key)
        .sort();
      expect(toCollector).toEqual(
        [
          ...spec.services.flatMap((s) => ['alp-blue', 'alp-green'].map((ns) => `${ns}/${s.name} -> alp-monitoring/otel-collector 4317`)),
          'alp-monitoring/prometheus -> alp-monitoring/otel-collector 8888',
        ].sort(),
      );
      expect(result.connections.filter((c) => c.from === 'alp-monitoring/otel-collector').map(key)).toEqual([
        'alp-monitoring/otel-collector -> jaeger/jaeger-collector 4317',
      ]);
      expect(result.connections.filter((c) => c.from === 'alp-logging/fluent-bit')).toEqual([]);
    });
  });
});

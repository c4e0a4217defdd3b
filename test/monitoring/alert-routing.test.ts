import { platformApp } from '../../charts';
import { renderApp, renderRunbooks } from '../../lib';
import { ALERT_IDENTITY_LABELS, AlertRouting, AlertRoutingProps } from '../../lib/monitoring/alert-routing';
import { routeAlert } from '../../lib/policy/rules';
import { configTrees } from '../../lib/policy/rules/alerting';
import { PolicyContext } from '../../lib/policy/rules/_context';
import { validateSchema } from '../../lib/policy/schema';
import { errorOf, findObject, kindCounts, platformModel } from '../helpers/manifests';
import { monitoringChart, synthWith } from './fixtures';
import { ALERT_ROUTING_NAME } from '../../platform/names';

const PROPS: AlertRoutingProps = {
  storeName: 'vault',
  pagerDuty: { remoteKey: 'alp/alerting/pagerduty' },
  slack: { remoteKey: 'alp/alerting/slack', channel: '#alp-alerts' },
  deadMansSwitch: { remoteKey: 'alp/alerting/deadmansswitch' },
};

/** Alertmanager's inhibition: the source silences the target when both match and the `equal` labels agree (absent on both counts as equal). */
function inhibits(rule: any, source: Record<string, string>, target: Record<string, string>): boolean {
  const matchAll = (matchers: any[], labels: Record<string, string>) =>
    matchers.every((m) => {
      const value = labels[m.name] ?? '';
      if (m.matchType === '=~') return new RegExp(`^(?:${m.value})$`).test(value);
      return value === m.value;
    });
  return (
    matchAll(rule.sourceMatch, source)
    && matchAll(rule.targetMatch, target)
    && rule.equal.every((l: string) => (source[l] ?? '') === (target[l] ?? ''))
  );
}

function synth(props: Partial<AlertRoutingProps> = {}): any[] {
  return synthWith((chart) => new AlertRouting(chart, 'Routing', { ...PROPS, ...props }));
}

describe('AlertRouting |', () => {
  const manifests = synth();
  const config = findObject(manifests, 'AlertmanagerConfig', 'alert-routing');

  test('emits the AlertmanagerConfig and one ExternalSecret per credential', () => {
    expect(kindCounts(manifests)).toEqual({ AlertmanagerConfig: 1, ExternalSecret: 3 });
    expect(config.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
  });

  test("takes its name, and its Secrets' prefix, from `name`", () => {
    const named = synth({ name: 'shop-routing' });
    expect(named.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'AlertmanagerConfig/shop-routing',
      'ExternalSecret/shop-routing-deadmansswitch',
      'ExternalSecret/shop-routing-pagerduty',
      'ExternalSecret/shop-routing-slack',
    ]);
  });

  test('routes critical/page to PagerDuty and warning/ticket to Slack, the Watchdog to its own receiver every minute', () => {
    expect(config.spec.route).toEqual({
      receiver: 'slack',
      groupBy: [...ALERT_IDENTITY_LABELS],
      groupWait: '30s',
      groupInterval: '5m',
      repeatInterval: '12h',
      routes: [
        {
          receiver: 'watchdog',
          matchers: [{ name: 'alertname', matchType: '=', value: 'Watchdog' }],
          groupWait: '0s',
          groupInterval: '1m',
          repeatInterval: '1m',
        },
        { receiver: 'pagerduty', matchers: [{ name: 'severity', matchType: '=~', value: 'critical|page' }], repeatInterval: '1h' },
        { receiver: 'slack', matchers: [{ name: 'severity', matchType: '=~', value: 'warning|ticket' }], repeatInterval: '12h' },
      ],
    });
  });

  test('reads the PagerDuty routing key and the Slack URL from the Secrets of the ExternalSecrets', () => {
    const [pagerduty, slack, watchdog] = config.spec.receivers;
    expect(pagerduty.name).toBe('pagerduty');
    expect(pagerduty.pagerdutyConfigs[0].routingKey).toEqual({ name: 'alert-routing-pagerduty', key: 'routing-key' });
    expect(pagerduty.pagerdutyConfigs[0].sendResolved).toBe(true);
    expect(slack.slackConfigs[0].apiURL).toEqual({ name: 'alert-routing-slack', key: 'api-url' });
    expect(slack.slackConfigs[0].channel).toBe('#alp-alerts');
    expect(slack.slackConfigs[0].text).toContain('Runbook: {{ .Annotations.runbook_url }}');
    expect(watchdog).toEqual({
      name: 'watchdog',
      webhookConfigs: [{ urlSecret: { name: 'alert-routing-deadmansswitch', key: 'url' }, sendResolved: false }],
    });
    const secret = findObject(manifests, 'ExternalSecret', 'alert-routing-pagerduty');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault' });
    expect(secret.spec.data).toEqual([{ secretKey: 'routing-key', remoteRef: { key: 'alp/alerting/pagerduty', property: 'routing-key' } }]);
    expect(findObject(manifests, 'ExternalSecret', 'alert-routing-slack').spec.data).toEqual([
      { secretKey: 'api-url', remoteRef: { key: 'alp/alerting/slack', property: 'api-url' } },
    ]);
  });

  test('a critical alert silences only the warning of the same identity: alert name and every identifying label', () => {
    const [rule] = config.spec.inhibitRules;
    expect(config.spec.inhibitRules).toHaveLength(1);
    expect(rule.equal).toEqual([...ALERT_IDENTITY_LABELS]);
    const cert = (name: string, severity: string) => ({
      alertname: 'CertificateExpiring',
      namespace: 'alp-monitoring',
      source_namespace: 'cert-manager',
      exported_namespace: 'alp-edge',
      name,
      severity,
    });
    expect(inhibits(rule, cert('learn-alp-example-com', 'critical'), cert('learn-alp-example-com', 'warning'))).toBe(true);
    expect(inhibits(rule, cert('learn-alp-example-com', 'critical'), cert('api-alp-example-com', 'warning'))).toBe(false);
    const burn = (service: string, severity: string, long: string) => ({
      alertname: 'ServiceErrorBudgetBurn',
      namespace: 'alp-monitoring',
      service,
      severity,
      long_window: long,
    });
    expect(inhibits(rule, burn('user-service', 'critical', '1h'), burn('user-service', 'warning', '1d'))).toBe(true);
    expect(inhibits(rule, burn('user-service', 'critical', '1h'), burn('content-service', 'warning', '1d'))).toBe(false);
    const backup = (cluster: string, severity: string) => ({
      alertname: 'BackupOlderThanRpo',
      namespace: 'alp-monitoring',
      source_namespace: 'alp-data',
      cluster,
      severity,
    });
    expect(inhibits(rule, backup('postgres', 'critical'), backup('analytics', 'warning'))).toBe(false);
    expect(inhibits(rule, { ...cert('a', 'critical'), alertname: 'CertificateNotReady' }, cert('a', 'warning'))).toBe(false);
  });

  test("groups by the identity labels: two certificates, two Velero schedules or two clusters are two notifications (two incidents); one service's burn windows are one", () => {
    const group = (labels: Record<string, string>) => JSON.stringify(config.spec.route.groupBy.map((l: string) => labels[l] ?? ''));
    const cert = (namespace: string, name: string) => ({
      alertname: 'CertificateNotReady',
      namespace: 'alp-monitoring',
      source_namespace: namespace,
      exported_namespace: namespace,
      name,
      severity: 'warning',
    });
    expect(group(cert('alp-edge', 'api-tls'))).not.toBe(group(cert('alp-edge', 'learn-tls')));
    expect(group(cert('alp-edge', 'api-tls'))).not.toBe(group(cert('alp-monitoring', 'api-tls')));
    const velero = (schedule: string) => ({
      alertname: 'BackupOlderThanRpo',
      namespace: 'alp-monitoring',
      backup_tool: 'velero',
      reason: 'late',
      schedule,
      severity: 'critical',
    });
    expect(group(velero('hourly'))).not.toBe(group(velero('daily')));
    expect(group(velero('hourly'))).toBe(group({ ...velero('hourly'), reason: 'missing' }));
    const cnpg = (cluster: string) => ({
      alertname: 'BackupOlderThanRpo',
      namespace: 'alp-monitoring',
      source_namespace: 'alp-data',
      backup_tool: 'cnpg',
      reason: 'late',
      cluster,
      severity: 'critical',
    });
    expect(group(cnpg('postgres'))).not.toBe(group(cnpg('analytics')));
    expect(group(cnpg('postgres'))).not.toBe(group({ ...velero('postgres'), source_namespace: 'alp-data' }));
    const burn = (long: string, short: string) => ({
      alertname: 'ServiceErrorBudgetBurn',
      namespace: 'alp-monitoring',
      service: 'user-service',
      severity: 'critical',
      long_window: long,
      short_window: short,
    });
    expect(group(burn('1h', '5m'))).toBe(group(burn('6h', '30m')));
  });

  test("sends the Watchdog to the dead man's switch at the watchdog interval; the page repeat interval is a prop", () => {
    const withSwitch = synth({
      deadMansSwitch: { remoteKey: 'alp/alerting/heartbeat', key: 'webhook' },
      name: 'routing',
      pageRepeatInterval: '4h',
      watchdogInterval: '2m',
    });
    const routing = findObject(withSwitch, 'AlertmanagerConfig', 'routing');
    expect(routing.spec.receivers[2]).toEqual({
      name: 'watchdog',
      webhookConfigs: [{ urlSecret: { name: 'routing-deadmansswitch', key: 'webhook' }, sendResolved: false }],
    });
    expect(routing.spec.route.routes[0]).toEqual({
      receiver: 'watchdog',
      matchers: [{ name: 'alertname', matchType: '=', value: 'Watchdog' }],
      groupWait: '0s',
      groupInterval: '2m',
      repeatInterval: '2m',
    });
    expect(routing.spec.route.routes[1].repeatInterval).toBe('4h');
    expect(findObject(withSwitch, 'ExternalSecret', 'routing-deadmansswitch').spec.data).toEqual([
      { secretKey: 'webhook', remoteRef: { key: 'alp/alerting/heartbeat', property: 'webhook' } },
    ]);
  });

  test("refuses to be built without a dead man's switch", () => {
    const { deadMansSwitch, ...withoutSwitch } = PROPS;
    expect(deadMansSwitch).toBeDefined();
    expect(errorOf(() => new AlertRouting(monitoringChart(), 'Routing', withoutSwitch as AlertRoutingProps))).toBe(
      "monitoring/Routing: 'deadMansSwitch.remoteKey' (missing) must name the secret of the dead man's switch's webhook URL; without it nobody learns that alerting itself is down",
    );
  });

  test('every object matches its schema', () => {
    expect(manifests.flatMap(validateSchema)).toEqual([]);
  });

  test('fails on bad timings, labels and channel, listing every problem', () => {
    expect(
      errorOf(
        () =>
          new AlertRouting(monitoringChart(), 'Routing', {
            ...PROPS,
            groupWait: '30 seconds',
            inhibitEqual: ['namespace'],
            slack: { ...PROPS.slack, channel: 'alp alerts' },
          }),
      ),
    ).toBe(
      [
        'monitoring/Routing: 3 invalid props',
        '  - monitoring/Routing: \'groupWait\' ("30 seconds") must be a duration such as "30s", "5m" or "4h"',
        "  - monitoring/Routing: 'inhibitEqual' ([\"namespace\"]) must include 'alertname'; otherwise any critical alert silences unrelated warnings",
        '  - monitoring/Routing: \'slack.channel\' ("alp alerts") must be a Slack channel such as "#ops-alerts"',
      ].join('\n'),
    );
  });
});

/** Issue 15: under the Prometheus Operator's default matcher strategy, every platform alert reaches the receiver its severity names. */
describe('AlertRouting webhooks |', () => {
  const webhook = {
    receiver: 'auto-rollback',
    alertnames: ['SwitchWatchFailed'],
    url: { remoteKey: 'ops/delivery/trigger' },
    groupBy: ['alertname', 'region'],
  };
  const manifests = synth({ webhooks: [webhook] });
  const config = findObject(manifests, 'AlertmanagerConfig', 'alert-routing');

  test('a webhook route comes first and continues to the severity routes; its URL is read from an ExternalSecret', () => {
    expect(config.spec.route.routes.map((r: any) => [r.receiver, r.continue ?? false])).toEqual([
      ['auto-rollback', true],
      ['watchdog', false],
      ['pagerduty', false],
      ['slack', false],
    ]);
    expect(config.spec.route.routes[0]).toEqual({
      receiver: 'auto-rollback',
      matchers: [{ name: 'alertname', matchType: '=', value: 'SwitchWatchFailed' }],
      groupBy: ['alertname', 'region'],
      repeatInterval: '1h',
      continue: true,
    });
    expect(config.spec.receivers[3]).toEqual({
      name: 'auto-rollback',
      webhookConfigs: [{ urlSecret: { name: 'alert-routing-auto-rollback', key: 'url' }, sendResolved: false }],
    });
    expect(findObject(manifests, 'ExternalSecret', 'alert-routing-auto-rollback').spec.data).toEqual([
      { secretKey: 'url', remoteRef: { key: 'ops/delivery/trigger', property: 'url' } },
    ]);
    expect(manifests.flatMap(validateSchema)).toEqual([]);
  });

  test('several alert names are one regex matcher, sorted', () => {
    const routes = findObject(synth({ webhooks: [{ ...webhook, alertnames: ['B', 'A'] }] }), 'AlertmanagerConfig', 'alert-routing').spec
      .route.routes;
    expect(routes[0].matchers).toEqual([{ name: 'alertname', matchType: '=~', value: 'A|B' }]);
  });

  test('fails on a built-in receiver name, no alert names and a bad repeat interval, listing every problem', () => {
    expect(errorOf(() => synth({ webhooks: [{ ...webhook, receiver: 'slack', alertnames: [], repeatInterval: 'hourly' }] }))).toBe(
      [
        'monitoring/Routing: 3 invalid props',
        '  - monitoring/Routing: \'webhooks[0].receiver\' ("slack") must be a DNS label, unique, and none of pagerduty, slack, watchdog',
        "  - monitoring/Routing: 'webhooks[0].alertnames' ([]) must list at least one alert name",
        '  - monitoring/Routing: \'webhooks[0].repeatInterval\' ("hourly") must be a duration such as "30s", "5m" or "4h"',
      ].join('\n'),
    );
  });
});

describe("the platform's alerts under the operator's default matcher strategy (OnNamespace) |", () => {
  const model = platformModel();
  const app = platformApp.build(model);
  const objects = renderApp(app).objects;
  const clusters = [...new Set(objects.filter((o) => o.manifest.kind === 'PrometheusRule').map((o) => o.cluster))].sort();
  const intended: Record<string, string> = { critical: 'pagerduty', warning: 'slack' };

  test.each(clusters)(
    "in %s, every alert of every PrometheusRule reaches its severity's receiver, and the Watchdog the dead man's switch",
    (cluster) => {
      const inCluster = objects.filter((o) => o.cluster === cluster);
      const ctx = new PolicyContext(inCluster.map((o) => ({ manifest: o.manifest, cluster })));
      const trees = configTrees(ctx, ctx.ofKind('monitoring.coreos.com', 'AlertmanagerConfig'));
      expect(trees.map((t) => t.key)).toEqual([`${model.spec.namespaces.monitoring}/${ALERT_ROUTING_NAME}`]);
      const alerts = inCluster
        .filter((o) => o.manifest.kind === 'PrometheusRule')
        .flatMap((o) => o.manifest.spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert)));
      expect(alerts.length).toBeGreaterThan(0);
      const misrouted = alerts.flatMap((rule: any) => {
        const labels = { ...rule.labels, alertname: rule.alert };
        const reached = routeAlert(labels, trees, 'OnNamespace');
        const want = rule.alert === 'Watchdog' ? 'watchdog' : intended[labels.severity];
        const ok = reached.length === 1 && reached[0].receiver === want && !reached[0].fallback && reached[0].integrated;
        return ok ? [] : [`${rule.alert} (${labels.severity}, namespace ${labels.namespace}) -> ${JSON.stringify(reached)}`];
      });
      expect(misrouted).toEqual([]);
    },
  );

  test('the identity labels (groupBy, inhibit equal) are exactly the labels the generated alerts identify their subject by', () => {
    // Labels that tell the variants of one alert apart, and labels only joined on inside an expression.
    const notIdentity = new Set(['severity', 'reason', 'long_window', 'short_window', 'job_name', 'owner_name', 'phase']);
    const rules = objects
      .filter((o) => o.manifest.kind === 'PrometheusRule')
      .flatMap((o) => o.manifest.spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert)));
    const carried = new Set<string>(['alertname']);
    for (const rule of rules) {
      for (const label of Object.keys(rule.labels ?? {})) carried.add(label);
      for (const [, list] of String(rule.expr).matchAll(/\bby\s*\(([^)]*)\)/g))
        for (const label of list.split(',')) carried.add(label.trim());
      for (const [, label] of Object.values(rule.annotations ?? {})
        .join(' ')
        .matchAll(/\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)/g))
        carried.add(label);
    }
    expect([...carried].filter((l) => !notIdentity.has(l)).sort()).toEqual([...ALERT_IDENTITY_LABELS].sort());
  });

  test('each alert carries its routing namespace and keeps the namespace it is about in source_namespace', () => {
    const rule = objects.find((o) => o.manifest.kind === 'PrometheusRule' && o.manifest.metadata.name === 'platform-rules')!.manifest;
    const alerts = rule.spec.groups[0].rules.filter((r: any) => r.alert);
    for (const alert of alerts) {
      expect({ alert: alert.alert, namespace: alert.labels.namespace, source: alert.labels.source_namespace }).toEqual({
        alert: alert.alert,
        namespace: rule.metadata.namespace,
        source: '{{ $labels.namespace }}',
      });
    }
  });

  test('runbooks take the namespace an alert is about from source_namespace, never from the routing namespace', () => {
    const runbooks = renderRunbooks(app);
    const withNamespace = runbooks.filter((r) => r.content.includes("NAMESPACE='"));
    expect(withNamespace.length).toBeGreaterThan(0);
    for (const runbook of withNamespace) {
      expect({ runbook: runbook.path, line: /^NAMESPACE=.*$/m.exec(runbook.content)![0] }).toEqual({
        runbook: runbook.path,
        line: 'NAMESPACE=\'<value of the alert label "source_namespace">\'',
      });
    }
  });
});

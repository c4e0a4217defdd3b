import { badManifests, messagesOf, object, verify } from './corpus/fixtures';

/** The corpus's AlertmanagerConfig and PrometheusRule, to change. */
function corpus(): any[] {
  return badManifests('alert-routing.yaml');
}

function alertmanager(namespace: string, type?: string): any {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'Alertmanager',
    metadata: { name: 'main', namespace },
    spec: type ? { alertmanagerConfigMatcherStrategy: { type } } : {},
  };
}

const routed = (manifests: any[]) => messagesOf(verify(manifests), 'ALERT-ROUTED').map((m) => /alert '(\w+)'/.exec(m)![1]);

describe('ALERT-ROUTED and ALERT-WATCHDOG-DEADMANS |', () => {
  test("under the default strategy (no Alertmanager in the input), only alerts labelled with the config's namespace and a routed severity pass", () => {
    expect(routed(corpus())).toEqual(['ShopErrorBudgetBurn', 'ShopCertificateExpiring', 'ShopSlow', 'ShopIdle']);
  });

  test('an Alertmanager with strategy None lets the config route every namespace, and none at all', () => {
    expect(routed([...corpus(), alertmanager('corpus', 'None')])).toEqual(['ShopSlow', 'ShopIdle']);
  });

  test("OnNamespaceExceptForAlertmanagerNamespace frees only a config in the Alertmanager's namespace", () => {
    expect(routed([...corpus(), alertmanager('corpus', 'OnNamespaceExceptForAlertmanagerNamespace')])).toEqual(['ShopSlow', 'ShopIdle']);
    expect(routed([...corpus(), alertmanager('monitoring', 'OnNamespaceExceptForAlertmanagerNamespace')])).toEqual([
      'ShopErrorBudgetBurn',
      'ShopCertificateExpiring',
      'ShopSlow',
      'ShopIdle',
    ]);
    expect(routed([...corpus(), alertmanager('corpus', 'OnNamespace')])).toEqual([
      'ShopErrorBudgetBurn',
      'ShopCertificateExpiring',
      'ShopSlow',
      'ShopIdle',
    ]);
  });

  test("a templated namespace label is the series' value: unknown, not routed", () => {
    const manifests = corpus();
    const rule = object(manifests, 'PrometheusRule', 'shop-rules').spec.groups[0].rules.find((r: any) => r.alert === 'ShopDown');
    rule.labels.namespace = '{{ $labels.namespace }}';
    expect(routed(manifests)).toContain('ShopDown');
  });

  test('the Watchdog passes once it has a receiver with a webhook, and fails on the catch-all', () => {
    const manifests = corpus();
    const config = object(manifests, 'AlertmanagerConfig', 'routing');
    config.spec.receivers.push({ name: 'deadmansswitch', webhookConfigs: [{ urlSecret: { name: 'dms', key: 'url' } }] });
    config.spec.route.routes[0].receiver = 'deadmansswitch';
    expect(messagesOf(verify(manifests), 'ALERT-WATCHDOG-DEADMANS')).toEqual([]);
    config.spec.route.routes.shift();
    config.spec.route.routes.pop();
    expect(messagesOf(verify(manifests), 'ALERT-WATCHDOG-DEADMANS')).toEqual([
      "PrometheusRule/corpus/shop-rules: alert 'Watchdog' reaches 'slack' of corpus/routing (a catch-all), not a dead man's switch: route it to a receiver of its own with a webhook",
    ]);
  });

  test('judges only what the input holds: without an AlertmanagerConfig both rules are skipped', () => {
    const report = verify(corpus().filter((m) => m.kind !== 'AlertmanagerConfig'));
    expect(report.findings.filter((f) => f.ruleId.startsWith('ALERT-'))).toEqual([]);
    expect(report.skipped.filter((s) => s.ruleId.startsWith('ALERT-'))).toEqual([
      { ruleId: 'ALERT-ROUTED', reason: 'no AlertmanagerConfig in the manifests: alert routing is not part of the input' },
      { ruleId: 'ALERT-WATCHDOG-DEADMANS', reason: 'no AlertmanagerConfig in the manifests: alert routing is not part of the input' },
    ]);
  });
});

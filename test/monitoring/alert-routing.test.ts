import { AlertRouting, AlertRoutingProps } from '../../lib/monitoring';
import { validateSchema } from '../../lib/policy/schema';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';
import { monitoringChart, synthWith } from './fixtures';

const PROPS: AlertRoutingProps = {
  storeName: 'vault',
  pagerDuty: { remoteKey: 'alp/alerting/pagerduty' },
  slack: { remoteKey: 'alp/alerting/slack', channel: '#alp-alerts' },
};

function synth(props: Partial<AlertRoutingProps> = {}): any[] {
  return synthWith((chart) => new AlertRouting(chart, 'Routing', { ...PROPS, ...props }));
}

describe('AlertRouting |', () => {
  const manifests = synth();
  const config = findObject(manifests, 'AlertmanagerConfig', 'alp-alert-routing');

  test('emits the AlertmanagerConfig and one ExternalSecret per credential', () => {
    expect(kindCounts(manifests)).toEqual({ AlertmanagerConfig: 1, ExternalSecret: 2 });
    expect(config.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
  });

  test('routes critical/page to PagerDuty and warning/ticket to Slack, the Watchdog to its own receiver', () => {
    expect(config.spec.route).toEqual({
      receiver: 'slack',
      groupBy: ['alertname', 'namespace', 'service'],
      groupWait: '30s',
      groupInterval: '5m',
      repeatInterval: '12h',
      routes: [
        { receiver: 'watchdog', matchers: [{ name: 'alertname', matchType: '=', value: 'Watchdog' }], groupWait: '0s', groupInterval: '1m', repeatInterval: '1m' },
        { receiver: 'pagerduty', matchers: [{ name: 'severity', matchType: '=~', value: 'critical|page' }], repeatInterval: '1h' },
        { receiver: 'slack', matchers: [{ name: 'severity', matchType: '=~', value: 'warning|ticket' }], repeatInterval: '12h' },
      ],
    });
  });

  test('reads the PagerDuty routing key and the Slack URL from the Secrets of the ExternalSecrets', () => {
    const [pagerduty, slack, watchdog] = config.spec.receivers;
    expect(pagerduty.name).toBe('pagerduty');
    expect(pagerduty.pagerdutyConfigs[0].routingKey).toEqual({ name: 'alp-alert-routing-pagerduty', key: 'routing-key' });
    expect(pagerduty.pagerdutyConfigs[0].sendResolved).toBe(true);
    expect(slack.slackConfigs[0].apiURL).toEqual({ name: 'alp-alert-routing-slack', key: 'api-url' });
    expect(slack.slackConfigs[0].channel).toBe('#alp-alerts');
    expect(slack.slackConfigs[0].text).toContain('Runbook: {{ .Annotations.runbook_url }}');
    expect(watchdog).toEqual({ name: 'watchdog' });
    const secret = findObject(manifests, 'ExternalSecret', 'alp-alert-routing-pagerduty');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault' });
    expect(secret.spec.data).toEqual([{ secretKey: 'routing-key', remoteRef: { key: 'alp/alerting/pagerduty', property: 'routing-key' } }]);
    expect(findObject(manifests, 'ExternalSecret', 'alp-alert-routing-slack').spec.data)
      .toEqual([{ secretKey: 'api-url', remoteRef: { key: 'alp/alerting/slack', property: 'api-url' } }]);
  });

  test('a critical alert silences the warning with the same alertname, namespace and service', () => {
    expect(config.spec.inhibitRules).toEqual([{
      sourceMatch: [{ name: 'severity', matchType: '=~', value: 'critical|page' }],
      targetMatch: [{ name: 'severity', matchType: '=~', value: 'warning|ticket' }],
      equal: ['alertname', 'namespace', 'service'],
    }]);
  });

  test('sends the Watchdog to a dead man\'s switch when one is given', () => {
    const withSwitch = synth({ deadMansSwitch: { remoteKey: 'alp/alerting/deadmansswitch' }, name: 'routing', pageRepeatInterval: '4h' });
    const routing = findObject(withSwitch, 'AlertmanagerConfig', 'routing');
    expect(routing.spec.receivers[2]).toEqual({ name: 'watchdog', webhookConfigs: [{ urlSecret: { name: 'routing-deadmansswitch', key: 'url' }, sendResolved: false }] });
    expect(routing.spec.route.routes[1].repeatInterval).toBe('4h');
    expect(kindCounts(withSwitch).ExternalSecret).toBe(3);
  });

  test('every object matches its schema', () => {
    expect([...manifests, ...synth({ deadMansSwitch: { remoteKey: 'alp/alerting/deadmansswitch' } })].flatMap(validateSchema)).toEqual([]);
  });

  test('fails on bad timings, labels and channel, listing every problem', () => {
    expect(errorOf(() => new AlertRouting(monitoringChart(), 'Routing', {
      ...PROPS, groupWait: '30 seconds', inhibitEqual: ['namespace'], slack: { ...PROPS.slack, channel: 'alp alerts' },
    }))).toBe([
      'monitoring/Routing: 3 invalid props',
      '  - monitoring/Routing: \'groupWait\' ("30 seconds") must be a duration such as "30s", "5m" or "4h"',
      "  - monitoring/Routing: 'inhibitEqual' ([\"namespace\"]) must include 'alertname'; otherwise any critical alert silences unrelated warnings",
      '  - monitoring/Routing: \'slack.channel\' ("alp alerts") must be a Slack channel such as "#alp-alerts"',
    ].join('\n'));
  });
});

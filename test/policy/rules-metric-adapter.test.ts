import { badManifests, messagesOf, verify } from './corpus/fixtures';

const RULE = 'COMPLETE-METRIC-ADAPTER';

/** The corpus file's objects, as plain manifests to change. */
const corpus = () => badManifests('hpa-metric-without-adapter-rule.yaml');

const isConfig = (m: any) => m.kind === 'ConfigMap';
const hpaNamed = (manifests: any[], namespace: string, name: string) =>
  manifests.find((m) => m.kind === 'HorizontalPodAutoscaler' && m.metadata.namespace === namespace && m.metadata.name === name);

describe('COMPLETE-METRIC-ADAPTER |', () => {
  test('an HPA whose metric the adapter serves under its name, kind and namespace is not reported', () => {
    const messages = messagesOf(verify(corpus()), RULE);
    // The rule judged this input (the corpus's other HPAs fail it), and not the served one.
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.some((m) => m.startsWith('HorizontalPodAutoscaler/corpus/worker:'))).toBe(false);
  });

  test('a Pods metric served by a rule that renames the counter to <base>_per_second passes', () => {
    const manifests = corpus();
    const config = manifests.find(isConfig);
    config.data['config.yaml'] = config.data['config.yaml'].replace(
      'matches: "^(.*)_total$"',
      'matches: "^(.*)_total$"\n      as: "${1}_per_second"',
    );
    const messages = messagesOf(verify(manifests), RULE);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.some((m) => m.startsWith('HorizontalPodAutoscaler/corpus/checkout:'))).toBe(false);
  });

  test('an External metric is not served from the custom-metrics rules', () => {
    const manifests = corpus().filter((m) => !(m.metadata.namespace === 'corpus-b'));
    const config = manifests.find(isConfig);
    config.data['config.yaml'] = config.data['config.yaml'].replace('externalRules:', 'unusedRules:');
    hpaNamed(manifests, 'corpus', 'worker').spec.metrics[0].external.metric.name = 'http_requests_per_second';
    expect(messagesOf(verify(manifests), RULE)).toContain(
      'HorizontalPodAutoscaler/corpus/worker: \'spec.metrics[0].external.metric.name\' ("http_requests_per_second") must be served by the metrics adapter: '
        + "no 'externalRules:' entry of ConfigMap/corpus/adapter-config yields it for external metrics in namespace corpus; add one; until then the autoscaler skips every scale-down",
    );
  });

  test('without an adapter config in the input, the HPAs are not judged and the check is reported as skipped', () => {
    const report = verify(corpus().filter((m) => !isConfig(m)));
    expect(messagesOf(report, RULE)).toEqual([]);
    expect(report.skipped.filter((s) => s.ruleId === RULE).map((s) => s.reason)).toEqual([
      "no metrics adapter config (ConfigMap labelled alp-deploy.io/metrics-adapter-config: prometheus-adapter) in the manifests of the input: its HPAs' custom and external metrics are judged with it",
    ]);
  });

  test('an HPA is judged only against the adapter config of its own cluster', () => {
    const inputs = corpus().map((manifest) => ({ manifest, cluster: isConfig(manifest) ? 'one' : 'two' }));
    const { verifyManifests } = require('../../lib/policy/verify');
    const report = verifyManifests(inputs, { today: '2026-03-01' });
    expect(messagesOf(report, RULE)).toEqual([]);
    expect(report.skipped.filter((s: any) => s.ruleId === RULE)).toHaveLength(1);
  });

  test('a labelled ConfigMap whose config.yaml is not YAML is reported', () => {
    const manifests = corpus();
    manifests.find(isConfig).data['config.yaml'] = 'rules: [';
    const messages = messagesOf(verify(manifests), RULE);
    expect(messages[0]).toMatch(/^ConfigMap\/corpus\/adapter-config: 'data\.config\.yaml' must hold prometheus-adapter's config as YAML: /);
  });
});

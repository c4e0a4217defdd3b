import { Testing } from 'cdk8s';
import { AlertRule, RecordingRule, Runbook } from '../../lib/monitoring/rule';
import { RuleGroupSet } from '../../lib/monitoring/rule-group-set';
import { Severity } from '../../lib/monitoring/severity';
import { validateSchema } from '../../lib/policy/schema';
import { errorOf, findObject } from '../helpers/manifests';
import { monitoringChart, RUNBOOKS, synthWith } from './fixtures';

const RUNBOOK: Runbook = {
  meaning: 'Something is broken.',
  impact: 'Users suffer.',
  diagnosis: [{ text: 'Look.', commands: ['kubectl get pods'] }],
  mitigation: [{ text: 'Fix it.' }],
};

function alert(overrides: Partial<ConstructorParameters<typeof AlertRule>[0]> = {}): AlertRule {
  return new AlertRule({
    alert: 'QuizDown',
    expr: 'up{service="quiz"} == 0',
    for: '5m',
    severity: Severity.page(),
    summary: 'Quiz is down.',
    description: 'No quiz pod answers.',
    runbook: RUNBOOK,
    ...overrides,
  });
}

describe('AlertRule and RecordingRule |', () => {
  test('fails when names, durations, labels or the runbook are invalid, listing every problem', () => {
    // WHEN
    const message = errorOf(() =>
      alert({
        alert: 'quiz-down',
        for: '5 minutes',
        labels: { severity: 'low', 'bad-label': 'x' },
        runbook: { ...RUNBOOK, mitigation: [] },
      }),
    );
    // THEN
    expect(message).toBe(
      [
        "AlertRule 'quiz-down': 5 invalid props",
        "  - AlertRule 'quiz-down': 'alert' (\"quiz-down\") must be a CamelCase name of letters and digits, such as \"ErrorBudgetBurn\"; it is also the runbook's file name",
        '  - AlertRule \'quiz-down\': \'for\' ("5 minutes") must be a Prometheus duration such as "5m" or "1h"',
        "  - AlertRule 'quiz-down': 'labels.severity' (\"low\") must not be set here; 'severity' comes from its own prop",
        '  - AlertRule \'quiz-down\': \'labels.bad-label\' ("x") must have a label name of letters, digits and "_" that does not start with "__"',
        "  - AlertRule 'quiz-down': 'runbook.mitigation' ([]) must list at least one step",
      ].join('\n'),
    );
  });

  test('fails when a recorded series has no metric name', () => {
    expect(errorOf(() => new RecordingRule({ record: 'quiz rate', expr: 'vector(1)' }))).toBe(
      'RecordingRule \'quiz rate\': \'record\' ("quiz rate") must be a metric name such as "service:http_requests:rate5m"',
    );
  });

  test('maps severities to labels and receivers', () => {
    expect(
      [Severity.page(), Severity.critical(), Severity.ticket(), Severity.warning(), Severity.none()].map((s) => [s.label, s.receiver]),
    ).toEqual([
      ['critical', 'pagerduty'],
      ['critical', 'pagerduty'],
      ['warning', 'slack'],
      ['warning', 'slack'],
      ['none', 'watchdog'],
    ]);
    expect(Severity.page()).toBe(Severity.critical());
  });
});

describe('RuleGroupSet |', () => {
  test('renders one PrometheusRule with the group <component>.rules, recording rules first', () => {
    // GIVEN
    const manifests = synthWith(
      (chart) =>
        new RuleGroupSet(chart, 'Quiz', {
          component: 'quiz',
          runbookBaseUrl: `${RUNBOOKS}/`,
          rules: [
            alert({ labels: { service: 'quiz' } }),
            new RecordingRule({ record: 'service:up:sum', expr: 'sum(up{service="quiz"})', labels: { service: 'quiz' } }),
          ],
        }),
    );
    // WHEN
    const rule = findObject(manifests, 'PrometheusRule', 'quiz-rules');
    // THEN
    expect(rule.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'quiz' });
    expect(rule.metadata.namespace).toBe('alp-monitoring');
    expect(rule.spec.groups).toEqual([
      {
        name: 'quiz.rules',
        rules: [
          { record: 'service:up:sum', expr: 'sum(up{service="quiz"})', labels: { service: 'quiz' } },
          {
            alert: 'QuizDown',
            expr: 'up{service="quiz"} == 0',
            for: '5m',
            // Routed by the AlertmanagerConfig of the rule's namespace (operator's default OnNamespace); the series' namespace is kept.
            labels: { namespace: 'alp-monitoring', service: 'quiz', severity: 'critical', source_namespace: '{{ $labels.namespace }}' },
            annotations: { summary: 'Quiz is down.', description: 'No quiz pod answers.', runbook_url: `${RUNBOOKS}/QuizDown.md` },
          },
        ],
      },
    ]);
    expect(validateSchema(rule)).toEqual([]);
  });

  test('labels alerts with alertNamespace when given, and refuses a namespace that is not a DNS label', () => {
    const manifests = synthWith(
      (chart) =>
        new RuleGroupSet(chart, 'Quiz', { component: 'quiz', runbookBaseUrl: RUNBOOKS, alertNamespace: 'alp-alerts', rules: [alert()] }),
    );
    expect(findObject(manifests, 'PrometheusRule', 'quiz-rules').spec.groups[0].rules[0].labels).toEqual({
      namespace: 'alp-alerts',
      severity: 'critical',
      source_namespace: '{{ $labels.namespace }}',
    });
    expect(
      errorOf(
        () => new RuleGroupSet(monitoringChart(), 'Quiz', { component: 'quiz', runbookBaseUrl: RUNBOOKS, alertNamespace: 'Alp Alerts' }),
      ),
    ).toBe('monitoring/Quiz: \'alertNamespace\' ("Alp Alerts") must be a namespace name (a DNS label)');
  });

  test('takes rules added after construction', () => {
    const chart = monitoringChart();
    const set = new RuleGroupSet(chart, 'Platform', { component: 'platform', runbookBaseUrl: RUNBOOKS, interval: '1m' });
    set.addRules(alert({ alert: 'PlatformDown' }));
    const rule = findObject(Testing.synth(chart), 'PrometheusRule', 'platform-rules');
    expect(rule.spec.groups[0].interval).toBe('1m');
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).toEqual(['PlatformDown']);
  });

  test('fails synth when an expression does not parse, naming the rule and the group', () => {
    // GIVEN a deliberately broken expression
    const chart = monitoringChart();
    new RuleGroupSet(chart, 'Quiz', {
      component: 'quiz',
      runbookBaseUrl: RUNBOOKS,
      rules: [
        alert({ alert: 'BrokenAlert', expr: 'sum(rate(http_requests_total[5m]) > 1' }),
        new RecordingRule({ record: 'broken:record', expr: 'rate(x[5m' }),
      ],
    });
    // THEN
    expect(errorOf(() => Testing.synth(chart))).toBe(
      [
        'Validation failed with the following errors:',
        "  [monitoring/Quiz] recording rule 'broken:record' in group 'quiz.rules': 'expr' (\"rate(x[5m\") must be valid PromQL; syntax error at the end of the expression, just after \"rate(x[5m\"",
        "  [monitoring/Quiz] alert 'BrokenAlert' in group 'quiz.rules': 'expr' (\"sum(rate(http_requests_total[5m]) > 1\") must be valid PromQL; syntax error at the end of the expression, just after \"uests_total[5m]) > 1\"",
      ].join('\n'),
    );
  });

  test('fails synth when two rules produce the same series or one alert name has two runbooks', () => {
    const chart = monitoringChart();
    new RuleGroupSet(chart, 'Quiz', {
      component: 'quiz',
      runbookBaseUrl: RUNBOOKS,
      rules: [alert(), alert(), alert({ severity: Severity.ticket(), runbook: { ...RUNBOOK, impact: 'Other.' } })],
    });
    expect(errorOf(() => Testing.synth(chart))).toBe(
      [
        'Validation failed with the following errors:',
        "  [monitoring/Quiz] alert 'QuizDown' in group 'quiz.rules': duplicates another rule with the same name and labels; give it distinguishing labels or remove it",
        "  [monitoring/Quiz] alert 'QuizDown' in group 'quiz.rules': has a different runbook than another 'QuizDown' rule; alerts with one name share one runbook file",
      ].join('\n'),
    );
  });

  test('fails when the component or the runbook URL is invalid', () => {
    expect(errorOf(() => new RuleGroupSet(monitoringChart(), 'Bad', { component: 'Quiz Service', runbookBaseUrl: 'runbooks/' }))).toBe(
      [
        'monitoring/Bad: 2 invalid props',
        '  - monitoring/Bad: \'component\' ("Quiz Service") must be a DNS label of at most 57 characters; the PrometheusRule is named <component>-rules',
        '  - monitoring/Bad: \'runbookBaseUrl\' ("runbooks/") must be an http(s) URL such as "https://git.example.com/shop/blob/main/dist/runbooks"',
      ].join('\n'),
    );
  });

  test('finds every RuleGroupSet under a scope', () => {
    const chart = monitoringChart();
    new RuleGroupSet(chart, 'A', { component: 'a', runbookBaseUrl: RUNBOOKS });
    new RuleGroupSet(chart, 'B', { component: 'b', runbookBaseUrl: RUNBOOKS });
    expect(RuleGroupSet.allIn(chart.node.root).map((s) => s.groupName)).toEqual(['a.rules', 'b.rules']);
  });
});

import { Testing } from 'cdk8s';
import { platformHealthRules } from '../../lib/monitoring/platform-health-rules';
import { AlertRule } from '../../lib/monitoring/rule';
import { RuleGroupSet } from '../../lib/monitoring/rule-group-set';
import { ESCALATION_LEVELS, renderRunbook, renderRunbooks } from '../../lib/monitoring/runbook';
import { ServiceRules } from '../../lib/monitoring/service-rules';
import { Severity } from '../../lib/monitoring/severity';
import { TraceCollector } from '../../lib/monitoring/trace-collector';
import { errorOf } from '../helpers/manifests';
import { monitoringChart, NAMESPACES, rulesOf, RUNBOOKS } from './fixtures';
import { businessRules, securityRules } from '../../platform';

/** A monitoring chart with every rule set the platform has. */
function platformRules() {
  const chart = monitoringChart();
  for (const service of ['quiz', 'user-service'])
    new ServiceRules(chart, service, {
      service,
      namespaces: NAMESPACES,
      runbookBaseUrl: RUNBOOKS,
      switchTrafficCommand: 'npx alp switch-traffic',
    });
  new RuleGroupSet(chart, 'Platform', { component: 'platform', runbookBaseUrl: RUNBOOKS, rules: platformHealthRules() });
  new RuleGroupSet(chart, 'Business', {
    component: 'business',
    runbookBaseUrl: RUNBOOKS,
    rules: businessRules({ namespaces: NAMESPACES }),
  });
  new RuleGroupSet(chart, 'Security', {
    component: 'security',
    runbookBaseUrl: RUNBOOKS,
    rules: securityRules({ namespaces: NAMESPACES }),
  });
  new TraceCollector(chart, 'Collector', { jaegerNamespace: 'observability', runbookBaseUrl: RUNBOOKS });
  return chart;
}

describe('renderRunbooks |', () => {
  const chart = platformRules();
  const files = renderRunbooks(chart.node.root, { grafanaUrl: 'https://grafana.example.com' });
  const manifests = Testing.synth(chart);

  test('writes one runbook per distinct alert name, sorted', () => {
    expect(files.map((f) => f.path)).toEqual([
      'runbooks/AuthDeniedRatioSpike.md',
      'runbooks/BackupOlderThanRpo.md',
      'runbooks/CertificateExpiring.md',
      'runbooks/CertificateNotReady.md',
      'runbooks/EndpointDown.md',
      'runbooks/FailedLoginSpike.md',
      'runbooks/OtelCollectorDown.md',
      'runbooks/OtelCollectorExportFailing.md',
      'runbooks/OtelCollectorQueueNearlyFull.md',
      'runbooks/OtelCollectorRefusingSpans.md',
      'runbooks/PostgresWalArchivingStale.md',
      'runbooks/RestoreDrillFailing.md',
      'runbooks/ServiceAutoscalerAtMax.md',
      'runbooks/ServiceContainerRestarting.md',
      'runbooks/ServiceCpuThrottled.md',
      'runbooks/ServiceDisruptionBudgetAtRisk.md',
      'runbooks/ServiceErrorBudgetBurn.md',
      'runbooks/ServiceLatencyP99AboveTarget.md',
      'runbooks/ServiceMemoryNearLimit.md',
      'runbooks/ServicePodCrashLooping.md',
      'runbooks/ServiceReplicasMismatch.md',
      'runbooks/Watchdog.md',
    ]);
  });

  test("every alert's runbook_url points at a runbook file that is written", () => {
    const written = new Set(files.map((f) => `${RUNBOOKS}/${f.path.slice('runbooks/'.length)}`));
    const urls = rulesOf(manifests)
      .filter((r) => r.rule.alert)
      .map((r) => r.rule.annotations.runbook_url);
    expect(urls.length).toBeGreaterThan(30);
    expect(urls.filter((u) => !written.has(u))).toEqual([]);
  });

  test('each runbook says what it means, the impact, who is told, how to diagnose and mitigate, and the escalation', () => {
    for (const file of files) {
      const headings = file.content.split('\n').filter((l) => l.startsWith('## '));
      expect([file.alert, headings]).toEqual([
        file.alert,
        ['## What it means', '## Impact', '## Who is told', '## How to diagnose', '## How to mitigate', '## Escalation', '## Links'],
      ]);
    }
  });

  test('renders the SLO runbook with both severities, the label variables, kubectl and PromQL', () => {
    const burn = files.find((f) => f.alert === 'ServiceErrorBudgetBurn')!.content;
    expect(burn).toContain(
      '- As `severity: critical` it pages the on-call engineer through PagerDuty (escalation level L2).\n'
        + "- As `severity: warning` it is posted to the team's Slack channel for triage in working hours (escalation level L1).",
    );
    expect(burn).toContain('```sh\nSERVICE=\'<value of the alert label "service">\'\nPREVIOUS_COLOR=');
    expect(burn).toContain('   kubectl get pods --all-namespaces -l app.kubernetes.io/name="$SERVICE" -o wide');
    expect(burn).toContain('   ```promql\n   sum by (color, code) (rate(http_requests_total{service="$SERVICE",code=~"5.."}[5m]))');
    expect(burn).toContain('   npx alp switch-traffic --to "$PREVIOUS_COLOR"');
    expect(burn).toContain('- Dashboards: https://grafana.example.com');
  });

  test('without a switch command the switch-back step says what to do and names no command (nor its PREVIOUS_COLOR variable)', () => {
    const chart = Testing.chart();
    new ServiceRules(chart, 'quiz', { service: 'quiz', namespaces: NAMESPACES, runbookBaseUrl: RUNBOOKS });
    const burn = renderRunbooks(chart.node.root, {}).find((f) => f.alert === 'ServiceErrorBudgetBurn')!.content;
    expect(burn).toContain(
      'switch back to the colour that was live before (it still runs the previous release), commit and push; Argo CD syncs the router.',
    );
    expect(burn).not.toContain('switch-traffic');
    expect(burn).not.toContain('PREVIOUS_COLOR');
  });

  test("maps the seed's four escalation levels: L1 automated, L2 on-call via PagerDuty, L3/L4 in the PagerDuty escalation policy", () => {
    expect(ESCALATION_LEVELS.map((l) => l.level)).toEqual(['L1', 'L2', 'L3', 'L4']);
    const watchdog = files.find((f) => f.alert === 'Watchdog')!.content;
    expect(watchdog).toContain(
      '| L2 | On-call engineer response for critical issues | `critical` alerts page the on-call engineer through PagerDuty',
    );
    expect(watchdog).toContain('| L3 | Senior engineer and architect involvement | The second step of the PagerDuty escalation policy');
    expect(watchdog).toContain('| L4 | Vendor support and external expert consultation | The last step of the PagerDuty escalation policy');
  });

  test('is deterministic', () => {
    expect(renderRunbooks(platformRules().node.root, { grafanaUrl: 'https://grafana.example.com' })).toEqual(files);
  });

  test('fails when one alert name carries two different runbooks', () => {
    // GIVEN two rule sets that disagree about 'QuizDown'
    const chart = monitoringChart();
    const quizDown = (impact: string) =>
      new AlertRule({
        alert: 'QuizDown',
        expr: 'vector(1)',
        severity: Severity.page(),
        summary: 's',
        description: 'd',
        runbook: { meaning: 'm', impact, diagnosis: [{ text: 'd' }], mitigation: [{ text: 'm' }] },
      });
    new RuleGroupSet(chart, 'A', { component: 'a', runbookBaseUrl: RUNBOOKS, rules: [quizDown('one')] });
    new RuleGroupSet(chart, 'B', { component: 'b', runbookBaseUrl: RUNBOOKS, rules: [quizDown('two')] });
    // THEN
    expect(errorOf(() => renderRunbooks(chart))).toBe(
      [
        'runbooks: 1 conflicting alert definitions',
        "  - monitoring/B: alert 'QuizDown' has a different runbook than in monitoring/A; alerts with one name share one runbook file",
      ].join('\n'),
    );
  });

  test('renders a single alert on its own', () => {
    const [watchdog] = platformHealthRules().filter((r): r is AlertRule => r.name === 'Watchdog');
    expect(renderRunbook(watchdog).split('\n').slice(0, 8)).toEqual([
      '# Watchdog',
      '',
      "<!-- Generated by alp-deploy (lib/monitoring); change the rule's runbook there and synthesize. -->",
      '',
      '## What it means',
      '',
      "The Watchdog always fires. It proves that Prometheus evaluates rules and that Alertmanager delivers them: the dead man's switch expects it continuously and alarms when it stops.",
      '',
    ]);
    expect(renderRunbook(watchdog)).toContain("- As `severity: none` it notifies no human; it feeds the dead man's switch.");
  });
});

/**
 * The traffic switch's alerts (SwitchWatchFailed, SwitchGateFailed), run by the real `promtool test
 * rules` on the rule group the edge chart synthesizes, against series shaped like Argo Rollouts'
 * controller exports them (controller/metrics/analysis.go: `analysis_run_metric_phase` with
 * namespace, name, metric, type, dry_run, phase; one series per phase, 1 for the current one),
 * scraped with honorLabels: false (the run's namespace in `exported_namespace`).
 */
import { App, Testing } from 'cdk8s';
import { EdgeChart } from '../../charts/edge-chart';
import { clusterPlacements } from '../../platform';
import { ROLLBACK_COMMAND, SWITCH_ANALYSES } from '../../platform/names';
import { platformModel } from '../helpers/manifests';
import { describePromtool, PromRuleGroup, ruleGroupsOf, runPromtoolTests } from '../helpers/promtool';

const model = platformModel();
const { spec, release } = model;
const placement = clusterPlacements(spec)[0];
const region = placement.region.name;
const liveColor = release.regions[region].activeColor;
const edge = spec.namespaces.edge;
const service = spec.services[0].name;

/** The switch rules exactly as the edge chart builds them. */
const objects: any[] = Testing.synth(new EdgeChart(new App(), 'edge', { spec, release, placement }));
const groups: PromRuleGroup[] = ruleGroupsOf(objects, { alert: /^Switch(Watch|Gate)Failed$/ });

const PHASES = ['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive'];

/** The six phase series of one metric of an AnalysisRun, `phase` current from the first sample on. */
function metricPhases(run: string, metric: string, phase: string, options: { dryRun?: boolean; honorLabels?: boolean } = {}): any[] {
  const ns = options.honorLabels ? `namespace="${edge}"` : `namespace="argo-rollouts",exported_namespace="${edge}"`;
  const target = 'job="argo-rollouts-metrics",service="argo-rollouts-metrics",pod="argo-rollouts-6c8f7d9b5-q2w4e",instance="10.1.2.3:8090"';
  return PHASES.map((p) => ({
    series: `analysis_run_metric_phase{${target},${ns},name="${run}",metric="${metric}",type="Prometheus",dry_run="${!!options.dryRun}",phase="${p}"}`,
    values: `${p === phase ? 1 : 0}x20`,
  }));
}

function ruleOf(alert: string): any {
  return groups.flatMap((g) => g.rules).find((r: any) => r.alert === alert);
}

/**
 * The alert as promtool reports it: the rule's labels and the series' `metric` and `phase`;
 * annotations expanded with the series' labels only (Prometheus does not pass the rule's own).
 */
function expected(alert: string, labels: Record<string, string>): any {
  const rule = ruleOf(alert);
  const all: Record<string, string> = { ...rule.labels, ...labels };
  delete all.source_namespace; // the series carry no namespace after aggregation: Prometheus drops the empty label
  const expand = (text: string) => text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
  return {
    exp_labels: all,
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations as Record<string, string>).map(([k, v]) => [k, expand(v)])),
  };
}

function run(input: any[], checks: Array<{ at: string; alert: string; alerts: any[] }>): Record<string, unknown> {
  return {
    tests: [
      {
        interval: '1m',
        input_series: input,
        alert_rule_test: checks.map((c) => ({ eval_time: c.at, alertname: c.alert, exp_alerts: c.alerts })),
      },
    ],
  };
}

function expectPass(tests: Record<string, unknown>): void {
  const result = runPromtoolTests(groups, tests);
  expect({ ok: result.ok, output: result.output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
}

describePromtool('promtool test rules: the switch alerts', () => {
  const errorRatio = `${service}-error-ratio`;
  const watchFailed = (metric: string, phase = 'Failed') => expected('SwitchWatchFailed', { metric, phase });

  test('the rules are the synthesized ones: the watch pages with the region and the live colour, the gate opens a ticket', () => {
    expect(ruleOf('SwitchWatchFailed').labels).toMatchObject({
      severity: 'critical',
      region,
      color: liveColor,
      namespace: spec.namespaces.monitoring,
    });
    expect(ruleOf('SwitchGateFailed').labels).toMatchObject({ severity: 'warning', region, namespace: spec.namespaces.monitoring });
    expect(ruleOf('SwitchGateFailed').labels.color).toBeUndefined();
    expect(ruleOf('SwitchWatchFailed').annotations.description).toContain(`\`${ROLLBACK_COMMAND} --region ${region}\``);
  });

  test('a Failed watch metric pages after 2 minutes, naming the signal, the region and the colour; the other signals stay quiet', () => {
    expectPass(
      run(
        [
          ...metricPhases(SWITCH_ANALYSES.watch, errorRatio, 'Failed'),
          ...metricPhases(SWITCH_ANALYSES.watch, `${service}-latency-p99`, 'Successful'),
          ...metricPhases(SWITCH_ANALYSES.watch, `smoke-${service}`, 'Running'),
        ],
        [
          { at: '1m', alert: 'SwitchWatchFailed', alerts: [] },
          { at: '5m', alert: 'SwitchWatchFailed', alerts: [watchFailed(errorRatio)] },
          { at: '5m', alert: 'SwitchGateFailed', alerts: [] },
        ],
      ),
    );
    const page = watchFailed(errorRatio);
    expect(page.exp_annotations.summary).toBe(
      `The post-switch watch failed in ${region}: signal ${errorRatio} is Failed on the live colour.`,
    );
    expect(page.exp_annotations.description).toContain(`\`npx alp rollback --region ${region}\`, commit, push`);
    expect(page.exp_labels.color).toBe(liveColor);
  });

  test('a watch metric in Error (not measurable) pages too; scraped with honorLabels: true it is found by its namespace', () => {
    expectPass(
      run(metricPhases(SWITCH_ANALYSES.watch, errorRatio, 'Error', { honorLabels: true }), [
        { at: '5m', alert: 'SwitchWatchFailed', alerts: [watchFailed(errorRatio, 'Error')] },
      ]),
    );
  });

  test('a metric that ended Inconclusive (Argo CD: Unknown, the hook fails the sync) pages the watch and tickets the gate', () => {
    expectPass(
      run(
        [
          ...metricPhases(SWITCH_ANALYSES.watch, errorRatio, 'Inconclusive'),
          ...metricPhases(SWITCH_ANALYSES.gate, `${service}-ready`, 'Inconclusive'),
        ],
        [
          { at: '5m', alert: 'SwitchWatchFailed', alerts: [watchFailed(errorRatio, 'Inconclusive')] },
          {
            at: '5m',
            alert: 'SwitchGateFailed',
            alerts: [expected('SwitchGateFailed', { metric: `${service}-ready`, phase: 'Inconclusive' })],
          },
        ],
      ),
    );
  });

  test('a Successful watch, a failing dry-run metric and a Failed gate never page the watch; the failed gate opens its ticket', () => {
    expectPass(
      run(
        [
          ...metricPhases(SWITCH_ANALYSES.watch, errorRatio, 'Successful'),
          ...metricPhases(SWITCH_ANALYSES.watch, `${service}-latency-p99`, 'Failed', { dryRun: true }),
          ...metricPhases(SWITCH_ANALYSES.gate, `${service}-ready`, 'Failed'),
        ],
        [
          { at: '10m', alert: 'SwitchWatchFailed', alerts: [] },
          { at: '10m', alert: 'SwitchGateFailed', alerts: [expected('SwitchGateFailed', { metric: `${service}-ready`, phase: 'Failed' })] },
        ],
      ),
    );
  });

  test('a wrong expectation fails: a Successful watch does not page', () => {
    const result = runPromtoolTests(
      groups,
      run(metricPhases(SWITCH_ANALYSES.watch, errorRatio, 'Successful'), [
        { at: '5m', alert: 'SwitchWatchFailed', alerts: [watchFailed(errorRatio)] },
      ]),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED/);
  });
});

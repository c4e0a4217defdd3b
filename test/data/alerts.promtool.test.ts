/**
 * The backup-age and restore-drill alerts, run by the real `promtool test rules` against
 * series shaped like Velero's, CloudNativePG's and kube-state-metrics'. Thresholds come from
 * the platform spec through the same functions the schedules use, never from literals.
 */
import { Chart, Testing } from 'cdk8s';
import { backupAgeLimitMinutes, intervalForRpo } from '../../lib/data/backup-interval';
import { DEFAULT_DRILL_NAME, DEFAULT_DRILL_TIMEOUT_MINUTES, drillOverdueAfterMinutes } from '../../lib/data/restore-drill';
import { BackupSchedule } from '../../lib/data/velero';
import { platformHealthRules } from '../../lib/monitoring/platform-health-rules';
import { RuleGroupSet } from '../../lib/monitoring/rule-group-set';
import { platformModel } from '../helpers/manifests';
import { describePromtool, PromRuleGroup, ruleGroupsOf, runPromtoolTests } from '../helpers/promtool';

const { spec } = platformModel();
const DATA = spec.namespaces.data;

/** The platform's Velero Schedule, as its platform chart builds it from the spec. */
const veleroSchedule = new BackupSchedule(new Chart(Testing.app(), 'cluster'), 'Backup', {
  name: `${spec.name}-platform`,
  namespaces: [DATA],
  rpoMinutes: spec.data.rpoMinutes,
  ttlHours: spec.data.backups.veleroTtlHours,
  gdprRetentionDays: spec.data.gdpr.retentionDays,
});
const VELERO_LIMIT = backupAgeLimitMinutes(veleroSchedule.intervalMinutes);
const CNPG_LIMIT = backupAgeLimitMinutes(intervalForRpo(spec.data.rpoMinutes)!);
const DRILL_OVERDUE = drillOverdueAfterMinutes(spec.data.restoreDrill.schedule, DEFAULT_DRILL_TIMEOUT_MINUTES)!;

/**
 * The rules under test (those of one backup tool, when given), without annotations (their texts
 * are checked elsewhere; promtool compares them verbatim). Built in a chart without a namespace:
 * the routing labels RuleGroupSet adds in a namespaced chart are the alert-routing tests' concern.
 */
function groups(alert: RegExp, backupTool?: string): PromRuleGroup[] {
  const chart = new Chart(Testing.app(), 'monitoring', { disableResourceNameHashes: true });
  new RuleGroupSet(chart, 'Platform', {
    component: 'platform',
    runbookBaseUrl: 'https://git.example.com/runbooks',
    rules: platformHealthRules({
      rpoMinutes: spec.data.rpoMinutes,
      restoreDrill: { cronJob: DEFAULT_DRILL_NAME, overdueAfterMinutes: DRILL_OVERDUE },
    }),
  });
  return ruleGroupsOf(Testing.synth(chart), { alert }).map((g) => ({
    ...g,
    rules: g.rules
      .filter((rule: any) => backupTool === undefined || rule.labels.backup_tool === backupTool)
      .map(({ annotations: _annotations, ...rule }) => rule),
  }));
}

const page = { severity: 'critical' };
const ticket = { severity: 'warning' };
const m = (minutes: number) => `${minutes}m`;

/** promtool must pass; on failure its own report is the message. */
function expectPass(result: { ok: boolean; output: string }): void {
  expect(result.output).toMatch(/SUCCESS/);
  expect(result.ok).toBe(true);
}

describePromtool('backup-age alerts (promtool) |', () => {
  const rules = groups(/^BackupOlderThanRpo$/, 'velero');
  const cnpgRules = groups(/^BackupOlderThanRpo$/, 'cnpg');
  // Velero: a backup completes 10 minutes into the series, then none; samples every minute.
  const schedule = veleroSchedule.name;
  const lastSuccess = 10;
  const velero = (values: string) => [
    { series: `velero_backup_attempt_total{schedule="${schedule}"}`, values: `1+0x${VELERO_LIMIT * 3}` },
    { series: `velero_backup_last_successful_timestamp{schedule="${schedule}"}`, values },
  ];
  const late = { ...page, backup_tool: 'velero', reason: 'late', schedule };

  test('Velero: fresh, slow but within the headroom, and late beyond it', () => {
    expectPass(
      runPromtoolTests(rules, {
        tests: [
          {
            interval: '1m',
            input_series: velero(`${lastSuccess * 60}x${VELERO_LIMIT * 2}`),
            alert_rule_test: [
              // fresh: the backup is 20 minutes old
              { eval_time: m(lastSuccess + 20), alertname: 'BackupOlderThanRpo', exp_alerts: [] },
              // one slow run: the next backup is 12 minutes later than one interval (what paged before)
              { eval_time: m(lastSuccess + veleroSchedule.intervalMinutes + 12), alertname: 'BackupOlderThanRpo', exp_alerts: [] },
              // the last minute of the headroom
              { eval_time: m(lastSuccess + VELERO_LIMIT), alertname: 'BackupOlderThanRpo', exp_alerts: [] },
              // one minute past it
              { eval_time: m(lastSuccess + VELERO_LIMIT + 1), alertname: 'BackupOlderThanRpo', exp_alerts: [{ exp_labels: late }] },
            ],
          },
        ],
      }),
    );
  });

  test('Velero: a schedule that never succeeded, and no Velero metrics at all', () => {
    expectPass(
      runPromtoolTests(rules, {
        tests: [
          {
            interval: '1m',
            input_series: [{ series: `velero_backup_attempt_total{schedule="${schedule}"}`, values: `0+0x${VELERO_LIMIT * 2}` }],
            alert_rule_test: [
              { eval_time: m(VELERO_LIMIT - 1), alertname: 'BackupOlderThanRpo', exp_alerts: [] },
              {
                eval_time: m(VELERO_LIMIT + 1),
                alertname: 'BackupOlderThanRpo',
                exp_alerts: [{ exp_labels: { ...page, backup_tool: 'velero', reason: 'missing', schedule } }],
              },
            ],
          },
          {
            interval: '1m',
            // only CloudNativePG reports (a fresh backup), Velero not at all
            input_series: [
              {
                series: `cnpg_collector_last_available_backup_timestamp{namespace="${DATA}",pod="postgres-1"}`,
                values: `60+60x${VELERO_LIMIT * 2}`,
              },
            ],
            alert_rule_test: [
              {
                eval_time: m(VELERO_LIMIT + 1),
                alertname: 'BackupOlderThanRpo',
                exp_alerts: [{ exp_labels: { ...page, backup_tool: 'velero', reason: 'missing' } }],
              },
            ],
          },
        ],
      }),
    );
  });

  test('CloudNativePG: within the headroom, late beyond it, and a cluster without any backup', () => {
    const cnpg = (pod: string, values: string) => ({
      series: `cnpg_collector_last_available_backup_timestamp{namespace="${DATA}",pod="${pod}"}`,
      values,
    });
    expectPass(
      runPromtoolTests(cnpgRules, {
        tests: [
          {
            interval: '1m',
            // two instances report the same newest backup, taken 10 minutes in
            input_series: [
              cnpg('postgres-1', `${lastSuccess * 60}x${CNPG_LIMIT * 2}`),
              cnpg('postgres-2', `${lastSuccess * 60}x${CNPG_LIMIT * 2}`),
            ],
            alert_rule_test: [
              { eval_time: m(lastSuccess + CNPG_LIMIT), alertname: 'BackupOlderThanRpo', exp_alerts: [] },
              {
                eval_time: m(lastSuccess + CNPG_LIMIT + 1),
                alertname: 'BackupOlderThanRpo',
                exp_alerts: [{ exp_labels: { ...page, backup_tool: 'cnpg', reason: 'late', namespace: DATA, cluster: 'postgres' } }],
              },
            ],
          },
          {
            interval: '1m',
            input_series: [cnpg('postgres-1', `0x${CNPG_LIMIT * 2}`)],
            alert_rule_test: [
              { eval_time: m(CNPG_LIMIT - 1), alertname: 'BackupOlderThanRpo', exp_alerts: [] },
              {
                eval_time: m(CNPG_LIMIT + 1),
                alertname: 'BackupOlderThanRpo',
                exp_alerts: [{ exp_labels: { ...page, backup_tool: 'cnpg', reason: 'missing', namespace: DATA, cluster: 'postgres' } }],
              },
            ],
          },
        ],
      }),
    );
  });

  test('a wrong expectation fails: promtool really judges the rules', () => {
    const result = runPromtoolTests(rules, {
      tests: [
        {
          interval: '1m',
          input_series: velero(`${lastSuccess * 60}x${VELERO_LIMIT * 2}`),
          // wrong on purpose: the backup is late here
          alert_rule_test: [{ eval_time: m(lastSuccess + VELERO_LIMIT + 1), alertname: 'BackupOlderThanRpo', exp_alerts: [] }],
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('BackupOlderThanRpo');
  });
});

describePromtool('restore-drill alerts (promtool) |', () => {
  const rules = groups(/^RestoreDrillFailing$/);
  const cronJob = DEFAULT_DRILL_NAME;
  // Minutes between samples and evaluations: the drill's windows are a month long. Every eval
  // time is on this grid, so that a sample sits exactly at it.
  const step = 60;
  const samples = Math.ceil((DRILL_OVERDUE + 3 * 1440) / step);
  const constant = (value: number) => `${value}x${samples}`;
  const drillSeries = (extra: Array<{ series: string; values: string }>) => [
    { series: `kube_cronjob_created{namespace="${DATA}",cronjob="${cronJob}"}`, values: constant(0) },
    { series: `kube_cronjob_spec_suspend{namespace="${DATA}",cronjob="${cronJob}"}`, values: constant(0) },
    ...extra,
  ];
  const job = (name: string, startMinutes: number, failed: boolean) => [
    {
      series: `kube_job_owner{namespace="${DATA}",job_name="${name}",owner_kind="CronJob",owner_name="${cronJob}",owner_is_controller="true"}`,
      values: constant(1),
    },
    { series: `kube_job_status_start_time{namespace="${DATA}",job_name="${name}"}`, values: constant(startMinutes * 60) },
    { series: `kube_job_failed{namespace="${DATA}",job_name="${name}",condition="true"}`, values: constant(failed ? 1 : 0) },
  ];
  const day = 1440;
  /** eval times on the sample grid */
  const at = (minutes: number) => m(Math.round(minutes / step) * step);
  const labels = (reason: string) => ({ ...ticket, reason, namespace: DATA, cronjob: cronJob });

  test('a successful drill: no alert until it is overdue', () => {
    expectPass(
      runPromtoolTests(rules, {
        evaluation_interval: m(step),
        tests: [
          {
            interval: m(step),
            input_series: drillSeries([
              ...job('restore-drill-1', day, false),
              {
                series: `kube_cronjob_status_last_successful_time{namespace="${DATA}",cronjob="${cronJob}"}`,
                values: constant((day + 120) * 60),
              },
            ]),
            alert_rule_test: [
              { eval_time: at(20 * day), alertname: 'RestoreDrillFailing', exp_alerts: [] },
              { eval_time: at(day + 120 + DRILL_OVERDUE - step), alertname: 'RestoreDrillFailing', exp_alerts: [] },
              {
                eval_time: at(day + 120 + DRILL_OVERDUE + step),
                alertname: 'RestoreDrillFailing',
                exp_alerts: [{ exp_labels: labels('overdue') }],
              },
            ],
          },
        ],
      }),
    );
  });

  test('the newest drill failed after the last success; an older failure is forgotten', () => {
    expectPass(
      runPromtoolTests(rules, {
        evaluation_interval: m(step),
        tests: [
          {
            interval: m(step),
            input_series: drillSeries([
              ...job('restore-drill-1', day, false),
              ...job('restore-drill-2', 32 * day, true),
              {
                series: `kube_cronjob_status_last_successful_time{namespace="${DATA}",cronjob="${cronJob}"}`,
                values: constant((day + 120) * 60),
              },
            ]),
            alert_rule_test: [
              { eval_time: at(33 * day), alertname: 'RestoreDrillFailing', exp_alerts: [{ exp_labels: labels('failed') }] },
            ],
          },
          {
            interval: m(step),
            input_series: drillSeries([
              ...job('restore-drill-1', day, true),
              ...job('restore-drill-2', 32 * day, false),
              {
                series: `kube_cronjob_status_last_successful_time{namespace="${DATA}",cronjob="${cronJob}"}`,
                values: constant((32 * day + 120) * 60),
              },
            ]),
            alert_rule_test: [{ eval_time: at(33 * day), alertname: 'RestoreDrillFailing', exp_alerts: [] }],
          },
          {
            // the first drill ever failed: no success to compare with
            interval: m(step),
            input_series: drillSeries(job('restore-drill-1', day, true)),
            alert_rule_test: [{ eval_time: at(2 * day), alertname: 'RestoreDrillFailing', exp_alerts: [{ exp_labels: labels('failed') }] }],
          },
        ],
      }),
    );
  });

  test('a drill that never ran is overdue after the schedule plus headroom; a suspended one is not', () => {
    expectPass(
      runPromtoolTests(rules, {
        evaluation_interval: m(step),
        tests: [
          {
            interval: m(step),
            input_series: drillSeries([]),
            alert_rule_test: [
              { eval_time: at(DRILL_OVERDUE - step), alertname: 'RestoreDrillFailing', exp_alerts: [] },
              { eval_time: at(DRILL_OVERDUE + step), alertname: 'RestoreDrillFailing', exp_alerts: [{ exp_labels: labels('overdue') }] },
            ],
          },
          {
            interval: m(step),
            input_series: [
              { series: `kube_cronjob_created{namespace="${DATA}",cronjob="${cronJob}"}`, values: constant(0) },
              { series: `kube_cronjob_spec_suspend{namespace="${DATA}",cronjob="${cronJob}"}`, values: constant(1) },
            ],
            alert_rule_test: [{ eval_time: at(DRILL_OVERDUE + step), alertname: 'RestoreDrillFailing', exp_alerts: [] }],
          },
        ],
      }),
    );
  });

  test('a drill kube-state-metrics does not report at all alerts after an hour', () => {
    expectPass(
      runPromtoolTests(rules, {
        evaluation_interval: '5m',
        tests: [
          {
            interval: '5m',
            input_series: [{ series: 'kube_cronjob_created{namespace="other",cronjob="other-job"}', values: '0x36' }],
            alert_rule_test: [
              { eval_time: '55m', alertname: 'RestoreDrillFailing', exp_alerts: [] },
              {
                eval_time: '65m',
                alertname: 'RestoreDrillFailing',
                exp_alerts: [{ exp_labels: { ...ticket, reason: 'unobserved', cronjob: cronJob } }],
              },
            ],
          },
        ],
      }),
    );
  });

  test('a wrong expectation fails: promtool really judges the drill rules', () => {
    const result = runPromtoolTests(rules, {
      evaluation_interval: m(step),
      tests: [
        {
          interval: m(step),
          input_series: drillSeries(job('restore-drill-1', day, true)),
          // wrong on purpose: the only drill failed
          alert_rule_test: [{ eval_time: at(2 * day), alertname: 'RestoreDrillFailing', exp_alerts: [] }],
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain('RestoreDrillFailing');
  });
});

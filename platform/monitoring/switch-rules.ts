/**
 * The traffic switch's alerts, from the Argo Rollouts AnalysisRuns that the edge Application runs
 * as sync hooks (`switch-gate` before the routes move, `switch-watch` after): the page when the
 * post-switch watch fails, with the one-command way back, and the ticket when the pre-switch gate
 * refuses a switch.
 *
 * Series read: Argo Rollouts' `analysis_run_metric_phase` (see lib/monitoring/analysis-run.ts).
 */
import { failingAnalysisMetricsExpr } from '../../lib/monitoring/analysis-run';
import { AlertRule, Rule, Runbook } from '../../lib/monitoring/rule';
import { Severity } from '../../lib/monitoring/severity';
import { ROLLBACK_COMMAND, SWITCH_ALERTS, SWITCH_ANALYSES } from '../names';

export interface SwitchRuleOptions {
  /** The region whose edge runs the analyses (the alerts' `region` label). */
  readonly region: string;
  /**
   * The colour the region's routes send live traffic to in this synthesis (release.yaml's
   * `activeColor`): the colour the post-switch watch analyses (the alert's `color` label). The
   * rules are part of the edge Application, so they change with the routes, in the same sync.
   */
  readonly liveColor: string;
  /** The edge namespace, where the AnalysisRuns run. */
  readonly edgeNamespace: string;
  /** Argo CD's namespace. */
  readonly argocdNamespace: string;
  /** The Argo CD Application of the region's edge (the alerts' `application` label). */
  readonly application: string;
  /** The repository folder of the synthesized output, committed with release.yaml by a rollback (`gitops.path`). */
  readonly outputPath: string;
}

/**
 * `SwitchWatchFailed` (page, one alert per failed signal: label `metric`, the signal's name in the
 * `switch-watch` AnalysisRun, and `phase`, `Failed` or `Error`; labels `region`, `color` and
 * `application`) and `SwitchGateFailed` (ticket, likewise for `switch-gate`, without `color`: a
 * refused switch never reached the cluster, whose rules still name the colour live before it).
 */
export function switchRules(options: SwitchRuleOptions): Rule[] {
  const { region, liveColor, edgeNamespace, application } = options;
  return [
    new AlertRule({
      alert: SWITCH_ALERTS.watch,
      expr: failingAnalysisMetricsExpr({ namespace: edgeNamespace, name: SWITCH_ANALYSES.watch }),
      // Long enough that the failed run of the colour rolled back from, deleted when the next sync's
      // watch starts, is never paged (or rolled back) again under the rules of that next sync.
      for: '2m',
      severity: Severity.page(),
      // Prometheus expands annotations with the expression's labels only: the rule's own are written
      // out. The colour is left to the `color` label, so that a switch changes one field here.
      labels: { region, color: liveColor, application },
      summary: `The post-switch watch failed in ${region}: signal {{ $labels.metric }} is {{ $labels.phase }} on the live colour.`,
      description:
        `The post-switch watch (AnalysisRun ${edgeNamespace}/${SWITCH_ANALYSES.watch}, PostSync hook of ${application}) found `
        + `{{ $labels.metric }} {{ $labels.phase }} on the colour serving live traffic in ${region} (label color); the Application's sync failed (status.operationState). `
        + `Way back (routes only): \`${ROLLBACK_COMMAND} --region ${region}\`, commit, push; `
        + 'Argo CD then moves the routes back to the previous colour.',
      runbook: watchRunbook(options),
    }),
    new AlertRule({
      alert: SWITCH_ALERTS.gate,
      expr: failingAnalysisMetricsExpr({ namespace: edgeNamespace, name: SWITCH_ANALYSES.gate }),
      for: '1m',
      severity: Severity.ticket(),
      labels: { region, application },
      summary: `The pre-switch gate refused a switch in ${region}: signal {{ $labels.metric }} is {{ $labels.phase }}.`,
      description:
        `The pre-switch gate (AnalysisRun ${edgeNamespace}/${SWITCH_ANALYSES.gate}, PreSync hook of ${application}) `
        + 'found {{ $labels.metric }} {{ $labels.phase }} on the colour the switch would make live. The live routes are unchanged; '
        + "the Application's sync failed and says why in status.operationState.message.",
      runbook: gateRunbook(options),
    }),
  ];
}

/** Reading a switch analysis: the AnalysisRun's measurements and the Application's sync message. */
function readAnalysisSteps(options: SwitchRuleOptions, run: string): Runbook['diagnosis'] {
  return [
    {
      text:
        "In the region's cluster, read the failed signal's measurements and message (status.metricResults[] with phase Failed or Error, "
        + 'each measurement with its value or error):',
      commands: [`kubectl -n ${options.edgeNamespace} get analysisrun ${run} -o yaml`],
    },
    {
      text: "Read what Argo CD says about the edge Application's last sync (the failed hook and why):",
      commands: [`kubectl -n ${options.argocdNamespace} get application "$APPLICATION" -o jsonpath='{.status.operationState.message}'`],
    },
    {
      text: "Every failing signal of the analysis, as Argo Rollouts' controller reports it:",
      queries: [failingAnalysisMetricsExpr({ namespace: options.edgeNamespace, name: run })],
    },
  ];
}

function watchRunbook(options: SwitchRuleOptions): Runbook {
  return {
    meaning:
      `The post-switch watch, the AnalysisRun \`${SWITCH_ANALYSES.watch}\` that the region's edge Application runs as a PostSync hook after `
      + "every sync, found a signal of the colour now serving live traffic failing (an error ratio or p99 latency over the service's SLO, "
      + 'or a smoke test through the live host), or could not measure it (phase `Error`). Its sync ends Failed (`status.operationState` '
      + "names the failed metric); Argo CD leaves hooks out of an Application's health, so the Application itself does not turn Degraded.",
    impact:
      'Users of the region are served by a colour that fails its SLO signals. The previous colour still runs (the standby): moving the routes back to it ends the impact within one sync.',
    variables: { REGION: 'region', COLOR: 'color', METRIC: 'metric', APPLICATION: 'application' },
    diagnosis: readAnalysisSteps(options, SWITCH_ANALYSES.watch),
    mitigation: [
      {
        text:
          'Move the region back to the previous colour, routes only, as a reviewed commit. `--expect-live` makes the command refuse '
          + 'when someone (or the automatic rollback, `delivery.autoRollback`) already did it: check `git log -3` first.',
        commands: [
          `${ROLLBACK_COMMAND} --region "$REGION" --expect-live "$COLOR"`,
          `git add release.yaml ${options.outputPath}`,
          'git commit -m "Roll back $REGION from $COLOR: $METRIC failed the post-switch watch"',
          'git push',
        ],
      },
      {
        text:
          'Argo CD then syncs the edge Application: the pre-switch gate analyses the previous colour, the routes move back to it, and the '
          + 'post-switch watch runs again on it, replacing the failed run; the alert resolves. Follow it:',
        commands: [
          `kubectl -n ${options.argocdNamespace} get application "$APPLICATION" -o jsonpath='{.status.sync.status} {.status.health.status}{"\\n"}'`,
        ],
      },
      {
        text:
          'Fix the cause on the colour rolled back from (now the standby, on the preview host), stage the fix on it and switch again; '
          + 'the gate and the watch run again.',
      },
    ],
  };
}

function gateRunbook(options: SwitchRuleOptions): Runbook {
  return {
    meaning:
      `The pre-switch gate, the AnalysisRun \`${SWITCH_ANALYSES.gate}\` that the region's edge Application runs as a PreSync hook, found a `
      + 'signal of the colour the switch would make live failing, or could not measure it. The sync stopped before the routes moved.',
    impact:
      'None for users: the live routes still point at the colour that served before. The switch in git has not taken effect: the '
      + 'edge Application is OutOfSync with a failed sync, and every retry runs the gate again.',
    variables: { REGION: 'region', METRIC: 'metric', APPLICATION: 'application' },
    diagnosis: readAnalysisSteps(options, SWITCH_ANALYSES.gate),
    mitigation: [
      {
        text:
          'Either fix the target colour (it answers on the preview host) and let Argo CD retry the sync, or make git agree with the '
          + 'cluster again by rolling the switch back (routes only) as a reviewed commit:',
        commands: [
          `${ROLLBACK_COMMAND} --region "$REGION"`,
          `git add release.yaml ${options.outputPath}`,
          'git commit -m "Roll back $REGION: the pre-switch gate failed on $METRIC"',
          'git push',
        ],
      },
    ],
  };
}

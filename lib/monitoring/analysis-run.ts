/**
 * PromQL over Argo Rollouts' AnalysisRun metrics, as its controller exports them
 * (controller/metrics/prommetrics.go and analysis.go in argoproj/argo-rollouts):
 *
 * - `analysis_run_metric_phase{namespace, name, metric, type, dry_run, phase}`: one gauge per
 *   metric of a run and per phase (`Pending`, `Running`, `Successful`, `Failed`, `Error`,
 *   `Inconclusive`), 1 for the metric's current phase and 0 for the others;
 * - `analysis_run_info{namespace, name, phase}` (and the deprecated `analysis_run_phase`): the run's phase.
 *
 * `namespace` is the AnalysisRun's. Scraped with `honorLabels: false` (the Prometheus Operator's
 * default) the target's own `namespace` wins and the run's moves to `exported_namespace`; the
 * expressions below match either, so they hold whichever way the controller is scraped.
 *
 * @see https://github.com/argoproj/argo-rollouts/blob/master/controller/metrics/analysis.go
 */
import { labelEq, labelIn, seriesSelector } from './promql';

/**
 * The phases of an AnalysisRun metric that fail the run as Argo CD judges it: a measurement
 * failed, could not be taken, or stayed undecided (Inconclusive: Argo CD's AnalysisRun health
 * check reads it as Unknown, and a hook that ends Unknown fails the sync too).
 */
export const FAILING_ANALYSIS_PHASES: readonly string[] = ['Error', 'Failed', 'Inconclusive'];

export interface AnalysisRunSelector {
  /** Namespace of the AnalysisRun. */
  readonly namespace: string;
  /** Name of the AnalysisRun (an Argo CD hook keeps its name from sync to sync). */
  readonly name: string;
  /**
   * The metric phases that count as a failure.
   * @default FAILING_ANALYSIS_PHASES (`Error`, `Failed`, `Inconclusive`)
   */
  readonly phases?: readonly string[];
}

/**
 * One series per failing metric of the AnalysisRun, labelled `metric` (the metric's name in the
 * run) and `phase`, value 1. Dry-run metrics, which never fail a run, are left out.
 */
export function failingAnalysisMetricsExpr(run: AnalysisRunSelector): string {
  const phases = run.phases ?? FAILING_ANALYSIS_PHASES;
  const common = [labelEq('name', run.name), labelEq('dry_run', 'false'), labelIn('phase', phases)];
  const selectors = ['exported_namespace', 'namespace'].map((ns) =>
    seriesSelector('analysis_run_metric_phase', [labelEq(ns, run.namespace), ...common]),
  );
  return `max by (metric, phase) (${selectors.join(' or ')}) == 1`;
}

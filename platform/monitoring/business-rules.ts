/**
 * Business metrics as recording rules: user engagement and learning effectiveness, aggregated
 * over the colours (what the platform delivers, whichever colour is live). The services emit
 * the raw metrics listed in `BUSINESS_METRICS` (`metric-catalog.ts`).
 */
import { labelEq, labelIn, seriesSelector } from '../../lib/monitoring/promql';
import { RecordingRule, Rule } from '../../lib/monitoring/rule';
import { namespaceProblems, throwOptionProblems } from '../../lib/monitoring/service-options';
import { BUSINESS_METRIC_NAMES } from './metric-catalog';

export interface BusinessRuleOptions {
  /** The namespaces of the services that emit the metrics (both colours'). */
  readonly namespaces: readonly string[];
}

/** Learners active in the last 15 minutes. */
export const ACTIVE_LEARNERS_RECORD = 'alp:active_learners:max';
/** Lessons completed in the last hour. */
export const LESSON_COMPLETIONS_RECORD = 'alp:lesson_completions:increase1h';
/** Lessons completed per active learner in the last hour (engagement). */
export const ENGAGEMENT_RECORD = 'alp:lesson_completions_per_active_learner:ratio1h';
/** Share of assessments passed over the last hour. */
export const ASSESSMENT_PASS_RATE_RECORD = 'alp:assessment_pass:ratio_rate1h';
/** Average mastery gain per lesson or assessment over the last hour (learning effectiveness). */
export const MASTERY_GAIN_1H_RECORD = 'alp:learning_effectiveness:mastery_gain_avg1h';
/** Average mastery gain per lesson or assessment over the last day (learning effectiveness). */
export const MASTERY_GAIN_1D_RECORD = 'alp:learning_effectiveness:mastery_gain_avg1d';

/**
 * The business recording rules:
 *
 * | series | from | meaning |
 * | --- | --- | --- |
 * | `alp:active_learners:max` | `alp_active_learners` | learners active in the last 15 minutes (every replica reports the same count, hence `max`) |
 * | `alp:lesson_completions:increase1h` | `alp_lesson_completions_total` | lessons completed in the last hour |
 * | `alp:lesson_completions_per_active_learner:ratio1h` | both above | engagement: lessons per active learner per hour |
 * | `alp:assessment_pass:ratio_rate1h` | `alp_assessment_results_total{result}` | share of assessments passed |
 * | `alp:learning_effectiveness:mastery_gain_avg1h`, `…avg1d` | `alp_mastery_gain` (histogram) | average mastery gain per completed lesson or assessment |
 */
export function businessRules(options: BusinessRuleOptions): Rule[] {
  throwOptionProblems('businessRules', namespaceProblems(options.namespaces));
  const ns = [labelIn('namespace', options.namespaces)];
  const { activeLearners, lessonCompletions, assessmentResults, masteryGain: gain } = BUSINESS_METRIC_NAMES;
  const masteryGain = (window: string) =>
    `sum(rate(${seriesSelector(`${gain}_sum`, ns)}[${window}])) / sum(rate(${seriesSelector(`${gain}_count`, ns)}[${window}]))`;
  return [
    new RecordingRule({ record: ACTIVE_LEARNERS_RECORD, expr: `max(${seriesSelector(activeLearners, ns)})` }),
    new RecordingRule({ record: LESSON_COMPLETIONS_RECORD, expr: `sum(increase(${seriesSelector(lessonCompletions, ns)}[1h]))` }),
    new RecordingRule({ record: ENGAGEMENT_RECORD, expr: `${LESSON_COMPLETIONS_RECORD} / ${ACTIVE_LEARNERS_RECORD}` }),
    new RecordingRule({
      record: ASSESSMENT_PASS_RATE_RECORD,
      expr: `sum(rate(${seriesSelector(assessmentResults, [...ns, labelEq('result', 'passed')])}[1h])) / sum(rate(${seriesSelector(assessmentResults, ns)}[1h]))`,
    }),
    new RecordingRule({ record: MASTERY_GAIN_1H_RECORD, expr: masteryGain('1h') }),
    new RecordingRule({ record: MASTERY_GAIN_1D_RECORD, expr: masteryGain('1d') }),
  ];
}

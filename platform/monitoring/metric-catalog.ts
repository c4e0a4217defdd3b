/**
 * The platform's own metrics, beside every service's HTTP metrics (`SERVICE_METRICS`): what
 * the learning services and the sign-in service emit, and the catalog the developers read.
 */
import { MetricDefinition, renderMetricCatalog, SERVICE_METRICS } from '../../lib/monitoring/metric-names';

/** Names of the business metrics (histograms without the `_bucket`/`_sum`/`_count` suffix). */
export const BUSINESS_METRIC_NAMES = {
  activeLearners: 'alp_active_learners',
  lessonCompletions: 'alp_lesson_completions_total',
  assessmentResults: 'alp_assessment_results_total',
  masteryGain: 'alp_mastery_gain',
} as const;

/** Names of the security event metrics. */
export const SECURITY_METRIC_NAMES = {
  loginAttempts: 'alp_auth_login_attempts_total',
} as const;

/** Business metrics ("user engagement" and "learning effectiveness"); see `businessRules`. */
export const BUSINESS_METRICS: readonly MetricDefinition[] = [
  {
    name: BUSINESS_METRIC_NAMES.activeLearners,
    type: 'gauge',
    labels: [],
    help: 'Learners active in the last 15 minutes, counted from the shared session store, so every replica reports the same value (the rules take the maximum, not the sum).',
    emittedBy: 'learning-engine',
  },
  {
    name: BUSINESS_METRIC_NAMES.lessonCompletions,
    type: 'counter',
    labels: [],
    help: 'Lessons completed by learners.',
    emittedBy: 'learning-engine',
  },
  {
    name: BUSINESS_METRIC_NAMES.assessmentResults,
    type: 'counter',
    labels: ['result ("passed" or "failed")'],
    help: 'Graded assessments, by outcome.',
    emittedBy: 'assessment-service',
  },
  {
    name: BUSINESS_METRIC_NAMES.masteryGain,
    type: 'histogram',
    labels: ['le'],
    help: "Change of a learner's mastery score (0 to 1) over one completed lesson or assessment: the measure of learning effectiveness.",
    emittedBy: 'learning-engine',
  },
];

/** Security events; see `securityRules`. */
export const SECURITY_METRICS: readonly MetricDefinition[] = [
  {
    name: SECURITY_METRIC_NAMES.loginAttempts,
    type: 'counter',
    labels: ['result ("success" or "failure")'],
    help: 'Sign-in attempts, by outcome (a failure is a wrong password, an unknown user or a rejected token).',
    emittedBy: 'user-service',
  },
];

/** The platform's metric catalog (`reports/metrics.md`): every service's metrics, the business metrics and the security events. */
export function platformMetricCatalog(): string {
  return renderMetricCatalog([
    { title: 'Every service', metrics: SERVICE_METRICS },
    { title: 'Business metrics', metrics: BUSINESS_METRICS },
    { title: 'Security events', metrics: SECURITY_METRICS },
  ]);
}

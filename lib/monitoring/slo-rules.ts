/**
 * Availability SLO alerts from an objective: multi-window, multi-burn-rate alerts over a 30-day
 * error budget, as in the Google SRE workbook ("Alerting on SLOs", table 5-8), with the
 * recording rules they read.
 *
 * @see https://sre.google/workbook/alerting-on-slos/
 */
import { PropProblem } from '../core';
import { resolveHttpMetrics } from './metric-names';
import { promNumber, labelRe, seriesSelector } from './promql';
import { AlertRule, RecordingRule, Rule, Runbook, switchBackStep } from './rule';
import { ServiceSignalOptions, serviceMatchers, serviceOptionProblems, throwOptionProblems } from './service-options';
import { Severity } from './severity';

export interface SloRuleOptions extends ServiceSignalOptions {
  /**
   * Availability objective in percent over 30 days: the share of requests answered without a
   * server error (5xx). At least 93.06, so that the fastest burn rate (14.4) stays below a 100 %
   * error ratio and the page can fire.
   * @default 99.9
   */
  readonly objective?: number;
}

/** One multi-window alert of the SRE workbook: both windows must burn faster than `burnRate`. */
export interface BurnRateWindow {
  /** The long window: the alert's precision. */
  readonly longWindow: string;
  /** The short window (1/12 of the long one): the alert resets quickly after recovery. */
  readonly shortWindow: string;
  /** How many times faster than "exactly the budget in 30 days" the budget is spent. */
  readonly burnRate: number;
  readonly severity: Severity;
  /** `for` of the alert, against flapping. */
  readonly for: string;
}

/**
 * The workbook's four windows for a 30-day budget: 2 % of the budget in 1 h and 5 % in 6 h page;
 * 10 % in 1 d and 10 % in 3 d open a ticket.
 */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { longWindow: '1h', shortWindow: '5m', burnRate: 14.4, severity: Severity.page(), for: '2m' },
  { longWindow: '6h', shortWindow: '30m', burnRate: 6, severity: Severity.page(), for: '15m' },
  { longWindow: '1d', shortWindow: '2h', burnRate: 3, severity: Severity.ticket(), for: '1h' },
  { longWindow: '3d', shortWindow: '6h', burnRate: 1, severity: Severity.ticket(), for: '3h' },
];

/** The windows the error ratio is recorded over (every long and short window above). */
export const ERROR_RATIO_WINDOWS: readonly string[] = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/** The recorded error ratio of a service over `window`: `slo:sli_error:ratio_rate<window>`. */
export function errorRatioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** The recorded error budget (`1 - objective` as a ratio) of each service. */
export const ERROR_BUDGET_RECORD = 'slo:error_budget:ratio';

export const DEFAULT_OBJECTIVE = 99.9;
/** The lowest objective whose 14.4× burn threshold is still below 1 (100 % errors). */
export const MIN_OBJECTIVE = 93.06;

/**
 * The error budget of an objective, as a ratio: 99.9 → 0.001. Computed in integers of the
 * objective's decimal places, so there is no float noise.
 */
export function errorBudget(objective: number): number {
  const decimals = (String(objective).split('.')[1] ?? '').length;
  const scale = 10 ** decimals;
  return Math.round((100 - objective) * scale) / (100 * scale);
}

/** The error-ratio threshold of a burn rate, as printed in the rules: (14.4, 99.9) → `0.0144`. */
export function burnRateThreshold(burnRate: number, objective: number): string {
  return promNumber(burnRate * errorBudget(objective));
}

/**
 * The SLO rules of one service: the error ratio recorded over every window, the error budget,
 * and four `ServiceErrorBudgetBurn` alerts (labels `long_window`, `short_window`): two page, two
 * open a ticket. A page silences the ticket of the same service (AlertRouting's inhibition).
 */
export function sloRules(options: SloRuleOptions): Rule[] {
  const objective = options.objective ?? DEFAULT_OBJECTIVE;
  throwOptionProblems('sloRules', [...serviceOptionProblems(options), ...objectiveProblems(objective)]);
  const metrics = resolveHttpMetrics(options.metrics);
  const matchers = serviceMatchers(options);
  const service = { service: options.service };
  const total = (window: string) => `sum(rate(${seriesSelector(metrics.requestsTotal, matchers)}[${window}]))`;
  const errors = (window: string) =>
    `sum(rate(${seriesSelector(metrics.requestsTotal, [...matchers, labelRe(metrics.statusCodeLabel, '5..')])}[${window}]))`;

  const records: Rule[] = ERROR_RATIO_WINDOWS.map(
    (window) =>
      new RecordingRule({
        record: errorRatioRecord(window),
        expr: `${errors(window)} / ${total(window)}`,
        labels: service,
      }),
  );
  records.push(new RecordingRule({ record: ERROR_BUDGET_RECORD, expr: `vector(${promNumber(errorBudget(objective))})`, labels: service }));

  const budgetPercent = promNumber(errorBudget(objective) * 100);
  const alerts = BURN_RATE_WINDOWS.map((w) => {
    const threshold = burnRateThreshold(w.burnRate, objective);
    const ratio = (window: string) => `${errorRatioRecord(window)}{service="${options.service}"} > ${threshold}`;
    const hours = promNumber((30 * 24) / w.burnRate);
    return new AlertRule({
      alert: 'ServiceErrorBudgetBurn',
      expr: `${ratio(w.longWindow)} and ${ratio(w.shortWindow)}`,
      for: w.for,
      severity: w.severity,
      labels: { ...service, long_window: w.longWindow, short_window: w.shortWindow },
      summary: `${options.service} is spending its error budget ${promNumber(w.burnRate)} times too fast (${w.longWindow} and ${w.shortWindow} windows).`,
      description:
        `The 5xx ratio of ${options.service} over the last ${w.longWindow} and ${w.shortWindow} is above ${threshold} `
        + `(${promNumber(w.burnRate)} × the ${budgetPercent} % error budget of its ${promNumber(objective)} % objective). `
        + `At this rate the 30-day budget is gone in ${hours} hours.`,
      runbook: errorBudgetBurnRunbook(options.switchTrafficCommand),
    });
  });
  return [...records, ...alerts];
}

function objectiveProblems(objective: number): PropProblem[] {
  if (typeof objective !== 'number' || !Number.isFinite(objective) || objective < MIN_OBJECTIVE || objective >= 100) {
    return [
      {
        prop: 'objective',
        value: objective,
        rule: `must be a percentage of at least ${MIN_OBJECTIVE} and below 100`,
        fix: 'below it, the 14.4× burn threshold of the 1h/5m page exceeds a 100 % error ratio and the page could never fire',
      },
    ];
  }
  return [];
}

function errorBudgetBurnRunbook(switchTrafficCommand: string | undefined): Runbook {
  return {
    meaning:
      'The service answers too many requests with a server error (5xx): over both windows of the alert (labels `long_window` and '
      + '`short_window`) its error ratio spends the 30-day error budget faster than the availability objective allows. '
      + 'Fired as `critical` (burn rate 14.4 over 1h/5m, or 6 over 6h/30m) it pages; as `warning` (3 over 1d/2h, or 1 over 3d/6h) it opens a ticket.',
    impact:
      'Users get errors from the service now. If the burn continues, the service misses its availability objective for the 30-day period.',
    variables: { SERVICE: 'service' },
    diagnosis: [
      {
        text: 'See which colour and which status codes fail, and since when. Errors only in the colour that just became live point to the release.',
        queries: [
          'sum by (color, code) (rate(http_requests_total{service="$SERVICE",code=~"5.."}[5m]))',
          'slo:sli_error:ratio_rate5m{service="$SERVICE"}',
        ],
      },
      {
        text: 'Check the pods of both colours: versions, restarts, readiness.',
        commands: [
          'kubectl get deployments --all-namespaces -l app.kubernetes.io/name="$SERVICE" -L alp-deploy.io/color,app.kubernetes.io/version',
          'kubectl get pods --all-namespaces -l app.kubernetes.io/name="$SERVICE" -o wide',
        ],
      },
      {
        text: 'Read the error logs of the failing colour (or search Kibana for `container: "$SERVICE" and level: "error"`), and the failing traces in Jaeger (service `$SERVICE`, tag `error=true`).',
        commands: [
          'for ns in $(kubectl get deployments --all-namespaces -l app.kubernetes.io/name="$SERVICE" -o jsonpath=\'{.items[*].metadata.namespace}\'); do '
            + 'kubectl logs --namespace "$ns" -l app.kubernetes.io/name="$SERVICE" --since=15m --prefix | grep -i error; done',
        ],
      },
      {
        text: 'Check its dependencies: a failing database, cache or downstream service shows up in their own alerts and in the error ratio of the services it calls.',
        queries: ['topk(5, slo:sli_error:ratio_rate5m)'],
      },
    ],
    mitigation: [
      switchBackStep(
        'If the errors started with a traffic switch, switch back to the colour that was live before (it still runs the previous release), '
          + 'commit and push; Argo CD syncs the router.',
        switchTrafficCommand,
        'git commit -am "Switch traffic back to $PREVIOUS_COLOR" && git push',
      ),
      {
        text: 'If the service is overloaded (its autoscaler is at its maximum, or CPU is throttled), raise `autoscaling.maxReplicas` or its CPU limit in the platform spec and synthesize.',
      },
      {
        text: "If a dependency fails, follow that dependency's alert and runbook. Escalate to L3 if the burn is not stopped within 30 minutes of the page.",
      },
    ],
  };
}

/**
 * Security events: spikes of failed sign-ins (`SECURITY_METRIC_NAMES.loginAttempts`, see
 * `SECURITY_METRICS`) and of requests refused with 401/403 (every service's HTTP metrics).
 * A spike is judged against the same signal's own last day, so that the normal level of a
 * busy platform does not alert.
 */
import { PropProblem } from '../../lib/core';
import { HttpMetricNames, resolveHttpMetrics } from '../../lib/monitoring/metric-names';
import { labelEq, promNumber, labelIn, labelRe, seriesSelector } from '../../lib/monitoring/promql';
import { AlertRule, RecordingRule, Rule, Runbook } from '../../lib/monitoring/rule';
import { namespaceProblems, throwOptionProblems } from '../../lib/monitoring/service-options';
import { Severity } from '../../lib/monitoring/severity';
import { SECURITY_METRIC_NAMES } from './metric-catalog';

export interface SecurityRuleOptions {
  /** The namespaces of the services (both colours'). */
  readonly namespaces: readonly string[];
  /**
   * Names of the services' HTTP metrics.
   * @default - `http_requests_total` with a `code` label
   */
  readonly metrics?: HttpMetricNames;
  /**
   * How many times the last day's average rate of failed sign-ins the 5-minute rate must be.
   * @default 5
   */
  readonly failedLoginSpikeFactor?: number;
  /**
   * The fewest failed sign-ins per minute that count as a spike (below it, spikes of a quiet
   * night are noise).
   * @default 30
   */
  readonly minFailedLoginsPerMinute?: number;
  /**
   * The share of a service's requests refused with 401 or 403 above which a spike is possible.
   * @default 0.1
   */
  readonly authDeniedRatio?: number;
  /**
   * How many times the last day's 401/403 share the 5-minute share must be.
   * @default 3
   */
  readonly authDeniedSpikeFactor?: number;
}

export const LOGIN_FAILURES_5M_RECORD = 'alp:auth_login_failures:rate5m';
export const LOGIN_FAILURES_1D_RECORD = 'alp:auth_login_failures:rate1d';
export const AUTH_DENIED_5M_RECORD = 'namespace_service:http_requests_auth_denied:ratio_rate5m';
export const AUTH_DENIED_1D_RECORD = 'namespace_service:http_requests_auth_denied:ratio_rate1d';

/** Recording rules for both signals and two `warning` alerts: `FailedLoginSpike` and `AuthDeniedRatioSpike`. */
export function securityRules(options: SecurityRuleOptions): Rule[] {
  const loginFactor = options.failedLoginSpikeFactor ?? 5;
  const minPerMinute = options.minFailedLoginsPerMinute ?? 30;
  const deniedRatio = options.authDeniedRatio ?? 0.1;
  const deniedFactor = options.authDeniedSpikeFactor ?? 3;
  throwOptionProblems('securityRules', [
    ...namespaceProblems(options.namespaces),
    ...positive('failedLoginSpikeFactor', loginFactor),
    ...positive('minFailedLoginsPerMinute', minPerMinute),
    ...positive('authDeniedSpikeFactor', deniedFactor),
    ...(deniedRatio > 0 && deniedRatio < 1
      ? []
      : [{ prop: 'authDeniedRatio', value: deniedRatio, rule: 'must be a ratio above 0 and below 1' }]),
  ]);
  const metrics = resolveHttpMetrics(options.metrics);
  const ns = [labelIn('namespace', options.namespaces)];
  const failures = seriesSelector(SECURITY_METRIC_NAMES.loginAttempts, [...ns, labelEq('result', 'failure')]);
  const denied = seriesSelector(metrics.requestsTotal, [...ns, labelRe(metrics.statusCodeLabel, '401|403')]);
  const all = seriesSelector(metrics.requestsTotal, ns);
  const deniedRatioExpr = (window: string) =>
    `sum by (namespace, service) (rate(${denied}[${window}])) / sum by (namespace, service) (rate(${all}[${window}]))`;

  return [
    new RecordingRule({ record: LOGIN_FAILURES_5M_RECORD, expr: `sum(rate(${failures}[5m]))` }),
    new RecordingRule({ record: LOGIN_FAILURES_1D_RECORD, expr: `sum(rate(${failures}[1d]))` }),
    new RecordingRule({ record: AUTH_DENIED_5M_RECORD, expr: deniedRatioExpr('5m') }),
    new RecordingRule({ record: AUTH_DENIED_1D_RECORD, expr: deniedRatioExpr('1d') }),
    new AlertRule({
      alert: 'FailedLoginSpike',
      expr: `${LOGIN_FAILURES_5M_RECORD} > ${promNumber(loginFactor)} * ${LOGIN_FAILURES_1D_RECORD} and ${LOGIN_FAILURES_5M_RECORD} > ${promNumber(minPerMinute / 60)}`,
      for: '10m',
      severity: Severity.ticket(),
      summary: 'Failed sign-ins spike: possible credential stuffing or brute force.',
      description: `Failed sign-ins ran at {{ $value | humanize }}/s for 10 minutes: more than ${promNumber(loginFactor)} times the last day's average and more than ${promNumber(minPerMinute)} per minute.`,
      runbook: FAILED_LOGIN_RUNBOOK,
    }),
    new AlertRule({
      alert: 'AuthDeniedRatioSpike',
      expr: `${AUTH_DENIED_5M_RECORD} > ${promNumber(deniedRatio)} and ${AUTH_DENIED_5M_RECORD} > ${promNumber(deniedFactor)} * ${AUTH_DENIED_1D_RECORD}`,
      for: '10m',
      severity: Severity.ticket(),
      summary: '{{ $labels.service }} in {{ $labels.namespace }} refuses an unusual share of requests with 401/403.',
      description: `{{ $value | humanizePercentage }} of the requests to {{ $labels.service }} in {{ $labels.namespace }} were refused with 401 or 403 for 10 minutes: above ${promNumber(deniedRatio * 100)} % and ${promNumber(deniedFactor)} times the last day's share.`,
      runbook: AUTH_DENIED_RUNBOOK,
    }),
  ];
}

const FAILED_LOGIN_RUNBOOK: Runbook = {
  meaning:
    'Sign-ins fail far more often than over the last day: typical of credential stuffing, a brute-force attack, or a broken sign-in client.',
  impact: 'Accounts with weak or reused passwords may be taken over; the sign-in path carries extra load.',
  diagnosis: [
    {
      text: 'See the size and start of the spike, and whether successful sign-ins rise too (an attack that works) or drop (a broken client or identity provider).',
      queries: [
        `sum by (result) (rate(${SECURITY_METRIC_NAMES.loginAttempts}[5m]))`,
        `${LOGIN_FAILURES_5M_RECORD} / ${LOGIN_FAILURES_1D_RECORD}`,
      ],
    },
    {
      text: 'Find the sources in the user-service logs in Kibana (`container: "user-service" and message: "login failed"`), grouped by client IP and user name; many users from few IPs is stuffing, one user from many IPs is a targeted attack.',
      commands: [
        "for ns in $(kubectl get deployments --all-namespaces -l app.kubernetes.io/name=user-service -o jsonpath='{.items[*].metadata.namespace}'); do "
          + 'kubectl logs --namespace "$ns" -l app.kubernetes.io/name=user-service --since=15m --prefix | grep -i "login failed" | head -50; done',
      ],
    },
  ],
  mitigation: [
    { text: 'Block or rate-limit the offending sources at the edge gateway, and enforce the sign-in rate limit per account.' },
    {
      text: 'Tell the security team (security-team@company.com); for accounts that were taken over, revoke their sessions and force a password reset. This is a security incident: escalate to L3.',
    },
  ],
};

const AUTH_DENIED_RUNBOOK: Runbook = {
  meaning:
    'A service refuses far more requests as unauthenticated (401) or forbidden (403) than usual: someone probes it without valid credentials, or tokens stopped validating.',
  impact: 'Either an attack on the API, or legitimate users locked out (expired signing key, broken identity provider, clock skew).',
  variables: { NAMESPACE: 'namespace', SERVICE: 'service' },
  diagnosis: [
    {
      text: 'Split the refusals by code and colour; a spike only in the colour that just went live points to the release.',
      queries: ['sum by (code, color) (rate(http_requests_total{namespace="$NAMESPACE",service="$SERVICE",code=~"401|403"}[5m]))'],
    },
    {
      text: 'Read the refused requests in the logs: token errors (expired, bad signature) mean a key or clock problem; unknown clients mean probing.',
      commands: [
        'kubectl logs --namespace "$NAMESPACE" -l app.kubernetes.io/name="$SERVICE" --since=15m --prefix | grep -E "\\b(401|403)\\b" | head -50',
      ],
    },
    {
      text: 'Check that the JWT signing secret is synced and current.',
      commands: ['kubectl get externalsecrets --namespace "$NAMESPACE"'],
    },
  ],
  mitigation: [
    { text: 'For probing, block or rate-limit the sources at the edge gateway and tell the security team.' },
    {
      text: 'For broken validation after a release, switch traffic back to the previous colour; for a rotated key, re-sync the ExternalSecret and restart the service.',
      commands: ['npx alp switch-traffic --to "$PREVIOUS_COLOR"'],
    },
  ],
};

function positive(prop: string, value: number): PropProblem[] {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? [] : [{ prop, value, rule: 'must be a number above 0' }];
}

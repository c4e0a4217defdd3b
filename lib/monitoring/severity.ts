/**
 * How urgent an alert is, and therefore who hears about it. The `severity` label carries the
 * value; AlertRouting routes on it.
 *
 * | factory | label | routed to | seed escalation level |
 * | --- | --- | --- | --- |
 * | `page()` = `critical()` | `critical` | PagerDuty (wakes the on-call engineer) | L2, then L3/L4 through the PagerDuty escalation policy |
 * | `ticket()` = `warning()` | `warning` | Slack (handled in working hours) | L1 triage, L2 if it persists |
 * | `none()` | `none` | no human (Watchdog, the dead man's switch) | L1 (automated) |
 *
 * The label values are kube-prometheus's (`critical`, `warning`, `none`) so that alerts from
 * the cluster's own mixins route the same way. AlertRouting also accepts `page` and `ticket`
 * as label values, the Google SRE workbook's names.
 */
export class Severity {
  private static readonly PAGE = new Severity(
    'critical',
    'pagerduty',
    'pages the on-call engineer through PagerDuty (escalation level L2)',
  );
  private static readonly TICKET = new Severity(
    'warning',
    'slack',
    "is posted to the team's Slack channel for triage in working hours (escalation level L1)",
  );
  private static readonly NONE = new Severity('none', 'watchdog', "notifies no human; it feeds the dead man's switch");

  /** Needs a human now: user-facing impact or imminent data loss. Pages through PagerDuty. */
  public static page(): Severity {
    return Severity.PAGE;
  }

  /** The same as `page()`, by its kube-prometheus name. */
  public static critical(): Severity {
    return Severity.PAGE;
  }

  /** Needs attention within working hours. Posted to Slack. */
  public static ticket(): Severity {
    return Severity.TICKET;
  }

  /** The same as `ticket()`, by its kube-prometheus name. */
  public static warning(): Severity {
    return Severity.TICKET;
  }

  /** Reaches no human: the Watchdog alert that proves the alerting pipeline works. */
  public static none(): Severity {
    return Severity.NONE;
  }

  private constructor(
    /** The value of the alert's `severity` label. */
    public readonly label: 'critical' | 'warning' | 'none',
    /** Where AlertRouting sends it. */
    public readonly receiver: 'pagerduty' | 'slack' | 'watchdog',
    /** One sentence for runbooks: who is told and how. */
    public readonly notification: string,
  ) {}
}

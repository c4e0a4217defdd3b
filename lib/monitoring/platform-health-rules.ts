/**
 * Platform health: TLS certificates (cert-manager), backups against their schedules
 * (CloudNativePG and Velero), the restore drill, public endpoints (blackbox probes) and the
 * Watchdog.
 *
 * Series read: cert-manager's `certmanager_certificate_expiration_timestamp_seconds` and
 * `certmanager_certificate_ready_status`; CloudNativePG's `cnpg_collector_last_available_backup_timestamp`,
 * `cnpg_pg_stat_archiver_seconds_since_last_archival` and `cnpg_pg_replication_in_recovery`;
 * Velero's `velero_backup_last_successful_timestamp` and `velero_backup_attempt_total`;
 * kube-state-metrics' CronJob and Job series for the restore drill (`kube_cronjob_created`,
 * `kube_cronjob_status_last_successful_time`, `kube_cronjob_spec_suspend`, `kube_job_owner`,
 * `kube_job_status_start_time`, `kube_job_failed`); the blackbox exporter's `probe_success`.
 */
import { PropProblem } from '../core';
import { backupAgeLimitMinutes, BACKUP_INTERVALS_MINUTES, intervalForRpo } from '../data/backup-interval';
import { DEFAULT_DRILL_NAME, DEFAULT_DRILL_SCHEDULE, DEFAULT_DRILL_TIMEOUT_MINUTES, drillOverdueAfterMinutes } from '../data/restore-drill';
import { promNumber } from './promql';
import { AlertRule, Rule, Runbook, switchBackStep, SwitchBackOptions } from './rule';
import { throwOptionProblems } from './service-options';
import { Severity } from './severity';

/** The restore drill's CronJob as the alerts watch it (see the data layer's `RestoreDrill`). */
export interface WatchedRestoreDrill {
  /** Name of the drill's CronJob. */
  readonly cronJob: string;
  /** Minutes without a successful run after which the drill is overdue (`RestoreDrill.overdueAfterMinutes`). */
  readonly overdueAfterMinutes: number;
}

export interface PlatformHealthOptions extends SwitchBackOptions {
  /**
   * Recovery point objective in minutes: the most data the platform may lose. PostgreSQL's WAL
   * archiving must be younger than this; the backup schedules' intervals derive from it.
   * @default 60 (the seed's RPO of 1 hour)
   */
  readonly rpoMinutes?: number;
  /**
   * Minutes between two CloudNativePG base backups (the `ScheduledBackup`'s interval). A base
   * backup is late once it is older than the interval plus its headroom
   * (`backupAgeLimitMinutes`: max(25 %, 30 minutes)), so one slow backup does not page.
   * @default - the data layer's interval for the RPO (`intervalForRpo(rpoMinutes)`)
   */
  readonly baseBackupIntervalMinutes?: number;
  /**
   * Minutes between two Velero backups (the `Schedule`'s interval); late after the interval
   * plus its headroom, as for base backups.
   * @default - the data layer's interval for the RPO (`intervalForRpo(rpoMinutes)`)
   */
  readonly veleroBackupIntervalMinutes?: number;
  /**
   * Days before expiry at which a certificate opens a ticket. cert-manager renews well before
   * (the platform's `renewBefore` is 30 days), so reaching this means renewal has failed.
   * @default 21
   */
  readonly certificateWarningDays?: number;
  /**
   * Days before expiry at which a certificate pages.
   * @default 7
   */
  readonly certificateCriticalDays?: number;
  /**
   * Whether the platform runs CloudNativePG (adds the base backup and WAL archiving checks).
   * @default true
   */
  readonly cnpgBackups?: boolean;
  /**
   * Whether the platform runs Velero (adds the Velero backup check, per schedule).
   * @default true
   */
  readonly veleroBackups?: boolean;
  /**
   * Whether to alert on the restore drill, from its CronJob's and Jobs' status as
   * kube-state-metrics exports them (no extra component).
   * @default true
   */
  readonly restoreDrills?: boolean;
  /**
   * The restore drill to watch.
   * @default - the RestoreDrill defaults: CronJob `restore-drill`, overdue after
   *   `drillOverdueAfterMinutes(DEFAULT_DRILL_SCHEDULE, DEFAULT_DRILL_TIMEOUT_MINUTES)`
   */
  readonly restoreDrill?: WatchedRestoreDrill;
}

/**
 * Alerts: `CertificateExpiring` (warning at `certificateWarningDays`, critical at
 * `certificateCriticalDays`), `CertificateNotReady`, `BackupOlderThanRpo` (CNPG and Velero, label
 * `backup_tool`; label `reason` `late` when the newest successful backup is older than its
 * schedule's interval plus headroom, `missing` when none has been recorded for that long),
 * `PostgresWalArchivingStale`, `RestoreDrillFailing` (label `reason`: `failed` when the newest
 * drill Job failed after the last success, `overdue` when no drill succeeded within the
 * schedule plus headroom, `unobserved` when kube-state-metrics does not report the CronJob),
 * `EndpointDown` (blackbox probes) and `Watchdog` (always firing, severity `none`: the dead
 * man's switch).
 */
export function platformHealthRules(options: PlatformHealthOptions = {}): Rule[] {
  const settings = healthSettings(options);
  return [
    ...certificateRules(settings.warnDays, settings.critDays),
    ...((options.cnpgBackups ?? true) ? cnpgBackupRules(settings.rpo, settings.baseBackupLimit) : []),
    ...((options.veleroBackups ?? true) ? veleroBackupRules(settings.veleroLimit) : []),
    ...((options.restoreDrills ?? true) ? restoreDrillRules(settings.drill) : []),
    new AlertRule({
      alert: 'EndpointDown',
      expr: 'probe_success == 0',
      for: '5m',
      severity: Severity.page(),
      summary: 'Public endpoint {{ $labels.instance }} is down.',
      description: 'The blackbox probe of {{ $labels.instance }} has failed for 5 minutes: users cannot reach it.',
      runbook: endpointDownRunbook(options.switchTrafficCommand),
    }),
    new AlertRule({
      alert: 'Watchdog',
      expr: 'vector(1)',
      severity: Severity.none(),
      summary: 'The alerting pipeline works.',
      description:
        "This alert always fires. If the dead man's switch stops receiving it, Prometheus, Alertmanager or the route between them is broken.",
      runbook: WATCHDOG_RUNBOOK,
    }),
  ];
}

/** The options with their defaults applied, and the backups' age limits in minutes. */
interface HealthSettings {
  readonly rpo: number;
  readonly warnDays: number;
  readonly critDays: number;
  readonly drill: WatchedRestoreDrill;
  readonly baseBackupLimit: number;
  readonly veleroLimit: number;
}

/** Applies the defaults and throws one error listing every bad option. */
function healthSettings(options: PlatformHealthOptions): HealthSettings {
  const rpo = options.rpoMinutes ?? 60;
  const warnDays = options.certificateWarningDays ?? 21;
  const critDays = options.certificateCriticalDays ?? 7;
  const drill = options.restoreDrill ?? {
    cronJob: DEFAULT_DRILL_NAME,
    overdueAfterMinutes: drillOverdueAfterMinutes(DEFAULT_DRILL_SCHEDULE, DEFAULT_DRILL_TIMEOUT_MINUTES)!,
  };
  const problems: PropProblem[] = [
    ...wholePositive('rpoMinutes', rpo),
    ...intervalProblems('baseBackupIntervalMinutes', options.baseBackupIntervalMinutes),
    ...intervalProblems('veleroBackupIntervalMinutes', options.veleroBackupIntervalMinutes),
    ...wholePositive('restoreDrill.overdueAfterMinutes', drill.overdueAfterMinutes),
    ...wholePositive('certificateWarningDays', warnDays),
    ...wholePositive('certificateCriticalDays', critDays),
  ];
  if (problems.length === 0 && critDays >= warnDays) {
    problems.push({
      prop: 'certificateCriticalDays',
      value: critDays,
      rule: `must be below 'certificateWarningDays' (${warnDays})`,
      fix: 'the ticket comes first, the page later',
    });
  }
  throwOptionProblems('platformHealthRules', problems);
  const defaultInterval = intervalForRpo(rpo) ?? rpo;
  return {
    rpo,
    warnDays,
    critDays,
    drill,
    baseBackupLimit: backupAgeLimitMinutes(options.baseBackupIntervalMinutes ?? defaultInterval),
    veleroLimit: backupAgeLimitMinutes(options.veleroBackupIntervalMinutes ?? defaultInterval),
  };
}

/** `CertificateExpiring` (a ticket at `warnDays`, a page at `critDays`) and `CertificateNotReady`. */
function certificateRules(warnDays: number, critDays: number): AlertRule[] {
  // cert-manager's ServiceMonitor keeps `honorLabels: false`: the Certificate's namespace arrives
  // as `exported_namespace`, and `namespace`, `pod` and the other target labels are
  // cert-manager's own. One series per Certificate (`by (exported_namespace, name)`, whichever
  // cert-manager pod exports it); `namespace` is then set to the Certificate's namespace, so that
  // the alert's `source_namespace` (RuleGroupSet's, from `namespace`) and its runbook's
  // `$NAMESPACE` name the Certificate's namespace, not cert-manager's.
  const perCertificate = (expr: string) =>
    `label_replace(max by (exported_namespace, name) (${expr}), "namespace", "$1", "exported_namespace", "(.+)")`;
  const expiry = perCertificate('certmanager_certificate_expiration_timestamp_seconds > 0');
  const certificate = (days: number, severity: Severity, forDuration: string) =>
    new AlertRule({
      alert: 'CertificateExpiring',
      // The remaining time comes first: its value is what the summary's humanizeDuration shows.
      expr: `${expiry} - time() < ${promNumber(days * 86400)}`,
      for: forDuration,
      severity,
      summary: 'Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}.',
      description: `Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} expires in less than ${days} days and cert-manager has not renewed it.`,
      runbook: CERTIFICATE_EXPIRING_RUNBOOK,
    });
  return [
    certificate(warnDays, Severity.ticket(), '1h'),
    certificate(critDays, Severity.page(), '15m'),
    new AlertRule({
      alert: 'CertificateNotReady',
      expr: `${perCertificate('certmanager_certificate_ready_status{condition="False"}')} == 1`,
      for: '15m',
      severity: Severity.ticket(),
      summary: 'Certificate {{ $labels.exported_namespace }}/{{ $labels.name }} is not ready.',
      description:
        'cert-manager reports certificate {{ $labels.exported_namespace }}/{{ $labels.name }} as not ready for 15 minutes: issuing or renewing it fails.',
      runbook: CERTIFICATE_NOT_READY_RUNBOOK,
    }),
  ];
}

/** A `BackupOlderThanRpo` page of one backup tool, for one `reason` (`late` or `missing`). */
function backupAlert(tool: 'cnpg' | 'velero', summary: string) {
  return (reason: string, expr: string, forDuration: string | undefined, description: string) =>
    new AlertRule({
      alert: 'BackupOlderThanRpo',
      expr,
      for: forDuration,
      severity: Severity.page(),
      labels: { backup_tool: tool, reason },
      summary,
      description,
      runbook: BACKUP_RUNBOOK,
    });
}

/** CloudNativePG: the newest base backup late or missing, and WAL archiving older than the RPO. */
function cnpgBackupRules(rpo: number, limitMinutes: number): AlertRule[] {
  // CNPG names instance pods <cluster>-<n>: the cluster is recovered from the pod label. A
  // cluster without any backup exports 0.
  const newest =
    'max by (namespace, cluster) (label_replace(cnpg_collector_last_available_backup_timestamp, "cluster", "$1", "pod", "(.+)-[0-9]+"))';
  const cnpg = backupAlert('cnpg', 'The last base backup of PostgreSQL cluster {{ $labels.namespace }}/{{ $labels.cluster }} is too old.');
  return [
    cnpg(
      'late',
      `time() - (${newest} > 0) > ${promNumber(limitMinutes * 60)}`,
      undefined,
      `The newest available base backup of {{ $labels.namespace }}/{{ $labels.cluster }} is {{ $value | humanizeDuration }} old, more than its schedule's interval plus headroom (${promNumber(limitMinutes)} minutes).`,
    ),
    cnpg(
      'missing',
      `${newest} == 0 or absent(cnpg_collector_last_available_backup_timestamp)`,
      `${promNumber(limitMinutes)}m`,
      `No base backup of {{ $labels.namespace }}/{{ $labels.cluster }} (or no CloudNativePG metrics at all) for ${promNumber(limitMinutes)} minutes, the schedule's interval plus headroom.`,
    ),
    new AlertRule({
      alert: 'PostgresWalArchivingStale',
      expr:
        `max by (namespace, pod) (cnpg_pg_stat_archiver_seconds_since_last_archival) > ${promNumber(rpo * 60)} `
        + 'and on (namespace, pod) max by (namespace, pod) (cnpg_pg_replication_in_recovery) == 0',
      for: '5m',
      severity: Severity.page(),
      summary: 'The PostgreSQL primary {{ $labels.namespace }}/{{ $labels.pod }} has not archived WAL within the RPO.',
      description: `The primary {{ $labels.namespace }}/{{ $labels.pod }} last archived a WAL segment {{ $value | humanizeDuration }} ago, more than the ${promNumber(rpo)}-minute RPO: changes since then would be lost with the cluster.`,
      runbook: WAL_ARCHIVING_RUNBOOK,
    }),
  ];
}

/** Velero: the newest successful backup of a schedule late, or none at all. */
function veleroBackupRules(limitMinutes: number): AlertRule[] {
  const velero = backupAlert('velero', 'The last successful Velero backup of schedule {{ $labels.schedule }} is too old.');
  return [
    velero(
      'late',
      `time() - velero_backup_last_successful_timestamp{schedule!=""} > ${promNumber(limitMinutes * 60)}`,
      undefined,
      `The last successful backup of Velero schedule {{ $labels.schedule }} is {{ $value | humanizeDuration }} old, more than its interval plus headroom (${promNumber(limitMinutes)} minutes).`,
    ),
    // Velero sets the attempt counter of each schedule to 0 at start, the timestamp only on a success.
    velero(
      'missing',
      'max by (schedule) (velero_backup_attempt_total{schedule!=""}) unless on (schedule) velero_backup_last_successful_timestamp '
        + 'or absent(velero_backup_attempt_total)',
      `${promNumber(limitMinutes)}m`,
      `No successful backup of Velero schedule {{ $labels.schedule }} (or no Velero metrics at all) for ${promNumber(limitMinutes)} minutes, the interval plus headroom.`,
    ),
  ];
}

function wholePositive(prop: string, value: number): PropProblem[] {
  return Number.isInteger(value) && value > 0 ? [] : [{ prop, value, rule: 'must be a whole number above 0' }];
}

function intervalProblems(prop: string, value: number | undefined): PropProblem[] {
  if (value === undefined || BACKUP_INTERVALS_MINUTES.includes(value)) return [];
  return [{ prop, value, rule: `must be one of ${BACKUP_INTERVALS_MINUTES.join(', ')}`, fix: "the backup schedules' own intervals" }];
}

/**
 * The restore drill's alerts, from kube-state-metrics: the newest failed drill Job started after
 * the last success (or there is no success), no success within `overdueAfterMinutes` of the
 * last one or of the CronJob's creation (a suspended CronJob is left alone), and the CronJob
 * not reported at all.
 */
function restoreDrillRules(drill: WatchedRestoreDrill): AlertRule[] {
  const cronJob = `cronjob="${drill.cronJob}"`;
  const lastSuccess = `max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${cronJob}})`;
  const newestFailure =
    'max by (namespace, cronjob) (label_replace('
    + 'kube_job_status_start_time * on (namespace, job_name) group_left (owner_name) '
    + `max by (namespace, job_name, owner_name) (kube_job_owner{owner_kind="CronJob", owner_name="${drill.cronJob}"}) `
    + 'and on (namespace, job_name) kube_job_failed{condition="true"} == 1, "cronjob", "$1", "owner_name", "(.+)"))';
  const suspended = `unless on (namespace, cronjob) kube_cronjob_spec_suspend{${cronJob}} == 1`;
  const overdue = promNumber(drill.overdueAfterMinutes * 60);
  const rule = (reason: string, expr: string, forDuration: string | undefined, summary: string, description: string) =>
    new AlertRule({
      alert: 'RestoreDrillFailing',
      expr,
      for: forDuration,
      severity: Severity.ticket(),
      labels: { reason },
      summary,
      description,
      runbook: RESTORE_DRILL_RUNBOOK,
    });
  return [
    rule(
      'failed',
      `${newestFailure} > on (namespace, cronjob) ${lastSuccess} or (${newestFailure} unless on (namespace, cronjob) ${lastSuccess})`,
      undefined,
      'The last restore drill {{ $labels.namespace }}/{{ $labels.cronjob }} failed.',
      'The newest Job of the restore drill {{ $labels.namespace }}/{{ $labels.cronjob }} failed and no drill has succeeded since: the backups may not be restorable.',
    ),
    rule(
      'overdue',
      `(time() - ${lastSuccess} > ${overdue} or (time() - max by (namespace, cronjob) (kube_cronjob_created{${cronJob}}) > ${overdue} `
        + `unless on (namespace, cronjob) ${lastSuccess})) ${suspended}`,
      undefined,
      'No successful restore drill {{ $labels.namespace }}/{{ $labels.cronjob }} for {{ $value | humanizeDuration }}.',
      `The restore drill {{ $labels.namespace }}/{{ $labels.cronjob }} has not succeeded for more than ${promNumber(drill.overdueAfterMinutes)} minutes (its schedule's longest gap, its deadlines and a day of headroom).`,
    ),
    rule(
      'unobserved',
      `absent(kube_cronjob_created{${cronJob}})`,
      '1h',
      'The restore drill CronJob {{ $labels.cronjob }} is not reported by kube-state-metrics.',
      'kube-state-metrics reports no CronJob {{ $labels.cronjob }} for an hour: the drill is not deployed, or its CronJob collector or scrape is missing, so a failed drill would go unnoticed.',
    ),
  ];
}

// The certificate alerts' labels: the Certificate's namespace and name.
const CERTIFICATE_VARIABLES = { NAMESPACE: 'namespace', CERTIFICATE: 'name' };

const CERTIFICATE_EXPIRING_RUNBOOK: Runbook = {
  meaning:
    'A certificate managed by cert-manager is close to expiry although cert-manager should have renewed it long ago. '
    + 'Fired as `warning` weeks before expiry, as `critical` days before.',
  impact: 'When it expires, clients refuse the TLS connection: the public host (or the internal endpoint) is down for everyone.',
  variables: CERTIFICATE_VARIABLES,
  diagnosis: [
    {
      text: "Read the certificate's conditions and its latest CertificateRequest and Order; the message names the failing step (ACME challenge, Vault permission, rate limit).",
      commands: [
        'kubectl describe certificate --namespace "$NAMESPACE" "$CERTIFICATE"',
        'kubectl get certificaterequests,orders,challenges --namespace "$NAMESPACE"',
        'kubectl logs --namespace cert-manager -l app.kubernetes.io/name=cert-manager --since=1h | grep "$CERTIFICATE"',
      ],
      queries: [
        '(certmanager_certificate_expiration_timestamp_seconds{exported_namespace="$NAMESPACE", name="$CERTIFICATE"} - time()) / 86400',
      ],
    },
  ],
  mitigation: [
    {
      text: "Fix the cause the conditions name (an HTTP-01 challenge must be reachable through the edge gateway; Vault's PKI role must allow the host), then trigger a renewal.",
      commands: ['cmctl renew --namespace "$NAMESPACE" "$CERTIFICATE"'],
    },
    { text: 'If the issuer itself is down and expiry is hours away, escalate to L3 to issue a certificate from the fallback issuer.' },
  ],
};

const CERTIFICATE_NOT_READY_RUNBOOK: Runbook = {
  meaning: 'cert-manager reports a certificate as not ready: it could not issue or renew it.',
  impact: 'None yet while the previous certificate is valid; if it persists, CertificateExpiring follows.',
  variables: CERTIFICATE_VARIABLES,
  diagnosis: [
    {
      text: "Read the Ready condition's reason and message.",
      commands: [
        'kubectl describe certificate --namespace "$NAMESPACE" "$CERTIFICATE"',
        'kubectl get certificaterequests --namespace "$NAMESPACE"',
      ],
    },
  ],
  mitigation: [
    {
      text: 'Fix the cause named in the condition (issuer, DNS, challenge reachability) and renew.',
      commands: ['cmctl renew --namespace "$NAMESPACE" "$CERTIFICATE"'],
    },
  ],
};

const BACKUP_RUNBOOK: Runbook = {
  meaning:
    "The newest successful backup is older than its schedule's interval plus headroom (max(25 %, 30 minutes)), or none has been recorded for that long (label `reason`: `late` or `missing`); the label `backup_tool` says whether a CloudNativePG base backup (label `cluster`) or a Velero schedule (label `schedule`) is late. `missing` without a `cluster` or `schedule` label means Prometheus has no metrics from that tool at all.",
  impact: 'A restore now would lose more data, or take longer, than the recovery objectives allow (RPO 1 hour, RTO 4 hours).',
  variables: { NAMESPACE: 'namespace', CLUSTER: 'cluster', SCHEDULE: 'schedule' },
  diagnosis: [
    {
      text: 'CloudNativePG: list the backups and their phase, and the ScheduledBackup that should create them.',
      commands: [
        'kubectl get backups.postgresql.cnpg.io,scheduledbackups.postgresql.cnpg.io --namespace "$NAMESPACE"',
        'kubectl describe cluster.postgresql.cnpg.io --namespace "$NAMESPACE" "$CLUSTER"',
      ],
      queries: ['time() - cnpg_collector_last_available_backup_timestamp'],
    },
    {
      text: "Velero: list the schedule's recent backups and read the failed one's logs.",
      commands: [
        'velero schedule get "$SCHEDULE"',
        'velero backup get --selector velero.io/schedule-name="$SCHEDULE"',
        'velero backup logs "$(kubectl get backups.velero.io --namespace velero -l velero.io/schedule-name="$SCHEDULE" --sort-by=.metadata.creationTimestamp -o name | tail -1 | cut -d/ -f2)" | grep -i error',
      ],
      queries: ['time() - velero_backup_last_successful_timestamp'],
    },
  ],
  mitigation: [
    {
      text: 'Fix the cause (object storage credentials or quota, a failing volume snapshot), then take a backup by hand and check that it completes.',
      commands: ['velero backup create --from-schedule "$SCHEDULE"'],
    },
    {
      text: 'For CloudNativePG, take an on-demand backup (kubectl cnpg plugin) and watch it complete. Escalate to L3 if no backup succeeds within the next RPO period.',
      commands: [
        'kubectl cnpg backup --namespace "$NAMESPACE" "$CLUSTER"',
        'kubectl get backups.postgresql.cnpg.io --namespace "$NAMESPACE" -w',
      ],
    },
  ],
};

const WAL_ARCHIVING_RUNBOOK: Runbook = {
  meaning: 'The PostgreSQL primary has not archived a WAL segment within the RPO: point-in-time recovery could not reach the last changes.',
  impact:
    "If the cluster is lost now, the changes since the last archived segment are lost, more than the RPO allows. WAL also piles up on the primary's disk.",
  variables: { NAMESPACE: 'namespace', POD: 'pod' },
  diagnosis: [
    {
      text: "Check the archiver's failures and the cluster's ContinuousArchiving condition.",
      commands: [
        'kubectl get cluster.postgresql.cnpg.io --namespace "$NAMESPACE" -o wide',
        'kubectl logs --namespace "$NAMESPACE" "$POD" --since=1h | grep -i archive',
      ],
      queries: ['cnpg_pg_stat_archiver_failed_count', 'cnpg_pg_stat_archiver_seconds_since_last_archival'],
    },
  ],
  mitigation: [
    {
      text: 'Fix access to the object store (credentials in Vault, bucket policy, network egress); archiving resumes by itself and catches up. Escalate to L3 if the disk fills.',
    },
  ],
};

const RESTORE_DRILL_RUNBOOK: Runbook = {
  meaning:
    'The restore drill (label `reason`) failed to restore the newest backup into a throwaway namespace (`failed`), has not succeeded within its schedule plus headroom (`overdue`), or is not reported by kube-state-metrics (`unobserved`).',
  impact: 'Nothing is broken now, but nobody knows whether the backups can be restored: the RTO of 4 hours is not proven.',
  variables: { NAMESPACE: 'namespace', CRONJOB: 'cronjob' },
  diagnosis: [
    {
      text: 'Find the last drill Job and read its log; it names the Velero restore, its phase and errors. For `unobserved`, check that the CronJob exists and that kube-state-metrics runs its cronjobs and jobs collectors and is scraped.',
      commands: [
        'kubectl get cronjobs,jobs --all-namespaces -l app.kubernetes.io/component=restore-drill',
        'kubectl logs --namespace "$NAMESPACE" "$(kubectl get jobs --namespace "$NAMESPACE" -l app.kubernetes.io/component=restore-drill --sort-by=.metadata.creationTimestamp -o name | tail -1)"',
      ],
      queries: [
        'kube_job_failed{condition="true"} * on (namespace, job_name) group_left (owner_name) kube_job_owner{owner_kind="CronJob"}',
        '(time() - kube_cronjob_status_last_successful_time) / 86400',
      ],
    },
  ],
  mitigation: [
    {
      text: 'Fix what the restore reported (missing CRDs, storage class, quota), then run the drill by hand and check that it passes.',
      commands: [
        'kubectl create job --namespace "$NAMESPACE" --from="cronjob/$CRONJOB" "$CRONJOB-manual"',
        'kubectl wait --namespace "$NAMESPACE" --for=condition=complete --timeout=3h "job/$CRONJOB-manual"',
      ],
    },
    { text: 'If backups cannot be restored, treat it as a data-loss risk and escalate to L3.' },
  ],
};

function endpointDownRunbook(switchTrafficCommand: string | undefined): Runbook {
  return {
    meaning: 'The blackbox exporter could not get a 2xx answer over HTTPS from a public endpoint for 5 minutes.',
    impact: "Users cannot reach the endpoint. The services' own error ratios may look fine when requests never reach them.",
    variables: { INSTANCE: 'instance' },
    diagnosis: [
      {
        text: 'Find out where the request fails: DNS, TLS, the gateway, or the service.',
        commands: [
          'curl -sv --max-time 10 "$INSTANCE" -o /dev/null',
          'kubectl get gateways,httproutes --all-namespaces',
          'kubectl get pods --all-namespaces -l gateway.networking.k8s.io/gateway-name',
        ],
        queries: ['probe_success', 'probe_http_status_code', 'probe_ssl_earliest_cert_expiry - time()'],
      },
    ],
    mitigation: [
      switchBackStep('If the live colour fails behind the gateway, switch traffic to the other colour.', switchTrafficCommand),
      { text: 'If the whole region is down, follow the disaster-recovery procedure (fail over to the DR region) and escalate to L3.' },
    ],
  };
}

const WATCHDOG_RUNBOOK: Runbook = {
  meaning:
    "The Watchdog always fires. It proves that Prometheus evaluates rules and that Alertmanager delivers them: the dead man's switch expects it continuously and alarms when it stops.",
  impact: "None while it fires. If the dead man's switch reports it missing, alerting is broken and no other alert can be trusted.",
  diagnosis: [
    {
      text: "If the dead man's switch alarmed, check Prometheus and Alertmanager and the route between them.",
      commands: [
        'kubectl get pods --all-namespaces -l "app.kubernetes.io/name in (prometheus, alertmanager)"',
        'kubectl get alertmanagerconfigs --all-namespaces',
      ],
      queries: [
        'ALERTS{alertname="Watchdog"}',
        'prometheus_notifications_dropped_total',
        'rate(prometheus_notifications_errors_total[5m])',
      ],
    },
  ],
  mitigation: [
    {
      text: 'Restore Prometheus or Alertmanager (restart the failing pods; check their storage and configuration reload). Until then, watch the dashboards by hand and tell the on-call engineer (L2).',
    },
  ],
};

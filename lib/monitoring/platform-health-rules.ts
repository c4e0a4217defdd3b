/**
 * Platform health: TLS certificates (cert-manager), backups against the recovery point
 * objective (CloudNativePG and Velero), public endpoints (blackbox probes) and the Watchdog.
 *
 * Series read: cert-manager's `certmanager_certificate_expiration_timestamp_seconds` and
 * `certmanager_certificate_ready_status`; CloudNativePG's `cnpg_collector_last_available_backup_timestamp`,
 * `cnpg_pg_stat_archiver_seconds_since_last_archival` and `cnpg_pg_replication_in_recovery`;
 * Velero's `velero_backup_last_successful_timestamp`; the restore drill's `alp_restore_drill_success`
 * and `alp_restore_drill_last_run_timestamp_seconds` (Pushgateway); the blackbox exporter's `probe_success`.
 */
import { PropProblem } from '../core';
import { promNumber } from './promql';
import { AlertRule, Rule, Runbook } from './rule';
import { throwOptionProblems } from './service-options';
import { Severity } from './severity';

export interface PlatformHealthOptions {
  /**
   * Recovery point objective in minutes: the most data the platform may lose. Base backups,
   * Velero backups and PostgreSQL's WAL archiving must each be younger than this.
   * @default 60 (the seed's RPO of 1 hour)
   */
  readonly rpoMinutes?: number;
  /**
   * The oldest a CloudNativePG base backup may be, in minutes. With continuous WAL archiving
   * the database's recovery point is set by the archiving (checked against `rpoMinutes`); base
   * backups only bound the replay time, so they may be rarer than the RPO. Match the data
   * issue's `ScheduledBackup` schedule plus a margin.
   * @default - `rpoMinutes`
   */
  readonly baseBackupMaxAgeMinutes?: number;
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
   * Whether to alert on the monthly restore drill's result (the `alp_restore_drill_*` gauges the
   * data issue's RestoreDrill pushes to a Pushgateway; without them the alerts stay silent).
   * @default true
   */
  readonly restoreDrills?: boolean;
  /**
   * Days without a restore drill after which `RestoreDrillFailing` fires (the drill runs monthly).
   * @default 35
   */
  readonly restoreDrillMaxAgeDays?: number;
}

/**
 * Alerts: `CertificateExpiring` (warning at `certificateWarningDays`, critical at
 * `certificateCriticalDays`), `CertificateNotReady`, `BackupOlderThanRpo` (CNPG and Velero, label
 * `backup_tool`; fires when the newest backup has been older than the RPO for 10 minutes, so a
 * backup schedule whose interval equals the RPO stays quiet), `PostgresWalArchivingStale`,
 * `RestoreDrillFailing` (label `reason`: `failed` or `missing`), `EndpointDown` (blackbox probes)
 * and `Watchdog` (always firing, severity `none`: the dead man's switch).
 */
export function platformHealthRules(options: PlatformHealthOptions = {}): Rule[] {
  const rpo = options.rpoMinutes ?? 60;
  const baseBackupAge = options.baseBackupMaxAgeMinutes ?? rpo;
  const warnDays = options.certificateWarningDays ?? 21;
  const critDays = options.certificateCriticalDays ?? 7;
  const drillDays = options.restoreDrillMaxAgeDays ?? 35;
  const problems: PropProblem[] = [
    ...wholePositive('restoreDrillMaxAgeDays', drillDays),
    ...wholePositive('rpoMinutes', rpo),
    ...(options.baseBackupMaxAgeMinutes === undefined ? [] : wholePositive('baseBackupMaxAgeMinutes', baseBackupAge)),
    ...wholePositive('certificateWarningDays', warnDays),
    ...wholePositive('certificateCriticalDays', critDays),
  ];
  if (problems.length === 0 && critDays >= warnDays) {
    problems.push({ prop: 'certificateCriticalDays', value: critDays, rule: `must be below 'certificateWarningDays' (${warnDays})`, fix: 'the ticket comes first, the page later' });
  }
  throwOptionProblems('platformHealthRules', problems);

  const expiry = 'certmanager_certificate_expiration_timestamp_seconds';
  const certificate = (days: number, severity: Severity, forDuration: string) => new AlertRule({
    alert: 'CertificateExpiring',
    expr: `${expiry} > 0 and ${expiry} - time() < ${promNumber(days * 86400)}`,
    for: forDuration,
    severity,
    summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in {{ $value | humanizeDuration }}.',
    description: `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than ${days} days and cert-manager has not renewed it.`,
    runbook: CERTIFICATE_EXPIRING_RUNBOOK,
  });
  const rules: Rule[] = [
    certificate(warnDays, Severity.ticket(), '1h'),
    certificate(critDays, Severity.page(), '15m'),
    new AlertRule({
      alert: 'CertificateNotReady',
      expr: 'max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1',
      for: '15m',
      severity: Severity.ticket(),
      summary: 'Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready.',
      description: 'cert-manager reports certificate {{ $labels.namespace }}/{{ $labels.name }} as not ready for 15 minutes: issuing or renewing it fails.',
      runbook: CERTIFICATE_NOT_READY_RUNBOOK,
    }),
  ];
  if (options.cnpgBackups ?? true) {
    rules.push(new AlertRule({
      alert: 'BackupOlderThanRpo',
      // CNPG names instance pods <cluster>-<n>: the cluster is recovered from the pod label.
      expr: 'time() - max by (namespace, cluster) (label_replace(cnpg_collector_last_available_backup_timestamp, "cluster", "$1", "pod", "(.+)-[0-9]+")) '
        + `> ${promNumber(baseBackupAge * 60)}`,
      for: '10m',
      severity: Severity.page(),
      labels: { backup_tool: 'cnpg' },
      summary: 'The last base backup of PostgreSQL cluster {{ $labels.namespace }}/{{ $labels.cluster }} is too old.',
      description: `The newest available base backup of {{ $labels.namespace }}/{{ $labels.cluster }} is {{ $value | humanizeDuration }} old, more than ${promNumber(baseBackupAge)} minutes.`,
      runbook: BACKUP_RUNBOOK,
    }));
    rules.push(new AlertRule({
      alert: 'PostgresWalArchivingStale',
      expr: `max by (namespace, pod) (cnpg_pg_stat_archiver_seconds_since_last_archival) > ${promNumber(rpo * 60)} `
        + 'and on (namespace, pod) max by (namespace, pod) (cnpg_pg_replication_in_recovery) == 0',
      for: '5m',
      severity: Severity.page(),
      summary: 'The PostgreSQL primary {{ $labels.namespace }}/{{ $labels.pod }} has not archived WAL within the RPO.',
      description: `The primary {{ $labels.namespace }}/{{ $labels.pod }} last archived a WAL segment {{ $value | humanizeDuration }} ago, more than the ${promNumber(rpo)}-minute RPO: changes since then would be lost with the cluster.`,
      runbook: WAL_ARCHIVING_RUNBOOK,
    }));
  }
  if (options.veleroBackups ?? true) {
    rules.push(new AlertRule({
      alert: 'BackupOlderThanRpo',
      expr: `time() - velero_backup_last_successful_timestamp{schedule!=""} > ${promNumber(rpo * 60)}`,
      for: '10m',
      severity: Severity.page(),
      labels: { backup_tool: 'velero' },
      summary: 'The last successful Velero backup of schedule {{ $labels.schedule }} is older than the RPO.',
      description: `The last successful backup of Velero schedule {{ $labels.schedule }} is {{ $value | humanizeDuration }} old, more than the ${promNumber(rpo)}-minute RPO.`,
      runbook: BACKUP_RUNBOOK,
    }));
  }
  if (options.restoreDrills ?? true) {
    const drill = (reason: string, expr: string, summary: string, description: string) => new AlertRule({
      alert: 'RestoreDrillFailing', expr, severity: Severity.ticket(), labels: { reason }, summary, description, runbook: RESTORE_DRILL_RUNBOOK,
    });
    rules.push(
      drill('failed', 'alp_restore_drill_success == 0', 'The last restore drill of backup schedule {{ $labels.schedule }} failed.',
        'The newest restore drill of {{ $labels.schedule }} did not restore the backup cleanly: the backups may not be restorable.'),
      drill('missing', `time() - alp_restore_drill_last_run_timestamp_seconds > ${promNumber(drillDays * 86400)}`,
        'No restore drill of backup schedule {{ $labels.schedule }} for {{ $value | humanizeDuration }}.',
        `The monthly restore drill of {{ $labels.schedule }} has not reported for more than ${drillDays} days.`),
    );
  }
  rules.push(
    new AlertRule({
      alert: 'EndpointDown',
      expr: 'probe_success == 0',
      for: '5m',
      severity: Severity.page(),
      summary: 'Public endpoint {{ $labels.instance }} is down.',
      description: 'The blackbox probe of {{ $labels.instance }} has failed for 5 minutes: users cannot reach it.',
      runbook: ENDPOINT_DOWN_RUNBOOK,
    }),
    new AlertRule({
      alert: 'Watchdog',
      expr: 'vector(1)',
      severity: Severity.none(),
      summary: 'The alerting pipeline works.',
      description: 'This alert always fires. If the dead man\'s switch stops receiving it, Prometheus, Alertmanager or the route between them is broken.',
      runbook: WATCHDOG_RUNBOOK,
    }),
  );
  return rules;
}

function wholePositive(prop: string, value: number): PropProblem[] {
  return Number.isInteger(value) && value > 0 ? [] : [{ prop, value, rule: 'must be a whole number above 0' }];
}

const CERTIFICATE_EXPIRING_RUNBOOK: Runbook = {
  meaning: 'A certificate managed by cert-manager is close to expiry although cert-manager should have renewed it long ago. '
    + 'Fired as `warning` weeks before expiry, as `critical` days before.',
  impact: 'When it expires, clients refuse the TLS connection: the public host (or the internal endpoint) is down for everyone.',
  variables: { NAMESPACE: 'namespace', CERTIFICATE: 'name' },
  diagnosis: [
    {
      text: 'Read the certificate\'s conditions and its latest CertificateRequest and Order; the message names the failing step (ACME challenge, Vault permission, rate limit).',
      commands: [
        'kubectl describe certificate --namespace "$NAMESPACE" "$CERTIFICATE"',
        'kubectl get certificaterequests,orders,challenges --namespace "$NAMESPACE"',
        'kubectl logs --namespace cert-manager -l app.kubernetes.io/name=cert-manager --since=1h | grep "$CERTIFICATE"',
      ],
      queries: ['(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400'],
    },
  ],
  mitigation: [
    { text: 'Fix the cause the conditions name (an HTTP-01 challenge must be reachable through the edge gateway; Vault\'s PKI role must allow the host), then trigger a renewal.', commands: ['cmctl renew --namespace "$NAMESPACE" "$CERTIFICATE"'] },
    { text: 'If the issuer itself is down and expiry is hours away, escalate to L3 to issue a certificate from the fallback issuer.' },
  ],
};

const CERTIFICATE_NOT_READY_RUNBOOK: Runbook = {
  meaning: 'cert-manager reports a certificate as not ready: it could not issue or renew it.',
  impact: 'None yet while the previous certificate is valid; if it persists, CertificateExpiring follows.',
  variables: { NAMESPACE: 'namespace', CERTIFICATE: 'name' },
  diagnosis: [
    { text: 'Read the Ready condition\'s reason and message.', commands: ['kubectl describe certificate --namespace "$NAMESPACE" "$CERTIFICATE"', 'kubectl get certificaterequests --namespace "$NAMESPACE"'] },
  ],
  mitigation: [{ text: 'Fix the cause named in the condition (issuer, DNS, challenge reachability) and renew.', commands: ['cmctl renew --namespace "$NAMESPACE" "$CERTIFICATE"'] }],
};

const BACKUP_RUNBOOK: Runbook = {
  meaning: 'The newest successful backup is older than allowed: the label `backup_tool` says whether a CloudNativePG base backup (label `cluster`) or a Velero schedule (label `schedule`) is late.',
  impact: 'A restore now would lose more data, or take longer, than the recovery objectives allow (RPO 1 hour, RTO 4 hours).',
  variables: { NAMESPACE: 'namespace', CLUSTER: 'cluster', SCHEDULE: 'schedule' },
  diagnosis: [
    {
      text: 'CloudNativePG: list the backups and their phase, and the ScheduledBackup that should create them.',
      commands: ['kubectl get backups.postgresql.cnpg.io,scheduledbackups.postgresql.cnpg.io --namespace "$NAMESPACE"', 'kubectl describe cluster.postgresql.cnpg.io --namespace "$NAMESPACE" "$CLUSTER"'],
      queries: ['time() - cnpg_collector_last_available_backup_timestamp'],
    },
    {
      text: 'Velero: list the schedule\'s recent backups and read the failed one\'s logs.',
      commands: [
        'velero schedule get "$SCHEDULE"',
        'velero backup get --selector velero.io/schedule-name="$SCHEDULE"',
        'velero backup logs "$(kubectl get backups.velero.io --namespace velero -l velero.io/schedule-name="$SCHEDULE" --sort-by=.metadata.creationTimestamp -o name | tail -1 | cut -d/ -f2)" | grep -i error',
      ],
      queries: ['time() - velero_backup_last_successful_timestamp'],
    },
  ],
  mitigation: [
    { text: 'Fix the cause (object storage credentials or quota, a failing volume snapshot), then take a backup by hand and check that it completes.', commands: ['velero backup create --from-schedule "$SCHEDULE"'] },
    {
      text: 'For CloudNativePG, take an on-demand backup (kubectl cnpg plugin) and watch it complete. Escalate to L3 if no backup succeeds within the next RPO period.',
      commands: ['kubectl cnpg backup --namespace "$NAMESPACE" "$CLUSTER"', 'kubectl get backups.postgresql.cnpg.io --namespace "$NAMESPACE" -w'],
    },
  ],
};

const WAL_ARCHIVING_RUNBOOK: Runbook = {
  meaning: 'The PostgreSQL primary has not archived a WAL segment within the RPO: point-in-time recovery could not reach the last changes.',
  impact: 'If the cluster is lost now, the changes since the last archived segment are lost, more than the RPO allows. WAL also piles up on the primary\'s disk.',
  variables: { NAMESPACE: 'namespace', POD: 'pod' },
  diagnosis: [
    {
      text: 'Check the archiver\'s failures and the cluster\'s ContinuousArchiving condition.',
      commands: ['kubectl get cluster.postgresql.cnpg.io --namespace "$NAMESPACE" -o wide', 'kubectl logs --namespace "$NAMESPACE" "$POD" --since=1h | grep -i archive'],
      queries: ['cnpg_pg_stat_archiver_failed_count', 'cnpg_pg_stat_archiver_seconds_since_last_archival'],
    },
  ],
  mitigation: [
    { text: 'Fix access to the object store (credentials in Vault, bucket policy, network egress); archiving resumes by itself and catches up. Escalate to L3 if the disk fills.' },
  ],
};

const RESTORE_DRILL_RUNBOOK: Runbook = {
  meaning: 'The monthly restore drill (label `reason`) either failed to restore the newest backup into a throwaway namespace, or has not run for longer than a month.',
  impact: 'Nothing is broken now, but nobody knows whether the backups can be restored: the RTO of 4 hours is not proven.',
  variables: { SCHEDULE: 'schedule' },
  diagnosis: [
    {
      text: 'Find the last drill Job and read its log; it names the Velero restore and its errors.',
      commands: [
        'kubectl get cronjobs,jobs --all-namespaces -l app.kubernetes.io/component=restore-drill',
        'velero restore get | grep "$SCHEDULE"',
      ],
      queries: ['alp_restore_drill_success', 'alp_restore_drill_errors', '(time() - alp_restore_drill_last_run_timestamp_seconds) / 86400'],
    },
  ],
  mitigation: [
    { text: 'Fix what the restore reported (missing CRDs, storage class, quota), then run the drill by hand and check that it passes.', commands: ['kubectl get cronjobs --all-namespaces -l app.kubernetes.io/component=restore-drill -o jsonpath=\'{range .items[*]}{.metadata.namespace} {.metadata.name}{"\\n"}{end}\' | while read -r ns name; do kubectl create job --namespace "$ns" --from="cronjob/$name" "$name-manual"; done'] },
    { text: 'If backups cannot be restored, treat it as a data-loss risk and escalate to L3.' },
  ],
};

const ENDPOINT_DOWN_RUNBOOK: Runbook = {
  meaning: 'The blackbox exporter could not get a 2xx answer over HTTPS from a public endpoint for 5 minutes.',
  impact: 'Users cannot reach the endpoint. The services\' own error ratios may look fine when requests never reach them.',
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
    { text: 'If the live colour fails behind the gateway, switch traffic to the other colour.', commands: ['npx alp switch-traffic --to "$PREVIOUS_COLOR"'] },
    { text: 'If the whole region is down, follow the disaster-recovery procedure (fail over to the DR region) and escalate to L3.' },
  ],
};

const WATCHDOG_RUNBOOK: Runbook = {
  meaning: 'The Watchdog always fires. It proves that Prometheus evaluates rules and that Alertmanager delivers them: the dead man\'s switch expects it continuously and alarms when it stops.',
  impact: 'None while it fires. If the dead man\'s switch reports it missing, alerting is broken and no other alert can be trusted.',
  diagnosis: [
    {
      text: 'If the dead man\'s switch alarmed, check Prometheus and Alertmanager and the route between them.',
      commands: [
        'kubectl get pods --all-namespaces -l "app.kubernetes.io/name in (prometheus, alertmanager)"',
        'kubectl get alertmanagerconfigs --all-namespaces',
      ],
      queries: ['ALERTS{alertname="Watchdog"}', 'prometheus_notifications_dropped_total', 'rate(prometheus_notifications_errors_total[5m])'],
    },
  ],
  mitigation: [
    { text: 'Restore Prometheus or Alertmanager (restart the failing pods; check their storage and configuration reload). Until then, watch the dashboards by hand and tell the on-call engineer (L2).' },
  ],
};

/**
 * The files of the restore drill's ConfigMap: the Velero Restore to create (JSON, which
 * kubectl reads like YAML) and the POSIX shell script that runs the drill.
 */

export interface RestoreManifestOptions {
  readonly veleroNamespace: string;
  readonly scheduleName: string;
  /** Source namespace -> drill namespace. */
  readonly namespaceMapping: Readonly<Record<string, string>>;
  readonly excludedResources: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A Velero Restore of the schedule's newest successful backup (`scheduleName` without
 * `backupName`), limited to the mapped namespaces and renaming each into its drill namespace.
 * `generateName` gives every run its own Restore.
 */
export function restoreManifest(options: RestoreManifestOptions): string {
  const sources = Object.keys(options.namespaceMapping).sort();
  const manifest = {
    apiVersion: 'velero.io/v1',
    kind: 'Restore',
    metadata: { generateName: 'restore-drill-', namespace: options.veleroNamespace, labels: { ...options.labels } },
    spec: {
      scheduleName: options.scheduleName,
      includedNamespaces: sources,
      namespaceMapping: Object.fromEntries(sources.map((s) => [s, options.namespaceMapping[s]])),
      excludedResources: [...options.excludedResources],
      restorePVs: true,
      existingResourcePolicy: 'none',
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The environment the drill script reads. */
export const DRILL_ENV = {
  veleroNamespace: 'VELERO_NAMESPACE',
  drillNamespaces: 'DRILL_NAMESPACES',
  restoreFile: 'RESTORE_FILE',
  timeoutSeconds: 'RESTORE_TIMEOUT_SECONDS',
  schedule: 'BACKUP_SCHEDULE',
} as const;

/**
 * The drill: delete leftovers of an earlier run, create the Restore, wait for it to finish,
 * check it (phase `Completed`, no errors, every item restored, drill namespaces present),
 * clean up (drill namespaces and the Restore) whatever happened, and report in the log. Exits
 * non-zero when the check fails, so the Job fails too (backoffLimit 0): kube-state-metrics'
 * `kube_job_failed` and `kube_cronjob_status_last_successful_time` carry the outcome.
 */
// eslint-disable-next-line max-lines-per-function -- one shell-script template literal, so the script reads as it runs, top to bottom
export function drillScript(): string {
  return `#!/bin/sh
# Monthly restore drill, written by alp-deploy. Needs sh and kubectl. The Job's status is the result.
set -u
started="$(date +%s)"
restore=""
phase="NotStarted"
errors=0
warnings=0
restored=0
total=0
ok=1

fail() { echo "restore drill: FAILED: $*" >&2; ok=0; }

delete_drill_namespaces() {
  for ns in $DRILL_NAMESPACES; do
    kubectl delete namespace "$ns" --ignore-not-found --wait=true --timeout=20m || fail "could not delete namespace $ns"
  done
}

field() { kubectl -n "$VELERO_NAMESPACE" get "$restore" -o "jsonpath={$1}" 2>/dev/null; }

report() {
  echo "restore drill of $BACKUP_SCHEDULE: phase=$phase errors=$errors warnings=$warnings items=$restored/$total duration=\${duration}s success=$ok"
}

# 1. A drill namespace left by an aborted run would make the restore skip what it holds.
delete_drill_namespaces

# 2. Restore the newest backup of the schedule into the drill namespaces.
if [ "$ok" = 1 ]; then
  restore="$(kubectl create -f "$RESTORE_FILE" -o name)" || fail "could not create the Restore"
fi

# 3. Wait for Velero to finish (Completed, PartiallyFailed, Failed or FailedValidation).
if [ "$ok" = 1 ]; then
  deadline=$(( started + RESTORE_TIMEOUT_SECONDS ))
  while :; do
    phase="$(field .status.phase)"
    case "$phase" in Completed|PartiallyFailed|Failed|FailedValidation) break ;; esac
    if [ "$(date +%s)" -ge "$deadline" ]; then fail "the restore did not finish within \${RESTORE_TIMEOUT_SECONDS}s"; break; fi
    sleep 15
  done
fi

# 4. Check it.
if [ "$ok" = 1 ]; then
  errors="$(field .status.errors)"; errors="\${errors:-0}"
  warnings="$(field .status.warnings)"; warnings="\${warnings:-0}"
  restored="$(field .status.progress.itemsRestored)"; restored="\${restored:-0}"
  total="$(field .status.progress.totalItems)"; total="\${total:-0}"
  [ "$phase" = "Completed" ] || fail "the restore ended in phase $phase"
  [ "$errors" = 0 ] || fail "the restore reported $errors errors"
  [ "$total" -gt 0 ] || fail "the backup held no items"
  [ "$restored" = "$total" ] || fail "only $restored of $total items were restored"
  for ns in $DRILL_NAMESPACES; do
    kubectl get namespace "$ns" -o name >/dev/null || fail "namespace $ns was not restored"
  done
fi

duration=$(( $(date +%s) - started ))

# 5. Clean up whatever happened, then report (a failed clean-up fails the drill too).
delete_drill_namespaces
if [ -n "$restore" ]; then
  kubectl -n "$VELERO_NAMESPACE" delete "$restore" --ignore-not-found --wait=false || fail "could not delete $restore"
fi
report
[ "$ok" = 1 ]
`;
}

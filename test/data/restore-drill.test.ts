import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import { NetworkPeer } from '../../lib/network/network-peer';
import { drillOverdueAfterMinutes, RestoreDrill, RestoreDrillNamespaceAccess, RestoreDrillProps } from '../../lib/data/restore-drill';
import { longestCronGapMinutes } from '../../lib/data/cron-gap';
import { drillScript } from '../../lib/data/restore-drill-script';
import { BackupSchedule } from '../../lib/data/velero';
import { errorOf, findObject, kindCounts } from '../helpers/manifests';
import { KUBECTL_IMAGE, podSecurityProblems, schemaProblems, shellSyntaxErrors } from './_helpers';

const API_SERVER = NetworkPeer.cidr('172.20.0.1/32');

/** The drill in the data chart, its schedule and namespace access in the cluster chart. */
function build(props: Partial<RestoreDrillProps> = {}): { data: Chart; cluster: Chart } {
  const app = Testing.app();
  const data = new Chart(app, 'test', { namespace: 'alp-data' });
  const cluster = new Chart(app, 'cluster');
  const backupSchedule = new BackupSchedule(cluster, 'Backups', {
    name: 'platform',
    namespaces: ['alp-data', 'alp-edge'],
    rpoMinutes: 60,
    ttlHours: 720,
    gdprRetentionDays: 30,
  });
  const drill = new RestoreDrill(data, 'Drill', {
    backupSchedule,
    namespaces: ['alp-data'],
    image: KUBECTL_IMAGE,
    apiServer: [API_SERVER],
    ...props,
  });
  new RestoreDrillNamespaceAccess(cluster, 'DrillAccess', { drill });
  return { data, cluster };
}

function synth(props: Partial<RestoreDrillProps> = {}): any[] {
  const { data, cluster } = build(props);
  return [...Testing.synth(data), ...Testing.synth(cluster).filter((m) => m.kind !== 'Schedule')];
}

const restoreOf = (manifests: any[]) => JSON.parse(findObject(manifests, 'ConfigMap', 'restore-drill').data['restore.json']);

describe('RestoreDrill |', () => {
  test('emits a hardened monthly CronJob, its script, policy and least-privilege RBAC', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(kindCounts(manifests)).toEqual({
      ConfigMap: 1,
      ServiceAccount: 1,
      CronJob: 1,
      NetworkPolicy: 1,
      Role: 1,
      RoleBinding: 1,
      ClusterRole: 1,
      ClusterRoleBinding: 1,
    });
    const cronJob = findObject(manifests, 'CronJob', 'restore-drill');
    expect(cronJob.spec).toMatchObject({ schedule: '0 5 1 * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' });
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 120 * 60 + 45 * 60 });
    expect(Object.fromEntries(manifests.map((m) => [m.kind, m.metadata.namespace]))).toEqual({
      ConfigMap: 'alp-data',
      ServiceAccount: 'alp-data',
      CronJob: 'alp-data',
      NetworkPolicy: 'alp-data',
      Role: 'velero',
      RoleBinding: 'velero',
      ClusterRole: undefined,
      ClusterRoleBinding: undefined,
    });
  });

  test('lets the drill reach only the API server: no Pushgateway, the Job status is the result', () => {
    const manifests = synth();
    const policy = findObject(manifests, 'NetworkPolicy', 'restore-drill');
    expect(policy.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'restore-drill',
      'app.kubernetes.io/instance': 'restore-drill',
    });
    expect(policy.spec.policyTypes).toEqual(['Egress']);
    expect(policy.spec.egress.map((r: any) => [r.to[0], r.ports.map((p: any) => p.port)])).toEqual([
      [{ ipBlock: { cidr: '172.20.0.1/32' } }, [443, 6443]],
    ]);
    expect(JSON.stringify(manifests)).not.toMatch(/pushgateway/i);
    expect(drillScript()).not.toMatch(/pushgateway|curl|alp_restore_drill_/i);
  });

  test('is overdue after the longest gap of its schedule, its deadlines and a day of headroom', () => {
    const { data } = build({ schedule: '0 5 * * 1', restoreTimeoutMinutes: 60 });
    const drill = data.node.findChild('Drill') as RestoreDrill;
    const cronJob = findObject(Testing.synth(data), 'CronJob', 'restore-drill').spec;
    const deadlines = cronJob.startingDeadlineSeconds / 60 + cronJob.jobTemplate.spec.activeDeadlineSeconds / 60;
    expect(drill.overdueAfterMinutes).toBe(7 * 1440 + deadlines + 1440);
    expect(drillOverdueAfterMinutes('0 5 1 * *', 120)).toBe(31 * 1440 + 60 + 120 + 45 + 1440);
  });

  test('every object validates against its schema; the pod meets PSS restricted', () => {
    const manifests = synth();
    expect(schemaProblems(manifests)).toEqual([]);
    expect(podSecurityProblems(manifests)).toEqual([]);
  });

  test('restores the newest backup of the schedule into a drill namespace, without jobs or CloudNativePG objects', () => {
    const restore = restoreOf(synth());
    expect(restore.metadata).toMatchObject({ generateName: 'restore-drill-', namespace: 'velero' });
    expect(restore.spec).toMatchObject({
      scheduleName: 'platform',
      includedNamespaces: ['alp-data'],
      namespaceMapping: { 'alp-data': 'drill-alp-data' },
      restorePVs: true,
      existingResourcePolicy: 'none',
    });
    expect(restore.spec.excludedResources).toEqual(expect.arrayContaining(['cronjobs.batch', 'jobs.batch', 'clusters.postgresql.cnpg.io']));
  });

  test('grants restores in the velero namespace, and only the drill namespaces cluster-wide', () => {
    // WHEN
    const manifests = synth();
    // THEN
    expect(findObject(manifests, 'Role', 'restore-drill').rules).toEqual([
      { apiGroups: ['velero.io'], resources: ['restores'], verbs: ['create', 'delete', 'get'] },
    ]);
    expect(findObject(manifests, 'RoleBinding', 'restore-drill').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'restore-drill', namespace: 'alp-data' },
    ]);
    expect(findObject(manifests, 'ClusterRole', 'restore-drill-namespaces').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['drill-alp-data'], verbs: ['delete', 'get', 'list', 'watch'] },
    ]);
    expect(findObject(manifests, 'ClusterRoleBinding', 'restore-drill-namespaces').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'restore-drill', namespace: 'alp-data' },
    ]);
    const pod = findObject(manifests, 'CronJob', 'restore-drill').spec.jobTemplate.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('passes the drill its settings', () => {
    const env = (manifests: any[]) =>
      Object.fromEntries(
        findObject(manifests, 'CronJob', 'restore-drill').spec.jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [
          e.name,
          e.value,
        ]),
      );
    expect(env(synth())).toEqual({
      BACKUP_SCHEDULE: 'platform',
      DRILL_NAMESPACES: 'drill-alp-data',
      HOME: '/tmp',
      RESTORE_FILE: '/etc/restore-drill/restore.json',
      RESTORE_TIMEOUT_SECONDS: '7200',
      VELERO_NAMESPACE: 'velero',
    });
  });

  test('the drill script parses, checks the restore and always cleans up', () => {
    const script = drillScript();
    expect(shellSyntaxErrors(script)).toBe('');
    expect(script).toContain('[ "$phase" = "Completed" ] || fail');
    expect(script.indexOf('delete_drill_namespaces\nif [ -n "$restore" ]')).toBeGreaterThan(script.indexOf('# 4. Check it.'));
  });

  test('the drill script passes a completed restore and fails a partial one, cleaning up either way', () => {
    // GIVEN a fake kubectl that logs its calls and answers like Velero would
    const dir = mkdtempSync(join(tmpdir(), 'drill-'));
    writeFileSync(
      join(dir, 'kubectl'),
      [
        '#!/bin/sh',
        `echo "$*" >> ${dir}/calls`,
        'case "$*" in',
        '  "create -f"*) echo restore.velero.io/restore-drill-x1 ;;',
        '  *"{.status.phase}"*) echo "$PHASE" ;;',
        '  *"{.status.errors}"*) echo 0 ;;',
        '  *"{.status.warnings}"*) ;;',
        '  *"{.status.progress.itemsRestored}"*) echo 12 ;;',
        '  *"{.status.progress.totalItems}"*) echo 12 ;;',
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const run = (phase: string) => {
      rmSync(join(dir, 'calls'), { force: true });
      const result = spawnSync('sh', ['-c', drillScript()], {
        encoding: 'utf8',
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          PHASE: phase,
          VELERO_NAMESPACE: 'velero',
          DRILL_NAMESPACES: 'drill-alp-data',
          RESTORE_FILE: '/etc/restore-drill/restore.json',
          RESTORE_TIMEOUT_SECONDS: '60',
          BACKUP_SCHEDULE: 'platform',
        },
      });
      return {
        status: result.status,
        out: result.stdout,
        err: result.stderr,
        calls: readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n'),
      };
    };
    // WHEN the restore completes
    const passed = run('Completed');
    // THEN
    expect(passed.status).toBe(0);
    expect(passed.out).toContain('restore drill of platform: phase=Completed errors=0 warnings=0 items=12/12');
    expect(passed.calls[0]).toBe('delete namespace drill-alp-data --ignore-not-found --wait=true --timeout=20m');
    expect(passed.calls[1]).toBe('create -f /etc/restore-drill/restore.json -o name');
    expect(passed.calls.slice(-2)).toEqual([
      'delete namespace drill-alp-data --ignore-not-found --wait=true --timeout=20m',
      '-n velero delete restore.velero.io/restore-drill-x1 --ignore-not-found --wait=false',
    ]);
    // WHEN it only partly succeeds
    const failed = run('PartiallyFailed');
    // THEN the drill fails and still cleans up
    expect(failed.status).toBe(1);
    expect(failed.err).toContain('restore drill: FAILED: the restore ended in phase PartiallyFailed');
    expect(failed.calls.slice(-1)).toEqual(['-n velero delete restore.velero.io/restore-drill-x1 --ignore-not-found --wait=false']);
    rmSync(dir, { recursive: true });
  });

  test('fails when a namespace is not in the backup', () => {
    expect(errorOf(() => synth({ namespaces: ['alp-blue'] }))).toBe(
      "test/Drill: 'namespaces[0]' (\"alp-blue\") must be backed up by the schedule 'platform' (alp-data, alp-edge)",
    );
  });

  test('fails when the prefix could map onto a real namespace', () => {
    expect(errorOf(() => synth({ drillNamespacePrefix: '' }))).toBe(
      'test/Drill: \'drillNamespacePrefix\' ("") must be lowercase letters, digits and "-", start with a letter and end with "-"; the drill deletes the namespaces it names; a clear prefix keeps them apart from real ones',
    );
  });

  test('fails on a schedule that never runs', () => {
    expect(errorOf(() => synth({ schedule: '0 5 31 2 *' }))).toBe(
      'test/Drill: \'schedule\' ("0 5 31 2 *") must be a five-field cron expression that runs at least once (minute hour day-of-month month day-of-week, UTC); the overdue-drill alert is derived from the schedule',
    );
  });

  test('fails without a way to the API server', () => {
    expect(errorOf(() => synth({ apiServer: [] }))).toBe(
      "test/Drill: 'apiServer' ([]) must list at least one peer; the drill drives Velero through the Kubernetes API",
    );
  });

  test('fails when the namespace access is put in a namespaced chart', () => {
    // GIVEN
    const { data } = build();
    const drill = data.node.findChild('Drill') as RestoreDrill;
    // THEN
    expect(errorOf(() => new RestoreDrillNamespaceAccess(data, 'Access', { drill }))).toBe(
      'test/Access: \'chart namespace\' ("alp-data") must not be set; ClusterRoles are cluster-scoped; add this construct to a chart without a namespace',
    );
  });
});

describe('longestCronGapMinutes |', () => {
  test('finds the longest gap between two runs', () => {
    expect(longestCronGapMinutes('*/15 * * * *')).toBe(15);
    expect(longestCronGapMinutes('15 * * * *')).toBe(60);
    expect(longestCronGapMinutes('0 5 1 * *')).toBe(31 * 1440);
    expect(longestCronGapMinutes('0 5 * * mon')).toBe(7 * 1440);
    expect(longestCronGapMinutes('0 2,14 * * *')).toBe(12 * 60);
    // day-of-month or day-of-week when both are restricted: the 1st, and every Sunday
    expect(longestCronGapMinutes('0 0 1 * 0')).toBe(7 * 1440);
  });

  test('is undefined for a malformed schedule or one that never runs', () => {
    expect(['0 5 1 *', '61 * * * *', '0 5 31 2 *', 'x * * * *'].map(longestCronGapMinutes)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

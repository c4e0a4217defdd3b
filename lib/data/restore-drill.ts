import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LABEL_COMPONENT, PropProblem, selectorLabels, throwIfProblems } from '../core';
import { AllowPolicy } from '../network/allow-policy';
import { NetworkPeer } from '../network/network-peer';
import { ContainerResources } from '../workload/resources';
import { HardenedCronJob } from '../workload/hardened-cron-job';
import { dnsLabelProblems, integerProblems, isDnsLabel } from './_validation';
import { longestCronGapMinutes } from './cron-gap';
import { drillScript, DRILL_ENV, restoreManifest } from './restore-drill-script';
import { IBackupSchedule } from './velero';

/**
 * Kinds a drill never restores: jobs (a restored retention job would purge production data),
 * CloudNativePG objects (PostgreSQL is restored from its own archive, and a restored Cluster
 * would archive into the production bucket) and monitoring objects (duplicate alerts).
 */
export const DEFAULT_DRILL_EXCLUDED_RESOURCES: readonly string[] = [
  'backups.postgresql.cnpg.io',
  'clusters.postgresql.cnpg.io',
  'cronjobs.batch',
  'jobs.batch',
  'podmonitors.monitoring.coreos.com',
  'poolers.postgresql.cnpg.io',
  'prometheusrules.monitoring.coreos.com',
  'scheduledbackups.postgresql.cnpg.io',
  'servicemonitors.monitoring.coreos.com',
];

/** Requests and limits of the drill's container (kubectl and a shell). */
export const DEFAULT_DRILL_RESOURCES: ContainerResources = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '250m', memory: '256Mi' },
};

/** The drill's defaults, shared with the alerts that watch it (`platformHealthRules`). */
export const DEFAULT_DRILL_NAME = 'restore-drill';
/** 05:00 UTC on the 1st of each month. */
export const DEFAULT_DRILL_SCHEDULE = '0 5 1 * *';
export const DEFAULT_DRILL_TIMEOUT_MINUTES = 120;
/** Minutes after its scheduled time within which a drill Job may still start. */
const DRILL_STARTING_DEADLINE_MINUTES = 60;
/** Where the drill's ConfigMap (script and Restore) is mounted. */
const DRILL_CONFIG_DIR = '/etc/restore-drill';
/** Minutes a drill may take beyond the restore's timeout: two namespace deletions of up to 20 minutes each, and a margin. */
const DRILL_CLEANUP_MINUTES = 45;
/** Headroom of the "no successful drill" alert over the schedule's longest gap and a run's deadlines. */
const DRILL_ALERT_HEADROOM_MINUTES = 24 * 60;

/**
 * Minutes after the last successful drill (or the CronJob's creation) after which a drill is
 * overdue: the schedule's longest gap between runs, the starting deadline, the run's deadline
 * (restore timeout plus clean-up) and `DRILL_ALERT_HEADROOM_MINUTES`. Undefined for a
 * malformed schedule.
 */
export function drillOverdueAfterMinutes(schedule: string, restoreTimeoutMinutes: number): number | undefined {
  const gap = longestCronGapMinutes(schedule);
  if (gap === undefined) return undefined;
  return gap + DRILL_STARTING_DEADLINE_MINUTES + restoreTimeoutMinutes + DRILL_CLEANUP_MINUTES + DRILL_ALERT_HEADROOM_MINUTES;
}

export interface RestoreDrillProps {
  /** The Velero Schedule whose newest successful backup is restored. */
  readonly backupSchedule: IBackupSchedule;
  /**
   * Namespaces of the backup to restore, each into `<drillNamespacePrefix><namespace>`.
   * Choose namespaces whose restored copy does no harm next to production.
   */
  readonly namespaces: readonly string[];
  /** Pinned image with `sh` and `kubectl`. */
  readonly image: string;
  /** The Kubernetes API server's addresses, for the drill's NetworkPolicy. */
  readonly apiServer: readonly NetworkPeer[];
  /** Ports of the API server as pods reach it. @default [443, 6443] */
  readonly apiServerPorts?: readonly number[];
  /** Name of the CronJob, ServiceAccount, ConfigMap, NetworkPolicy, Role and RoleBinding. @default DEFAULT_DRILL_NAME ('restore-drill') */
  readonly name?: string;
  /** When the drill runs (five-field cron, UTC). @default DEFAULT_DRILL_SCHEDULE ('0 5 1 * *', 05:00 on the 1st of each month) */
  readonly schedule?: string;
  /** Prefix of the throwaway namespaces; the drill may delete exactly those. @default 'drill-' */
  readonly drillNamespacePrefix?: string;
  /** Resources left out of the restore. @default DEFAULT_DRILL_EXCLUDED_RESOURCES */
  readonly excludedResources?: readonly string[];
  /** Minutes the restore may take before the drill fails. @default DEFAULT_DRILL_TIMEOUT_MINUTES (120) */
  readonly restoreTimeoutMinutes?: number;
  /** Requests and limits of the drill's container. @default DEFAULT_DRILL_RESOURCES */
  readonly resources?: ContainerResources;
  /** PriorityClass of the drill's pods. @default - HardenedCronJob's default, PRIORITY_STANDARD ('standard') */
  readonly priorityClassName?: string;
}

/**
 * A monthly restore drill: a HardenedCronJob (in the chart's namespace) that restores the
 * newest backup of a Velero Schedule into throwaway `drill-*` namespaces through a Velero
 * `Restore`, checks the result, deletes the drill namespaces and the Restore, and reports
 * through its exit status: the Job's own status is the metric (kube-state-metrics'
 * `kube_job_failed`, `kube_job_owner` and `kube_cronjob_status_last_successful_time`, which
 * `platformHealthRules` alerts on), so no extra component is needed. Its NetworkPolicy lets it
 * reach only the API server.
 *
 * RBAC is least privilege: in Velero's namespace a Role for create/get/delete of `restores`
 * only. Deleting the drill namespaces needs a ClusterRole, since namespaces are cluster-scoped:
 * add `RestoreDrillNamespaceAccess` to a chart without a namespace. Velero itself creates the
 * restored objects, so the drill needs no rights in the restored namespaces.
 *
 * @see https://velero.io/docs/main/api-types/restore/
 */
export class RestoreDrill extends Construct {
  public readonly name: string;
  /** Namespace of the CronJob and its ServiceAccount. */
  public readonly namespace: string;
  /** Source namespace -> drill namespace. */
  public readonly namespaceMapping: Readonly<Record<string, string>>;
  /** The drill namespaces, sorted. */
  public readonly drillNamespaces: readonly string[];
  public readonly cronJob: HardenedCronJob;
  /** The five-field cron schedule. */
  public readonly schedule: string;
  /** Minutes without a successful run after which the drill is overdue (see `drillOverdueAfterMinutes`). */
  public readonly overdueAfterMinutes: number;

  constructor(scope: Construct, id: string, props: RestoreDrillProps) {
    super(scope, id);
    this.namespace = Chart.of(this).namespace ?? '';
    this.name = props.name ?? DEFAULT_DRILL_NAME;
    this.schedule = props.schedule ?? DEFAULT_DRILL_SCHEDULE;
    const prefix = props.drillNamespacePrefix ?? 'drill-';
    const sources = [...new Set(props.namespaces ?? [])].sort();
    this.namespaceMapping = Object.fromEntries(sources.map((ns) => [ns, `${prefix}${ns}`]));
    this.drillNamespaces = Object.values(this.namespaceMapping);
    const timeoutMinutes = props.restoreTimeoutMinutes ?? DEFAULT_DRILL_TIMEOUT_MINUTES;
    throwIfProblems(this, drillProblems(props, this, prefix));
    this.overdueAfterMinutes = drillOverdueAfterMinutes(this.schedule, timeoutMinutes)!;

    const labels = { ...selectorLabels({ name: this.name }), [LABEL_COMPONENT]: 'restore-drill' };
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.name, labels },
      data: {
        'drill.sh': drillScript(),
        'restore.json': restoreManifest({
          veleroNamespace: props.backupSchedule.veleroNamespace,
          scheduleName: props.backupSchedule.name,
          namespaceMapping: this.namespaceMapping,
          excludedResources: [...new Set(props.excludedResources ?? DEFAULT_DRILL_EXCLUDED_RESOURCES)].sort(),
          labels,
        }),
      },
    });
    this.cronJob = this.createCronJob(props, timeoutMinutes);
    const policy = new AllowPolicy(this, 'NetworkPolicy', { name: this.name, selector: this.cronJob.selector, labels });
    const apiPorts = (props.apiServerPorts ?? [443, 6443]).map((port) => ({ port }));
    for (const peer of props.apiServer) policy.allowTo(peer, apiPorts);
    this.grantRestores(props.backupSchedule.veleroNamespace, labels);
  }

  private createCronJob(props: RestoreDrillProps, timeoutMinutes: number): HardenedCronJob {
    return new HardenedCronJob(this, 'CronJob', {
      name: this.name,
      schedule: this.schedule,
      image: props.image,
      command: ['/bin/sh', `${DRILL_CONFIG_DIR}/drill.sh`],
      env: {
        [DRILL_ENV.veleroNamespace]: props.backupSchedule.veleroNamespace,
        [DRILL_ENV.drillNamespaces]: this.drillNamespaces.join(' '),
        [DRILL_ENV.restoreFile]: `${DRILL_CONFIG_DIR}/restore.json`,
        [DRILL_ENV.timeoutSeconds]: String(timeoutMinutes * 60),
        [DRILL_ENV.schedule]: props.backupSchedule.name,
        // kubectl caches discovery under $HOME; the root filesystem is read-only.
        HOME: '/tmp',
      },
      configMounts: [{ name: 'drill', configMapName: this.name, mountPath: DRILL_CONFIG_DIR }],
      resources: props.resources ?? DEFAULT_DRILL_RESOURCES,
      automountServiceAccountToken: true,
      // A failed drill is the signal; retrying could hide it.
      backoffLimit: 0,
      // The restore, then up to 20 minutes for each of two namespace deletions, and a margin.
      activeDeadlineSeconds: (timeoutMinutes + DRILL_CLEANUP_MINUTES) * 60,
      startingDeadlineSeconds: DRILL_STARTING_DEADLINE_MINUTES * 60,
      tier: 'restore-drill',
      priorityClassName: props.priorityClassName,
    });
  }

  /** The Restore objects live in Velero's namespace; the subject is this namespace's account. */
  private grantRestores(veleroNamespace: string, labels: Record<string, string>): void {
    const metadata = { name: this.name, namespace: veleroNamespace, labels };
    new k8s.KubeRole(this, 'VeleroRole', {
      metadata,
      rules: [{ apiGroups: ['velero.io'], resources: ['restores'], verbs: ['create', 'delete', 'get'] }],
    });
    new k8s.KubeRoleBinding(this, 'VeleroRoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });
  }
}

export interface RestoreDrillNamespaceAccessProps {
  /** The drill that deletes its namespaces. */
  readonly drill: RestoreDrill;
}

/**
 * The cluster-scoped half of a restore drill's RBAC: a ClusterRole that can get, watch and
 * delete only the drill's namespaces (by name), bound to the drill's ServiceAccount. Belongs
 * in a chart without a namespace, as every cluster-scoped object does.
 */
export class RestoreDrillNamespaceAccess extends Construct {
  public readonly clusterRole: ApiObject;

  constructor(scope: Construct, id: string, props: RestoreDrillNamespaceAccessProps) {
    super(scope, id);
    const chartNamespace = Chart.of(this).namespace;
    if (chartNamespace !== undefined) {
      throwIfProblems(this, [
        {
          prop: 'chart namespace',
          value: chartNamespace,
          rule: 'must not be set',
          fix: 'ClusterRoles are cluster-scoped; add this construct to a chart without a namespace',
        },
      ]);
    }
    const { drill } = props;
    const name = `${drill.name}-namespaces`;
    const labels = { ...selectorLabels({ name: drill.name }), [LABEL_COMPONENT]: 'restore-drill' };
    this.clusterRole = new k8s.KubeClusterRole(this, 'Resource', {
      metadata: { name, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['namespaces'],
          resourceNames: [...drill.drillNamespaces],
          verbs: ['delete', 'get', 'list', 'watch'],
        },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'Binding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: drill.name, namespace: drill.namespace }],
    });
  }
}

/** The namespaces to restore: at least one, each backed up by the schedule. */
function restoredNamespaceProblems(props: RestoreDrillProps): PropProblem[] {
  const problems: PropProblem[] = [];
  const scheduled = props.backupSchedule.namespaces;
  if (!Array.isArray(props.namespaces) || props.namespaces.length === 0) {
    problems.push({ prop: 'namespaces', value: props.namespaces, rule: 'must list at least one namespace of the backup' });
  } else {
    props.namespaces.forEach((ns, i) => {
      if (!scheduled.includes(ns))
        problems.push({
          prop: `namespaces[${i}]`,
          value: ns,
          rule: `must be backed up by the schedule '${props.backupSchedule.name}' (${scheduled.join(', ')})`,
        });
    });
  }
  return problems;
}

/** The prefix of the drill namespaces, and the names it yields: valid, and clear of real namespaces. */
function drillNamespaceProblems(props: RestoreDrillProps, drill: RestoreDrill, prefix: string): PropProblem[] {
  const problems: PropProblem[] = [];
  const scheduled = props.backupSchedule.namespaces;
  if (!/^[a-z][-a-z0-9]*-$/.test(prefix)) {
    problems.push({
      prop: 'drillNamespacePrefix',
      value: prefix,
      rule: 'must be lowercase letters, digits and "-", start with a letter and end with "-"',
      fix: 'the drill deletes the namespaces it names; a clear prefix keeps them apart from real ones',
    });
  } else {
    drill.drillNamespaces.forEach((ns) => {
      if (!isDnsLabel(ns))
        problems.push({
          prop: 'drillNamespacePrefix',
          value: prefix,
          rule: `must leave drill namespace names of at most 63 characters (${ns})`,
        });
      else if (scheduled.includes(ns) || ns === drill.namespace)
        problems.push({
          prop: 'drillNamespacePrefix',
          value: prefix,
          rule: `must not map a namespace onto an existing one (${ns})`,
          fix: 'the drill deletes its namespaces afterwards',
        });
    });
  }
  return problems;
}

function drillProblems(props: RestoreDrillProps, drill: RestoreDrill, prefix: string): PropProblem[] {
  const problems: PropProblem[] = [...dnsLabelProblems('name', drill.name, 40)];
  if (drill.namespace === '') {
    problems.push({
      prop: 'chart namespace',
      value: undefined,
      rule: 'must be set',
      fix: "the drill runs in its chart's namespace, which needs a default-deny NetworkPolicy and PSS restricted",
    });
  }
  problems.push(...restoredNamespaceProblems(props));
  problems.push(...drillNamespaceProblems(props, drill, prefix));
  if (!Array.isArray(props.apiServer) || props.apiServer.length === 0) {
    problems.push({
      prop: 'apiServer',
      value: props.apiServer,
      rule: 'must list at least one peer',
      fix: 'the drill drives Velero through the Kubernetes API',
    });
  }
  (props.apiServerPorts ?? []).forEach((port, i) => problems.push(...integerProblems(`apiServerPorts[${i}]`, port, 1, 65535)));
  problems.push(...integerProblems('restoreTimeoutMinutes', props.restoreTimeoutMinutes, 5, 1440));
  (props.excludedResources ?? []).forEach((resource, i) => {
    if (!/^[a-z0-9]+(\.[a-z0-9-]+)*$/.test(resource))
      problems.push({ prop: `excludedResources[${i}]`, value: resource, rule: 'must be a resource name such as "jobs.batch"' });
  });
  if (longestCronGapMinutes(drill.schedule) === undefined) {
    problems.push({
      prop: 'schedule',
      value: drill.schedule,
      rule: 'must be a five-field cron expression that runs at least once (minute hour day-of-month month day-of-week, UTC)',
      fix: 'the overdue-drill alert is derived from the schedule',
    });
  }
  return problems;
}

import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { PropProblem, selectorLabels, throwIfProblems, unpinnedReason } from '../core';
import { Connections, IConnectable, workloadConnections } from './connections';
import * as pod from './pod-template';
import { PRIORITY_STANDARD } from './priority-classes';
import { ContainerResources, containerResourceProblems } from './resources';
import { DEFAULT_RUN_AS_USER } from './security-context';
import { DNS_1035_LABEL as DNS_LABEL, integerProblem, problemsOf } from '../core/validation';

/** The longest CronJob name: the Job controller appends an 11-character suffix to it. */
export const MAX_CRON_JOB_NAME_LENGTH = 52;

/** The time zone of every HardenedCronJob's schedule. */
export const CRON_TIME_ZONE = 'Etc/UTC';

/** A ConfigMap mounted read-only as files (scripts, templates), one file per key. */
export interface ConfigMapMount {
  /** The volume's name suffix (a DNS label). */
  readonly name: string;
  /** The ConfigMap to mount. */
  readonly configMapName: string;
  /** Absolute directory the files appear in. */
  readonly mountPath: string;
}

export interface HardenedCronJobProps {
  /** Name of the CronJob, its ServiceAccount and its container; a DNS label of at most 52 characters. */
  readonly name: string;
  /**
   * Five-field cron expression (minute hour day-of-month month day-of-week), evaluated in
   * `Etc/UTC`. Macros (`@daily`) and `TZ=` prefixes are refused: the time zone is fixed.
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
   */
  readonly schedule: string;
  /** Pinned image reference: a digest, or a tag other than `latest`. */
  readonly image: string;
  /** CPU and memory requests and limits of the container. */
  readonly resources: ContainerResources;
  /** The container's command. @default - the image's entrypoint */
  readonly command?: string[];
  /** The container's arguments. @default - the image's default arguments */
  readonly args?: string[];
  /** Plain (non-secret) environment variables, written sorted by name. @default - none */
  readonly env?: Record<string, string>;
  /** Secrets mounted read-only under `<secretMountRoot>/<name>/`. @default - none */
  readonly secretMounts?: pod.SecretMount[];
  /**
   * The directory secret files are mounted under: `<secretMountRoot>/<mount name>/<key>`.
   * @default '/var/run/secrets/app'
   */
  readonly secretMountRoot?: string;
  /** Environment variables read from Secrets. @default - none */
  readonly secretEnv?: pod.SecretEnvVar[];
  /** ConfigMaps mounted read-only. @default - none */
  readonly configMounts?: ConfigMapMount[];
  /**
   * Mount a service account token: only for jobs that call the Kubernetes API. Loosens the
   * default; grant the access itself with a Role.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Retries of a failed pod before the Job fails.
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * Seconds a Job may run, retries included, before it is stopped and marked failed.
   * @default 3600
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds after its scheduled time within which a missed run may still start; later runs
   * are skipped. At least 10 (the controller checks every 10 s).
   * @default 600
   */
  readonly startingDeadlineSeconds?: number;
  /** Finished successful Jobs kept. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept, for their logs. @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /**
   * Create the CronJob suspended: it runs only when triggered (`kubectl create job --from`).
   * @default false
   */
  readonly suspend?: boolean;
  /** `app.kubernetes.io/component` label. @default 'job' */
  readonly tier?: string;
  /** Extra labels on every object and pod (never in a selector). @default - none */
  readonly labels?: Record<string, string>;
  /** Namespace of the CronJob and ServiceAccount. @default - the chart's namespace */
  readonly namespace?: string;
  /** PriorityClass of the pods. @default PRIORITY_STANDARD ('standard') */
  readonly priorityClassName?: string;
  /** UID, GID and fsGroup of the pod; at least 10000. @default DEFAULT_RUN_AS_USER (10001) */
  readonly runAsUser?: number;
  /** Size limit of the writable `/tmp` emptyDir (the root filesystem is read-only). @default '64Mi' */
  readonly tmpSizeLimit?: string;
  /** Seconds a pod gets to stop after SIGTERM. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
}

/**
 * A `batch/v1` CronJob hardened to Pod Security Standards "restricted", with its own
 * ServiceAccount (no token unless asked for): `concurrencyPolicy: Forbid` (a run never
 * overlaps the previous one), bounded retries and run time, history limits, `restartPolicy:
 * Never` (each retry is a new pod, with its own logs), schedule in `Etc/UTC`, read-only root
 * filesystem with a `/tmp` emptyDir, required requests and limits and a pinned image.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
 */
export class HardenedCronJob extends Construct implements IConnectable {
  public readonly name: string;
  public readonly schedule: string;
  /** The labels that select this job's pods (name and instance). */
  public readonly selector: Record<string, string>;
  public readonly cronJob: ApiObject;
  public readonly serviceAccount: ApiObject;

  constructor(scope: Construct, id: string, props: HardenedCronJobProps) {
    super(scope, id);
    throwIfProblems(this, cronJobProblems(props, props.runAsUser ?? DEFAULT_RUN_AS_USER));

    this.name = props.name;
    this.schedule = props.schedule;
    this.selector = selectorLabels({ name: props.name });
    const { labels, versionedLabels } = pod.workloadLabels(this.selector, props.tier ?? 'job', props.image, props.labels);

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });
    this.cronJob = new k8s.KubeCronJob(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: versionedLabels },
      spec: {
        schedule: props.schedule,
        timeZone: CRON_TIME_ZONE,
        concurrencyPolicy: 'Forbid',
        suspend: props.suspend ?? false,
        startingDeadlineSeconds: props.startingDeadlineSeconds ?? 600,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
        jobTemplate: {
          metadata: { labels: versionedLabels },
          spec: {
            backoffLimit: props.backoffLimit ?? 2,
            activeDeadlineSeconds: props.activeDeadlineSeconds ?? 3600,
            template: jobPodTemplate(props, versionedLabels),
          },
        },
      },
    });
  }

  private _connections?: Connections;

  /**
   * The job's network and mesh relationships: `job.connections.allowTo(server)` lets its pods
   * reach the server, with egress in the job's NetworkPolicy and, where the app owns the server,
   * its ingress and AuthorizationPolicy admitting the job's service account. A job serves
   * nothing, so it has no ports of its own.
   */
  public get connections(): Connections {
    this._connections ??= workloadConnections(this, this.selector);
    return this._connections;
  }
}

/** The pod of each run: `restartPolicy: Never`, so that each retry is a new pod with its own logs. */
function jobPodTemplate(props: HardenedCronJobProps, labels: Record<string, string>): k8s.PodTemplateSpec {
  return pod.restrictedPodTemplate({
    labels,
    restartPolicy: 'Never',
    serviceAccountName: props.name,
    automountServiceAccountToken: props.automountServiceAccountToken,
    priorityClassName: props.priorityClassName ?? PRIORITY_STANDARD,
    terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
    runAsUser: props.runAsUser,
    container: {
      name: props.name,
      image: props.image,
      command: props.command,
      args: props.args,
      env: pod.containerEnv(props.env, props.secretEnv),
      resources: props.resources,
    },
    volumes: [
      pod.tmpVolume(props.tmpSizeLimit),
      ...pod.sortByName(props.secretMounts ?? []).map((mount) => pod.secretMountVolume(mount, props.secretMountRoot)),
      ...pod.sortByName(props.configMounts ?? []).map((m) => pod.configMapVolume(`config-${m.name}`, m.configMapName, m.mountPath)),
    ],
  });
}

const CRON_FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: readonly string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/**
 * Why `schedule` is not a five-field cron expression, or undefined when it is one. Fields take
 * `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, and lists; month and day-of-week also
 * take three-letter names.
 */
export function cronScheduleReason(schedule: string): string | undefined {
  if (typeof schedule !== 'string') return 'the schedule is not a string';
  const fields = schedule.trim() === '' ? [] : schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `it has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5`;
  for (let i = 0; i < 5; i++) {
    const field = CRON_FIELDS[i];
    for (const item of fields[i].split(',')) {
      const reason = cronItemReason(item, field);
      if (reason) return `the ${field.name} field ${JSON.stringify(fields[i])} ${reason}`;
    }
  }
  return undefined;
}

function cronItemReason(item: string, field: (typeof CRON_FIELDS)[number]): string | undefined {
  const match = /^(\*|([0-9A-Za-z]+)(-([0-9A-Za-z]+))?)(\/(\d+))?$/.exec(item);
  if (!match) return `has an item ${JSON.stringify(item)} that is not *, a value, a range or a step`;
  const value = (text: string) => {
    const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index >= 0) return field.min + index;
    return /^\d+$/.test(text) ? Number(text) : NaN;
  };
  const range = `${field.min}-${field.max}`;
  const from = match[2] === undefined ? field.min : value(match[2]);
  const to = match[4] === undefined ? from : value(match[4]);
  if (Number.isNaN(from) || Number.isNaN(to) || from < field.min || to > field.max || from > to) {
    return `is out of range ${range}`;
  }
  if (match[6] !== undefined && (Number(match[6]) < 1 || (match[2] !== undefined && match[4] === undefined))) {
    return 'has a step that is not 1 or more after * or a range';
  }
  return undefined;
}

function cronJobProblems(props: HardenedCronJobProps, uid: number): PropProblem[] {
  const problems: PropProblem[] = [];
  if (typeof props.name !== 'string' || !DNS_LABEL.test(props.name) || props.name.length > MAX_CRON_JOB_NAME_LENGTH) {
    problems.push({
      prop: 'name',
      value: props.name,
      rule: `must be a DNS label of at most ${MAX_CRON_JOB_NAME_LENGTH} characters (lowercase letters, digits, "-")`,
      fix: 'the Job controller appends an 11-character suffix to a CronJob name, and a Job name has at most 63',
    });
  }
  const cron = cronScheduleReason(props.schedule);
  if (cron) {
    problems.push({
      prop: 'schedule',
      value: props.schedule,
      rule: 'must be a five-field cron expression (minute hour day-of-month month day-of-week) such as "30 2 * * *"',
      fix: cron,
    });
  }
  const unpinned = unpinnedReason(props.image);
  if (unpinned)
    problems.push({ prop: 'image', value: props.image, rule: unpinned, fix: 'pin the image so that every run executes the same code' });
  problems.push(...containerResourceProblems(props.resources));
  const integers: ReadonlyArray<[keyof HardenedCronJobProps, number]> = [
    ['backoffLimit', 0],
    ['activeDeadlineSeconds', 1],
    ['startingDeadlineSeconds', 10],
    ['successfulJobsHistoryLimit', 0],
    ['failedJobsHistoryLimit', 1],
    ['terminationGracePeriodSeconds', 0],
  ];
  for (const [prop, min] of integers) {
    if (props[prop] !== undefined) problems.push(...problemsOf(integerProblem(prop, props[prop], min)));
  }
  problems.push(
    ...pod.runAsUserProblems(uid),
    ...pod.secretEnvProblems(props.env, props.secretEnv),
    ...pod.secretMountRootProblems(props.secretMountRoot),
  );
  problems.push(...mountProblems(props));
  return problems;
}

/** The secret and config mounts' problems: DNS-label names, config mounts outside /tmp and the secrets' root. */
function mountProblems(props: HardenedCronJobProps): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const prop of ['secretMounts', 'configMounts'] as const) {
    (props[prop] ?? []).forEach((mount, i) => {
      if (!DNS_LABEL.test(mount.name) || mount.name.length > 55) {
        problems.push({ prop: `${prop}[${i}].name`, value: mount.name, rule: 'must be a DNS label of at most 55 characters' });
      }
    });
  }
  const secretRoot = props.secretMountRoot ?? pod.DEFAULT_SECRET_MOUNT_ROOT;
  (props.configMounts ?? []).forEach((mount, i) => {
    if (!/^\/[^\0]*$/.test(mount.mountPath) || mount.mountPath === '/tmp' || mount.mountPath.startsWith(secretRoot)) {
      problems.push({
        prop: `configMounts[${i}].mountPath`,
        value: mount.mountPath,
        rule: `must be an absolute path other than /tmp and outside ${secretRoot}`,
      });
    }
  });
  return problems;
}

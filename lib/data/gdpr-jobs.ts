import { Construct } from 'constructs';
import { pascalCase, PropProblem, throwIfProblems, unpinnedReason } from '../core';
import { LABEL_DATA_CLASS, LABEL_OWNING_SERVICE } from '../core/labels';
import { AllowPolicy } from '../network/allow-policy';
import { NetworkPeer, NetworkPort } from '../network/network-peer';
import { SecretEnvVar, SecretMount } from '../workload/hardened-service';
import { ContainerResources } from '../workload/resources';
import { HardenedCronJob } from '../workload/hardened-cron-job';
import { dnsLabelProblems, integerProblems } from './_validation';

/** Requests and limits of a GDPR job that sets none. */
export const DEFAULT_GDPR_JOB_RESOURCES: ContainerResources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/** Where a GDPR job may connect to (its pods are otherwise denied by the namespace's default-deny). */
export interface JobEgress {
  readonly peer: NetworkPeer;
  readonly ports: NetworkPort[];
}

/** What a GDPR job runs: an image and command, with the owning service's configuration. */
export interface GdprJobContainer {
  /** Pinned image; for a data class, the owning service's image. */
  readonly image: string;
  /** The command, e.g. `["/app/bin/purge", "--older-than-days", "365"]`. */
  readonly command: string[];
  /** Plain environment variables. @default - none */
  readonly env?: Record<string, string>;
  /** Secrets mounted as files (e.g. the database credentials). @default - none */
  readonly secretMounts?: SecretMount[];
  /** Environment variables from Secrets. @default - none */
  readonly secretEnv?: SecretEnvVar[];
  /** Requests and limits. @default DEFAULT_GDPR_JOB_RESOURCES */
  readonly resources?: ContainerResources;
  /**
   * Where the job connects to, e.g. the PostgreSQL pooler: its NetworkPolicy allows exactly
   * these (the namespace denies everything else). At least one: a GDPR job reaches its data.
   */
  readonly egress: JobEgress[];
}

/** A class of personal data, its retention period and how its owning service purges it. */
export interface DataClass extends GdprJobContainer {
  /** Name of the class, e.g. `learner-activity`; the job is `retention-<name>`. */
  readonly name: string;
  /** Days records of this class are kept; the purge deletes older ones. */
  readonly retentionDays: number;
  /** The service that owns the data (and whose image and command purge it). */
  readonly owningService: string;
}

/** The job that carries out queued data-subject erasure requests. */
export interface ErasureJobOptions extends GdprJobContainer {
  /** When it runs (five-field cron, UTC). @default '15 * * * *' (hourly) */
  readonly schedule?: string;
}

export interface GdprJobsProps {
  /** The directory the jobs' secret files are mounted under. @default '/var/run/secrets/app' */
  readonly secretMountRoot?: string;
  /** The data classes, each with a daily retention job. */
  readonly dataClasses: readonly DataClass[];
  /** The erasure-request job. */
  readonly erasure: ErasureJobOptions;
  /**
   * Hour (UTC) of the first retention job; classes (sorted by name) start 10 minutes apart.
   * @default 2
   */
  readonly retentionHourUtc?: number;
  /**
   * Create every job suspended: for a region or cluster whose database is a read-only replica;
   * resume after promotion.
   * @default false
   */
  readonly suspend?: boolean;
  /**
   * The variables through which a retention job tells the purge command its data class and
   * retention period.
   * @default DEFAULT_RETENTION_JOB_ENV (`DATA_CLASS`, `RETENTION_DAYS`)
   */
  readonly retentionEnv?: RetentionJobEnvNames;
  /** PriorityClass of the jobs' pods. @default - HardenedCronJob's default, PRIORITY_STANDARD ('standard') */
  readonly priorityClassName?: string;
}

/** Names of the environment variables a retention job sets for the purge command. */
export interface RetentionJobEnvNames {
  /** Holds the data class's name. */
  readonly dataClass: string;
  /** Holds the class's retention period in days. */
  readonly retentionDays: string;
}

export const DEFAULT_RETENTION_JOB_ENV: RetentionJobEnvNames = { dataClass: 'DATA_CLASS', retentionDays: 'RETENTION_DAYS' };

/**
 * The GDPR jobs: per data class a daily retention HardenedCronJob, `retention-<class>`, that
 * runs the owning service's purge command with the `retentionEnv` variables set (the class and its days);
 * and `gdpr-erasure`, an hourly HardenedCronJob that carries out the data-subject erasure
 * requests queued by the services (a queue, not a job created per request: `kubectl create
 * job --from` cannot pass a subject, and a queue keeps every request and its completion on
 * record). Each job gets a NetworkPolicy of its own name that allows exactly its `egress`.
 */
export class GdprJobs extends Construct {
  public readonly retentionJobs: HardenedCronJob[];
  public readonly erasureJob: HardenedCronJob;
  private readonly priorityClassName?: string;
  private readonly secretMountRoot?: string;

  constructor(scope: Construct, id: string, props: GdprJobsProps) {
    super(scope, id);
    const hour = props.retentionHourUtc ?? 2;
    const retentionEnv = props.retentionEnv ?? DEFAULT_RETENTION_JOB_ENV;
    throwIfProblems(this, gdprProblems(props, hour, retentionEnv));
    this.priorityClassName = props.priorityClassName;
    this.secretMountRoot = props.secretMountRoot;
    const classes = [...props.dataClasses].sort((a, b) => (a.name < b.name ? -1 : 1));

    this.retentionJobs = classes.map((dataClass, i) => {
      const minutes = hour * 60 + i * 10;
      return this.job(`Retention${pascalCase(dataClass.name)}`, dataClass, {
        name: `retention-${dataClass.name}`,
        schedule: `${minutes % 60} ${Math.floor(minutes / 60) % 24} * * *`,
        labels: { [LABEL_DATA_CLASS]: dataClass.name, [LABEL_OWNING_SERVICE]: dataClass.owningService },
        env: { [retentionEnv.dataClass]: dataClass.name, [retentionEnv.retentionDays]: String(dataClass.retentionDays) },
        // A purge of a large table may take hours; it still ends well before the next day's run.
        activeDeadlineSeconds: 3 * 3600,
        suspend: props.suspend,
      });
    });
    this.erasureJob = this.job('Erasure', props.erasure, {
      name: 'gdpr-erasure',
      schedule: props.erasure.schedule ?? '15 * * * *',
      // Requests left over by a stopped run are picked up by the next one.
      activeDeadlineSeconds: 45 * 60,
      suspend: props.suspend,
    });
  }

  private job(id: string, container: GdprJobContainer, options: GdprJobOptions): HardenedCronJob {
    const scope = new Construct(this, id);
    const job = new HardenedCronJob(scope, 'CronJob', {
      name: options.name,
      schedule: options.schedule,
      image: container.image,
      command: container.command,
      env: { ...container.env, ...options.env },
      secretMounts: container.secretMounts,
      secretMountRoot: this.secretMountRoot,
      secretEnv: container.secretEnv,
      resources: container.resources ?? DEFAULT_GDPR_JOB_RESOURCES,
      suspend: options.suspend,
      tier: 'gdpr',
      labels: options.labels,
      activeDeadlineSeconds: options.activeDeadlineSeconds,
      startingDeadlineSeconds: 3600,
      priorityClassName: this.priorityClassName,
    });
    const policy = new AllowPolicy(scope, 'NetworkPolicy', { name: options.name, selector: job.selector });
    for (const rule of container.egress) policy.allowTo(rule.peer, rule.ports);
    return job;
  }
}

interface GdprJobOptions {
  readonly name: string;
  readonly schedule: string;
  readonly activeDeadlineSeconds: number;
  readonly suspend?: boolean;
  readonly labels?: Record<string, string>;
  readonly env?: Record<string, string>;
}

function gdprProblems(props: GdprJobsProps, hour: number, retentionEnv: RetentionJobEnvNames): PropProblem[] {
  const problems: PropProblem[] = [...integerProblems('retentionHourUtc', hour, 0, 23), ...retentionEnvProblems(retentionEnv)];
  if (!Array.isArray(props.dataClasses) || props.dataClasses.length === 0) {
    problems.push({
      prop: 'dataClasses',
      value: props.dataClasses,
      rule: 'must list at least one data class',
      fix: 'every class of personal data needs a retention period',
    });
    return problems;
  }
  const seen = new Set<string>();
  props.dataClasses.forEach((dataClass, i) => {
    problems.push(
      ...dnsLabelProblems(`dataClasses[${i}].name`, dataClass.name, 42, 'the job is named retention-<name>, at most 52 characters'),
    );
    if (seen.has(dataClass.name)) problems.push({ prop: `dataClasses[${i}].name`, value: dataClass.name, rule: 'must be unique' });
    seen.add(dataClass.name);
    problems.push(...integerProblems(`dataClasses[${i}].retentionDays`, dataClass.retentionDays, 1));
    problems.push(...dnsLabelProblems(`dataClasses[${i}].owningService`, dataClass.owningService));
    problems.push(...imageProblems(`dataClasses[${i}].image`, dataClass.image));
    if (!Array.isArray(dataClass.command) || dataClass.command.length === 0) {
      problems.push({
        prop: `dataClasses[${i}].command`,
        value: dataClass.command,
        rule: 'must not be empty',
        fix: "give the owning service's purge command",
      });
    }
    problems.push(...egressProblems(`dataClasses[${i}].egress`, dataClass.egress));
    for (const reserved of [retentionEnv.dataClass, retentionEnv.retentionDays]) {
      if (dataClass.env && reserved in dataClass.env)
        problems.push({ prop: `dataClasses[${i}].env`, value: reserved, rule: 'must not set a variable the retention job sets itself' });
    }
  });
  problems.push(...imageProblems('erasure.image', props.erasure?.image), ...egressProblems('erasure.egress', props.erasure?.egress));
  if (!Array.isArray(props.erasure?.command) || props.erasure.command.length === 0) {
    problems.push({
      prop: 'erasure.command',
      value: props.erasure?.command,
      rule: 'must not be empty',
      fix: 'give the command that carries out the queued erasure requests',
    });
  }
  return problems;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function retentionEnvProblems(names: RetentionJobEnvNames): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const key of ['dataClass', 'retentionDays'] as const) {
    if (typeof names[key] !== 'string' || !ENV_NAME.test(names[key]))
      problems.push({
        prop: `retentionEnv.${key}`,
        value: names[key],
        rule: 'must be an environment variable name (letters, digits, "_", not starting with a digit)',
      });
  }
  if (problems.length === 0 && names.dataClass === names.retentionDays)
    problems.push({ prop: 'retentionEnv.retentionDays', value: names.retentionDays, rule: "must differ from 'retentionEnv.dataClass'" });
  return problems;
}

function imageProblems(prop: string, image: string | undefined): PropProblem[] {
  const unpinned = unpinnedReason(image ?? '');
  return unpinned ? [{ prop, value: image, rule: unpinned, fix: 'pin the image so that every run executes the same code' }] : [];
}

function egressProblems(prop: string, egress: readonly JobEgress[] | undefined): PropProblem[] {
  if (Array.isArray(egress) && egress.length > 0) return [];
  return [
    {
      prop,
      value: egress,
      rule: 'must list at least one destination',
      fix: 'the job must reach the data it purges or erases, e.g. the PostgreSQL pooler',
    },
  ];
}

import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Schedule } from '../../imports/schedule-velero.io';
import { LABEL_COMPONENT, PropProblem, selectorLabels, throwIfProblems } from '../core';
import { LABEL_BACKUP_SCHEDULE } from '../core/labels';
import { dnsLabelProblems, integerProblems, subdomainProblems } from './_validation';
import { BackupIntervalOptions, backupIntervalProblems, cronForInterval, resolveInterval } from './backup-interval';

/** The namespace Velero runs in, and where its Schedules and Restores live. */
export const DEFAULT_VELERO_NAMESPACE = 'velero';

/** A Velero Schedule as other constructs (the restore drill) see it. */
export interface IBackupSchedule {
  /** Name of the Schedule. */
  readonly name: string;
  /** The namespaces it backs up, sorted. */
  readonly namespaces: readonly string[];
  /** Namespace of the Schedule (Velero's). */
  readonly veleroNamespace: string;
}

export interface BackupScheduleProps extends BackupIntervalOptions {
  /** Name of the Schedule; its backups are named `<name>-<timestamp>`. */
  readonly name: string;
  /** Namespaces to back up (deduplicated and sorted). */
  readonly namespaces: readonly string[];
  /** Hours a backup is kept before Velero deletes it; at least one interval, at most the GDPR retention. */
  readonly ttlHours: number;
  /** The longest personal data may be kept, in days: a backup kept longer is an error. */
  readonly gdprRetentionDays: number;
  /** Namespace Velero runs in. @default DEFAULT_VELERO_NAMESPACE ('velero') */
  readonly veleroNamespace?: string;
  /** BackupStorageLocation to write to. @default - Velero's default location */
  readonly storageLocation?: string;
  /**
   * Back up volume contents with the node agent (file system backup), which works on any
   * storage; false relies on CSI snapshots instead.
   * @default true
   */
  readonly defaultVolumesToFsBackup?: boolean;
  /**
   * Resources left out (`<resource>.<group>`), e.g. `clusters.postgresql.cnpg.io`, whose data
   * another tool backs up consistently.
   * @default - none
   */
  readonly excludedResources?: readonly string[];
  /** Labels of the Schedule. @default - none */
  readonly labels?: Record<string, string>;
}

/**
 * A Velero `Schedule` of the given namespaces whose interval meets the RPO and whose backups
 * expire (TTL) within the GDPR retention period. Backups survive the Schedule's deletion
 * (`useOwnerReferencesInBackup: false`), so a pruned Schedule loses no backup.
 *
 * @see https://velero.io/docs/main/api-types/schedule/
 */
export class BackupSchedule extends Construct implements IBackupSchedule {
  public readonly name: string;
  public readonly namespaces: readonly string[];
  public readonly veleroNamespace: string;
  public readonly rpoMinutes: number;
  /** Minutes between two backups. */
  public readonly intervalMinutes: number;
  public readonly ttlHours: number;
  /** The five-field cron expression. */
  public readonly cron: string;
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: BackupScheduleProps) {
    super(scope, id);
    this.veleroNamespace = props.veleroNamespace ?? DEFAULT_VELERO_NAMESPACE;
    throwIfProblems(this, scheduleProblems(props, this.veleroNamespace));
    this.name = props.name;
    this.namespaces = [...new Set(props.namespaces)].sort();
    this.rpoMinutes = props.rpoMinutes;
    this.intervalMinutes = resolveInterval(props)!;
    this.ttlHours = props.ttlHours;
    this.cron = cronForInterval(this.intervalMinutes, props.minuteOffset ?? 0);
    const excluded = props.excludedResources ? [...new Set(props.excludedResources)].sort() : undefined;

    this.resource = new Schedule(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: this.veleroNamespace,
        labels: { ...props.labels, ...selectorLabels({ name: props.name }), [LABEL_COMPONENT]: 'backup' },
      },
      spec: {
        schedule: this.cron,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [...this.namespaces],
          excludedResources: excluded,
          ttl: `${props.ttlHours}h0m0s`,
          storageLocation: props.storageLocation,
          defaultVolumesToFsBackup: props.defaultVolumesToFsBackup ?? true,
          metadata: { labels: { [LABEL_BACKUP_SCHEDULE]: props.name } },
        },
      },
    });
  }
}

function scheduleProblems(props: BackupScheduleProps, veleroNamespace: string): PropProblem[] {
  const problems: PropProblem[] = [
    ...dnsLabelProblems('name', props.name, 50, 'Velero names each backup <name>-<14-digit timestamp>'),
    ...dnsLabelProblems('veleroNamespace', veleroNamespace),
    ...backupIntervalProblems(props),
  ];
  if (!Array.isArray(props.namespaces) || props.namespaces.length === 0) {
    problems.push({
      prop: 'namespaces',
      value: props.namespaces,
      rule: 'must list at least one namespace',
      fix: 'an empty list would back up every namespace',
    });
  } else {
    props.namespaces.forEach((ns, i) => problems.push(...dnsLabelProblems(`namespaces[${i}]`, ns)));
  }
  (props.excludedResources ?? []).forEach((resource, i) => {
    if (!/^[a-z0-9]+(\.[a-z0-9-]+)*$/.test(resource))
      problems.push({
        prop: `excludedResources[${i}]`,
        value: resource,
        rule: 'must be a resource name such as "clusters.postgresql.cnpg.io"',
      });
  });
  if (props.storageLocation !== undefined) problems.push(...subdomainProblems('storageLocation', props.storageLocation));
  const gdpr = integerProblems('gdprRetentionDays', props.gdprRetentionDays, 1);
  problems.push(...gdpr);
  const ttl = integerProblems('ttlHours', props.ttlHours, 1);
  problems.push(...ttl);
  if (ttl.length === 0 && gdpr.length === 0 && props.ttlHours > props.gdprRetentionDays * 24) {
    problems.push({
      prop: 'ttlHours',
      value: props.ttlHours,
      rule: `must not exceed the GDPR retention period ('gdprRetentionDays' ${props.gdprRetentionDays}, ${props.gdprRetentionDays * 24} hours)`,
      fix: 'a backup kept longer than the retention allows holds personal data that should have been erased; lower ttlHours',
    });
  }
  const interval = resolveInterval(props);
  if (ttl.length === 0 && interval !== undefined && props.ttlHours * 60 < interval) {
    problems.push({
      prop: 'ttlHours',
      value: props.ttlHours,
      rule: `must be at least the backup interval (${interval} minutes)`,
      fix: 'otherwise a backup expires before the next one exists',
    });
  }
  return problems;
}

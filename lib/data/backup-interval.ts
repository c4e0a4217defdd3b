import { PropProblem } from '../core';

/**
 * Backup intervals a cron schedule can keep exactly: those that divide an hour or a day, so
 * that every gap between two runs is the same (a "45 minutes" cron would leave a 15-minute gap
 * and a 45-minute one). Sorted ascending; the shortest is the floor of scheduled backups.
 */
export const BACKUP_INTERVALS_MINUTES: readonly number[] = [15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440];

/** The shortest scheduled-backup interval: a backup every few minutes would never finish in time. */
export const MIN_BACKUP_INTERVAL_MINUTES = BACKUP_INTERVALS_MINUTES[0];

/** The longest interval of `BACKUP_INTERVALS_MINUTES` that does not exceed `rpoMinutes`, if any. */
export function intervalForRpo(rpoMinutes: number): number | undefined {
  return [...BACKUP_INTERVALS_MINUTES].reverse().find((interval) => interval <= rpoMinutes);
}

/**
 * A five-field cron expression that runs every `intervalMinutes` (one of
 * `BACKUP_INTERVALS_MINUTES`), `minuteOffset` minutes past the start of each period.
 */
export function cronForInterval(intervalMinutes: number, minuteOffset = 0): string {
  if (intervalMinutes < 60) return minuteOffset === 0 ? `*/${intervalMinutes} * * * *` : `${minuteOffset}-59/${intervalMinutes} * * * *`;
  const hours = intervalMinutes / 60;
  if (hours === 1) return `${minuteOffset} * * * *`;
  if (hours === 24) return `${minuteOffset} 0 * * *`;
  return `${minuteOffset} */${hours} * * *`;
}

/** The options every backup schedule shares. */
export interface BackupIntervalOptions {
  /** Recovery point objective: the most data, in minutes, that a restore may lose. */
  readonly rpoMinutes: number;
  /**
   * Minutes between two backups; one of `BACKUP_INTERVALS_MINUTES` and never above the RPO.
   * @default - the longest of `BACKUP_INTERVALS_MINUTES` that does not exceed `rpoMinutes`
   */
  readonly intervalMinutes?: number;
  /**
   * Minutes past the start of each interval at which the backup runs (to stagger schedules);
   * below the interval when it is shorter than an hour.
   * @default 0
   */
  readonly minuteOffset?: number;
}

/** The interval the options resolve to (undefined when the problems make it unknowable). */
export function resolveInterval(options: BackupIntervalOptions): number | undefined {
  return options.intervalMinutes ?? intervalForRpo(options.rpoMinutes);
}

/** Every way the interval options break the RPO or cannot be kept by a cron schedule. */
export function backupIntervalProblems(options: BackupIntervalOptions): PropProblem[] {
  const problems: PropProblem[] = [];
  const { rpoMinutes, intervalMinutes } = options;
  const offset = options.minuteOffset ?? 0;
  if (!Number.isInteger(rpoMinutes) || rpoMinutes < MIN_BACKUP_INTERVAL_MINUTES) {
    problems.push({
      prop: 'rpoMinutes',
      value: rpoMinutes,
      rule: `must be an integer of at least ${MIN_BACKUP_INTERVAL_MINUTES}`,
      fix: `scheduled backups run at most every ${MIN_BACKUP_INTERVAL_MINUTES} minutes; a tighter RPO needs continuous replication`,
    });
    return problems;
  }
  if (intervalMinutes !== undefined) {
    if (!BACKUP_INTERVALS_MINUTES.includes(intervalMinutes)) {
      problems.push({
        prop: 'intervalMinutes',
        value: intervalMinutes,
        rule: `must be one of ${BACKUP_INTERVALS_MINUTES.join(', ')}`,
        fix: 'other intervals do not divide an hour or a day, so a cron schedule would leave uneven gaps',
      });
    } else if (intervalMinutes > rpoMinutes) {
      problems.push({
        prop: 'intervalMinutes',
        value: intervalMinutes,
        rule: `must not exceed 'rpoMinutes' (${rpoMinutes})`,
        fix: `a failure just before the next backup would lose up to ${intervalMinutes} minutes of data; back up every ${intervalForRpo(rpoMinutes)} minutes or less`,
      });
    }
  }
  const interval = resolveInterval(options) ?? 60;
  const maxOffset = Math.min(interval, 60) - 1;
  if (!Number.isInteger(offset) || offset < 0 || offset > maxOffset) {
    problems.push({
      prop: 'minuteOffset',
      value: offset,
      rule: `must be an integer from 0 to ${maxOffset}`,
      fix: 'a larger offset would make the first gap of each hour longer than the interval',
    });
  }
  return problems;
}

/**
 * The age, in minutes, at which the newest successful backup of a schedule that runs every
 * `intervalMinutes` is late: the interval plus a headroom of a quarter of the interval, but at
 * least 30 minutes, so that a backup that runs slower than usual (a busy object store, a large
 * file-system backup) does not page, while a missed run still does.
 */
export function backupAgeLimitMinutes(intervalMinutes: number): number {
  return intervalMinutes + Math.max(Math.ceil(intervalMinutes * 0.25), 30);
}

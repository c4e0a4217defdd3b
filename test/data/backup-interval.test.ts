import { backupIntervalProblems, cronForInterval, intervalForRpo } from '../../lib/data/backup-interval';

describe('backup interval |', () => {
  test('derives the longest even interval that does not exceed the RPO', () => {
    expect([15, 29, 45, 60, 90, 240, 300, 1440, 10080].map(intervalForRpo)).toEqual([15, 20, 30, 60, 60, 240, 240, 1440, 1440]);
    expect(intervalForRpo(10)).toBeUndefined();
  });

  test('writes cron expressions with a constant period', () => {
    expect(cronForInterval(15)).toBe('*/15 * * * *');
    expect(cronForInterval(20, 5)).toBe('5-59/20 * * * *');
    expect(cronForInterval(60, 7)).toBe('7 * * * *');
    expect(cronForInterval(240, 30)).toBe('30 */4 * * *');
    expect(cronForInterval(1440, 10)).toBe('10 0 * * *');
  });

  test('fails when the interval exceeds the RPO', () => {
    expect(backupIntervalProblems({ rpoMinutes: 30, intervalMinutes: 60 })).toEqual([
      {
        prop: 'intervalMinutes',
        value: 60,
        rule: "must not exceed 'rpoMinutes' (30)",
        fix: 'a failure just before the next backup would lose up to 60 minutes of data; back up every 30 minutes or less',
      },
    ]);
  });

  test('fails when the RPO is shorter than any scheduled backup can meet', () => {
    expect(backupIntervalProblems({ rpoMinutes: 10 })).toEqual([
      {
        prop: 'rpoMinutes',
        value: 10,
        rule: 'must be an integer of at least 15',
        fix: 'scheduled backups run at most every 15 minutes; a tighter RPO needs continuous replication',
      },
    ]);
  });

  test('fails when the interval is uneven or the offset too large', () => {
    const rules = (options: Parameters<typeof backupIntervalProblems>[0]) =>
      backupIntervalProblems(options).map((p) => `${p.prop}: ${p.rule}`);
    expect(rules({ rpoMinutes: 60, intervalMinutes: 45 })).toEqual([
      'intervalMinutes: must be one of 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440',
    ]);
    expect(rules({ rpoMinutes: 30, minuteOffset: 30 })).toEqual(['minuteOffset: must be an integer from 0 to 29']);
    expect(rules({ rpoMinutes: 120, minuteOffset: 59 })).toEqual([]);
  });
});

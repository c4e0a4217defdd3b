import { Testing } from 'cdk8s';
import { BackupSchedule, BackupScheduleProps } from '../../lib/data/velero';
import { errorOf, findObject } from '../helpers/manifests';
import { schemaProblems } from './_helpers';

const BASE: BackupScheduleProps = {
  name: 'platform',
  namespaces: ['alp-edge', 'alp-data', 'alp-blue', 'alp-green'],
  rpoMinutes: 60,
  ttlHours: 720,
  gdprRetentionDays: 30,
};

function synth(props: Partial<BackupScheduleProps> = {}): any[] {
  const chart = Testing.chart();
  new BackupSchedule(chart, 'Backups', { ...BASE, ...props });
  return Testing.synth(chart);
}

describe('BackupSchedule |', () => {
  test('backs up the namespaces hourly for an RPO of 60 minutes, kept for the TTL', () => {
    // WHEN
    const schedule = findObject(synth(), 'Schedule', 'platform');
    // THEN
    expect(schedule.metadata.namespace).toBe('velero');
    expect(schedule.spec).toEqual({
      schedule: '0 * * * *',
      useOwnerReferencesInBackup: false,
      template: {
        includedNamespaces: ['alp-blue', 'alp-data', 'alp-edge', 'alp-green'],
        ttl: '720h0m0s',
        defaultVolumesToFsBackup: true,
        metadata: { labels: { 'alp-deploy.io/backup-schedule': 'platform' } },
      },
    });
  });

  test('validates against its schema', () => {
    expect(schemaProblems(synth({ excludedResources: ['clusters.postgresql.cnpg.io'], storageLocation: 'primary' }))).toEqual([]);
  });

  test('derives a tighter schedule from a tighter RPO, staggered by the offset', () => {
    expect(findObject(synth({ rpoMinutes: 30, minuteOffset: 7 }), 'Schedule', 'platform').spec.schedule).toBe('7-59/30 * * * *');
    expect(findObject(synth({ rpoMinutes: 240 }), 'Schedule', 'platform').spec.schedule).toBe('0 */4 * * *');
  });

  test('fails when the interval exceeds the RPO', () => {
    expect(errorOf(() => synth({ rpoMinutes: 30, intervalMinutes: 60 }))).toBe(
      "test/Backups: 'intervalMinutes' (60) must not exceed 'rpoMinutes' (30); a failure just before the next backup would lose up to 60 minutes of data; back up every 30 minutes or less",
    );
  });

  test('fails when the RPO is tightened beyond what scheduled backups can meet', () => {
    expect(errorOf(() => synth({ rpoMinutes: 5 }))).toBe(
      "test/Backups: 'rpoMinutes' (5) must be an integer of at least 15; scheduled backups run at most every 15 minutes; a tighter RPO needs continuous replication",
    );
  });

  test('fails when a backup would be kept longer than the GDPR retention period', () => {
    expect(errorOf(() => synth({ ttlHours: 721 }))).toBe(
      "test/Backups: 'ttlHours' (721) must not exceed the GDPR retention period ('gdprRetentionDays' 30, 720 hours); a backup kept longer than the retention allows holds personal data that should have been erased; lower ttlHours",
    );
  });

  test('fails when a backup expires before the next one exists', () => {
    expect(errorOf(() => synth({ rpoMinutes: 1440, ttlHours: 12 }))).toBe(
      "test/Backups: 'ttlHours' (12) must be at least the backup interval (1440 minutes); otherwise a backup expires before the next one exists",
    );
  });

  test('fails when no namespace is listed', () => {
    expect(errorOf(() => synth({ namespaces: [] }))).toBe(
      "test/Backups: 'namespaces' ([]) must list at least one namespace; an empty list would back up every namespace",
    );
  });
});

/**
 * `reports/dr.md`: the disaster-recovery posture of each data store against the RPO and RTO,
 * with its restore path, its failover runbook and every gap called out. Pure and
 * deterministic: the same input renders the same bytes.
 */

/** The recovery objectives. */
export interface DrObjectives {
  /** Recovery point objective: the most data, in minutes, a disaster may lose. */
  readonly rpoMinutes: number;
  /** Recovery time objective: the longest, in minutes, the platform may be down. */
  readonly rtoMinutes: number;
}

/** One data store's protection, as built from the spec and the constructs. */
export interface DataStoreDrSummary {
  /** Short name, e.g. `postgres`. */
  readonly name: string;
  /** What it is, e.g. `PostgreSQL (CloudNativePG)`. */
  readonly engine: string;
  /** Minutes between scheduled backups. @default - no scheduled backup */
  readonly backupIntervalMinutes?: number;
  /**
   * Continuous archiving: the most minutes of changes not yet archived (`archive_timeout`).
   * @default - no continuous archiving
   */
  readonly continuousArchiveMinutes?: number;
  /** Replication within the primary region, e.g. `synchronous, 3 instances over zones`. */
  readonly replication: string;
  /** How the DR region holds a copy. @default - no copy in the DR region (a gap) */
  readonly drCopy?: string;
  /** How the data is brought back after a disaster. */
  readonly restorePath: string;
  /** Estimated minutes until the store serves again by that path. @default - unknown (a gap) */
  readonly restoreEstimateMinutes?: number;
  /** How restores are tested. @default - never tested (a gap) */
  readonly restoreTest?: string;
  /** Failover runbook, one step per entry (Markdown). */
  readonly failover: readonly string[];
}

export interface DrReportInput {
  /** Heading of the report. @default 'Disaster recovery posture' */
  readonly title?: string;
  readonly objectives: DrObjectives;
  /** Name of the primary region. */
  readonly primaryRegion: string;
  /** Name of the DR region. */
  readonly drRegion: string;
  /** The data stores, reported in the order given. */
  readonly dataStores: readonly DataStoreDrSummary[];
  /** Steps that move traffic to the DR region, after the stores fail over. */
  readonly trafficFailover: readonly string[];
}

/** The most data a store can lose: its shortest recovery point, or undefined without any. */
export function worstCaseLossMinutes(store: DataStoreDrSummary): number | undefined {
  const points = [store.backupIntervalMinutes, store.continuousArchiveMinutes].filter((m): m is number => m !== undefined);
  return points.length === 0 ? undefined : Math.min(...points);
}

/** Every way a store falls short of the objectives, as sentences. */
export function drGaps(store: DataStoreDrSummary, objectives: DrObjectives): string[] {
  const gaps: string[] = [];
  const { rpoMinutes, rtoMinutes } = objectives;
  if (store.backupIntervalMinutes === undefined && store.continuousArchiveMinutes === undefined) {
    gaps.push('No backup: neither scheduled backups nor continuous archiving.');
  }
  if (store.backupIntervalMinutes !== undefined && store.backupIntervalMinutes > rpoMinutes) {
    gaps.push(`Backup interval ${formatMinutes(store.backupIntervalMinutes)} exceeds the RPO of ${formatMinutes(rpoMinutes)}.`);
  }
  if (store.continuousArchiveMinutes !== undefined && store.continuousArchiveMinutes > rpoMinutes) {
    gaps.push(
      `Continuous archiving may lag ${formatMinutes(store.continuousArchiveMinutes)}, more than the RPO of ${formatMinutes(rpoMinutes)}.`,
    );
  }
  if (store.drCopy === undefined) gaps.push('No copy in the DR region: a region loss loses the store.');
  if (store.restoreEstimateMinutes === undefined) gaps.push('No restore time estimate: the RTO cannot be shown to hold.');
  else if (store.restoreEstimateMinutes > rtoMinutes) {
    gaps.push(`Restore estimate ${formatMinutes(store.restoreEstimateMinutes)} exceeds the RTO of ${formatMinutes(rtoMinutes)}.`);
  }
  if (store.restoreTest === undefined) gaps.push('Restores are never tested.');
  if (store.failover.length === 0) gaps.push('No failover runbook.');
  return gaps;
}

/** The report, in Markdown. */
export function renderDrReport(input: DrReportInput): string {
  const { objectives } = input;
  const gapsByStore = input.dataStores.map((store) => drGaps(store, objectives));
  const total = gapsByStore.reduce((n, gaps) => n + gaps.length, 0);
  const lines: string[] = [
    `# ${input.title ?? 'Disaster recovery posture'}`,
    '',
    `Objectives: RPO ${formatMinutes(objectives.rpoMinutes)}, RTO ${formatMinutes(objectives.rtoMinutes)}. Primary region \`${input.primaryRegion}\`, DR region \`${input.drRegion}\`.`,
    '',
    total === 0 ? '**Gaps: none.**' : `**Gaps: ${total}** (see each data store).`,
    '',
    '| data store | backup interval | continuous archiving | worst-case loss vs RPO | DR copy | restore estimate vs RTO | gaps |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...input.dataStores.map((store, i) => {
      const loss = worstCaseLossMinutes(store);
      return `| ${cell(store.name)} | ${optional(store.backupIntervalMinutes)} | ${optional(store.continuousArchiveMinutes)} | ${
        loss === undefined
          ? 'unbounded'
          : `${formatMinutes(loss)} ${loss <= objectives.rpoMinutes ? '≤' : '>'} ${formatMinutes(objectives.rpoMinutes)}`
      } | ${store.drCopy === undefined ? 'none' : 'yes'} | ${
        store.restoreEstimateMinutes === undefined
          ? 'unknown'
          : `${formatMinutes(store.restoreEstimateMinutes)} ${store.restoreEstimateMinutes <= objectives.rtoMinutes ? '≤' : '>'} ${formatMinutes(objectives.rtoMinutes)}`
      } | ${gapsByStore[i].length} |`;
    }),
    '',
  ];
  input.dataStores.forEach((store, i) => lines.push(...storeSection(store, gapsByStore[i]), ''));
  lines.push('## Moving traffic to the DR region', '', 'After the data stores have failed over:', '');
  lines.push(...numbered(input.trafficFailover), '');
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

function storeSection(store: DataStoreDrSummary, gaps: string[]): string[] {
  return [
    `## ${store.name}: ${store.engine}`,
    '',
    `- Backups: ${store.backupIntervalMinutes === undefined ? 'none scheduled' : `every ${formatMinutes(store.backupIntervalMinutes)}`}${
      store.continuousArchiveMinutes === undefined
        ? ''
        : `; continuous archiving, at most ${formatMinutes(store.continuousArchiveMinutes)} behind`
    }.`,
    `- Replication: ${store.replication}.`,
    `- DR copy: ${store.drCopy ?? 'none'}.`,
    `- Restore path: ${store.restorePath}.`,
    `- Restore estimate: ${store.restoreEstimateMinutes === undefined ? 'unknown' : formatMinutes(store.restoreEstimateMinutes)}.`,
    `- Restore test: ${store.restoreTest ?? 'none'}.`,
    '',
    gaps.length === 0 ? 'Gaps: none.' : 'Gaps:',
    ...(gaps.length === 0 ? [] : ['', ...gaps.map((gap) => `- **Gap:** ${gap}`)]),
    '',
    '### Failover runbook',
    '',
    ...(store.failover.length === 0 ? ['(none)'] : numbered(store.failover)),
  ];
}

function numbered(steps: readonly string[]): string[] {
  return steps.map((step, i) => `${i + 1}. ${step}`);
}

/** `90` -> `1 h 30 min`, `60` -> `1 h`, `15` -> `15 min`. */
export function formatMinutes(total: number): string {
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

function optional(value: number | undefined): string {
  return value === undefined ? 'none' : formatMinutes(value);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

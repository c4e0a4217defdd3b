/**
 * The longest gap between two runs of a five-field cron schedule (UTC), so that an alert on a
 * job that "should have run by now" can be derived from its schedule instead of guessed.
 */

const FIELDS: ReadonlyArray<readonly [number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** Years enumerated: 28 Gregorian years repeat every weekday/leap-year combination (outside century years). */
const YEARS = 28;
const FIRST_YEAR = 2024;

/** The values one cron field allows, or undefined when the field is malformed. */
function fieldValues(field: string, index: number): Set<number> | undefined {
  const [min, max] = FIELDS[index];
  const names = index === 3 ? MONTH_NAMES : index === 4 ? DAY_NAMES : [];
  const values = new Set<number>();
  for (const part of field.toLowerCase().split(',')) {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
    if (!match) return undefined;
    const step = match[2] === undefined ? 1 : Number(match[2]);
    const value = (token: string): number => {
      const named = names.indexOf(token);
      if (named >= 0) return named + (index === 3 ? 1 : 0);
      return /^\d+$/.test(token) ? Number(token) : NaN;
    };
    let from = min;
    let to = max;
    if (match[1] !== '*') {
      const [a, b] = match[1].split('-');
      from = value(a);
      to = b === undefined ? (match[2] === undefined ? from : max) : value(b);
    }
    if (![from, to, step].every(Number.isInteger) || step < 1 || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) values.add(index === 4 && v === 7 ? 0 : v);
  }
  return values;
}

/**
 * Minutes of the longest gap between two consecutive runs of `cron` (five fields, UTC, with
 * lists, ranges, steps and month/day names; day-of-month and day-of-week both restricted means
 * either, as in Kubernetes), or undefined when the expression is malformed or never runs.
 */
export function longestCronGapMinutes(cron: string): number | undefined {
  // A drill's schedule is read by its own checks, its overdue limit and the monitoring chart's
  // alert: 28 years of days each time (~10 ms, ~100 ms for '* * * * *'), so computed once.
  if (!GAPS.has(cron)) GAPS.set(cron, computeLongestGap(cron));
  return GAPS.get(cron);
}

const GAPS = new Map<string, number | undefined>();

function computeLongestGap(cron: string): number | undefined {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const sets = fields.map(fieldValues);
  if (sets.some((s) => s === undefined)) return undefined;
  const [minutes, hours, days, months, weekdays] = sets as Set<number>[];
  const dayRestricted = fields[2] !== '*' && !fields[2].startsWith('*/');
  const weekdayRestricted = fields[4] !== '*' && !fields[4].startsWith('*/');
  const times = [...hours].sort((a, b) => a - b).flatMap((h) => [...minutes].sort((a, b) => a - b).map((m) => h * 60 + m));
  let previous: number | undefined;
  let longest = 0;
  const start = Date.UTC(FIRST_YEAR, 0, 1);
  const end = Date.UTC(FIRST_YEAR + YEARS, 0, 1);
  for (let day = start; day < end; day += 86_400_000) {
    const date = new Date(day);
    if (!months.has(date.getUTCMonth() + 1)) continue;
    const domMatch = days.has(date.getUTCDate());
    const dowMatch = weekdays.has(date.getUTCDay());
    const runs = dayRestricted && weekdayRestricted ? domMatch || dowMatch : domMatch && dowMatch;
    if (!runs) continue;
    for (const t of times) {
      const at = day / 60_000 + t;
      if (previous !== undefined) longest = Math.max(longest, at - previous);
      previous = at;
    }
  }
  return previous === undefined || longest === 0 ? undefined : longest;
}

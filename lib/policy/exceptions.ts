/**
 * Policy exceptions: reviewed, dated permissions for one object to break one rule, kept in
 * `policy-exceptions.yaml`. An exception that has expired or that matches no finding is itself an
 * error, so that the list only ever holds exceptions in use.
 */
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { z } from 'zod';
import { AlpError } from '../core';
import { formatSpecProblem, problemsFromZod, SpecProblem } from '../core/problems';
import { compareFindings, Finding, RuleInfo } from './findings';

/** The file the CLI and synth read exceptions from, relative to the working directory. */
export const DEFAULT_EXCEPTIONS_FILE = 'policy-exceptions.yaml';

/** Permission for one object to break one rule until a date. */
export interface PolicyException {
  /** The rule id, e.g. `NET-NO-ALLOW-ALL`. */
  readonly rule: string;
  /** The object as findings name it: `<kind>/<namespace>/<name>`, or `<kind>/<name>`. */
  readonly object: string;
  /** Why the object may break the rule, and what would remove the need. */
  readonly reason: string;
  /** The last day (YYYY-MM-DD, inclusive) on which the exception applies. */
  readonly expires: string;
}

/** What became of an exception in one verification. */
export interface ExceptionStatus {
  readonly exception: PolicyException;
  /**
   * `applied`: it suppressed findings; `expired`: past its date (it suppressed nothing); `unused`:
   * no finding matched it; `unjudged`: the input is partial (see `ApplyExceptionsOptions`) and
   * cannot tell, since the object is not in it or the exception's rule was skipped.
   */
  readonly status: 'applied' | 'expired' | 'unused' | 'unjudged';
  /** How many findings it matched. */
  readonly matched: number;
}

/** A finding that an exception suppressed. */
export interface SuppressedFinding {
  readonly finding: Finding;
  readonly exception: PolicyException;
}

export const POLICY_EXCEPTION_EXPIRED: RuleInfo = {
  id: 'POLICY-EXCEPTION-EXPIRED',
  severity: 'error',
  title: 'Policy exceptions are not expired',
  rationale: 'An exception is granted for a time; past it, the finding must be fixed or the exception reviewed again.',
  source: 'Platform rule (policy exceptions are reviewed and dated)',
  fix: `Fix the finding and remove the exception, or renew it in ${DEFAULT_EXCEPTIONS_FILE} with a current reason and a new date.`,
};

export const POLICY_EXCEPTION_UNUSED: RuleInfo = {
  id: 'POLICY-EXCEPTION-UNUSED',
  severity: 'error',
  title: 'Policy exceptions are in use',
  rationale: 'An exception that matches no finding would silently allow the next violation of the object.',
  source: 'Platform rule (policy exceptions are reviewed and dated)',
  fix: `Remove the exception from ${DEFAULT_EXCEPTIONS_FILE}.`,
};

/** The rules about exceptions themselves; they cannot be excepted. */
export const EXCEPTION_RULES: readonly RuleInfo[] = [POLICY_EXCEPTION_EXPIRED, POLICY_EXCEPTION_UNUSED];

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const OBJECT = /^[A-Za-z][A-Za-z0-9]*(\/[^/\s]+){1,2}$/;

/** Whether `text` is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

const exceptionSchema = z.strictObject({
  rule: z.string().regex(/^[A-Z][A-Z0-9-]*$/, "must be a rule id such as 'NET-NO-ALLOW-ALL'"),
  object: z.string().regex(OBJECT, "must name an object as '<kind>/<namespace>/<name>' or '<kind>/<name>'"),
  reason: z.string().trim().min(1, 'must explain why the object may break the rule'),
  expires: z.string().refine(isIsoDate, 'must be a date written YYYY-MM-DD'),
});

const fileSchema = z.strictObject({
  exceptions: z.array(exceptionSchema),
});

/**
 * Validates exceptions as read from YAML: shape, known rule ids, real dates, no duplicates.
 *
 * @param input the parsed file
 * @param source the file's name, for messages
 * @param ruleIds the ids of the rules that may be excepted
 * @throws AlpError listing every problem, one line each: `<source>: '<path>' (<value>) <rule>`
 */
export function parseExceptions(input: unknown, source: string, ruleIds: readonly string[]): PolicyException[] {
  const parsed = fileSchema.safeParse(input);
  const problems: SpecProblem[] = [];
  if (!parsed.success) {
    const knownKeys = (path: readonly PropertyKey[]) => (path.length === 0 ? ['exceptions'] : Object.keys(exceptionSchema.shape));
    problems.push(...problemsFromZod(source, input, parsed.error, knownKeys));
  }
  // Rule ids and repeats, also for entries with other problems: every problem at once.
  const entries: unknown[] = Array.isArray((input as any)?.exceptions) ? (input as any).exceptions : [];
  const seen = new Map<string, number>();
  entries.forEach((entry: any, i) => {
    if (typeof entry?.rule !== 'string') return;
    if (/^[A-Z][A-Z0-9-]*$/.test(entry.rule) && !ruleIds.includes(entry.rule)) {
      problems.push({
        source,
        path: `exceptions[${i}].rule`,
        value: entry.rule,
        rule: 'must be the id of a rule that can be excepted; run `alp verify --format json` to see the rules',
      });
    }
    const key = `${entry.rule}\n${entry.object}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({
        source,
        path: `exceptions[${i}]`,
        value: `${entry.rule} ${entry.object}`,
        rule: `must not repeat exceptions[${earlier}]; keep one exception per rule and object`,
      });
    }
    seen.set(key, i);
  });
  if (problems.length > 0 || !parsed.success) throw exceptionsError(source, problems);
  return parsed.data.exceptions;
}

/** One error listing the problems in file order (array indexes compared as numbers). */
function exceptionsError(source: string, unsorted: SpecProblem[]): AlpError {
  const problems = unsorted
    .map((p, i) => ({ p, i }))
    .sort((a, b) => entryIndex(a.p.path) - entryIndex(b.p.path) || a.i - b.i)
    .map(({ p }) => p);
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new AlpError(`invalid policy exceptions in ${source} (${count})`, problems.map(formatSpecProblem));
}

/** The index of the exception a problem's path is in (`exceptions[3].rule` → 3), -1 for the file as a whole. */
function entryIndex(path: string): number {
  const match = /^exceptions\[(\d+)\]/.exec(path);
  return match ? Number(match[1]) : -1;
}

/**
 * Reads and validates an exceptions file. Dates stay strings (YAML core schema): write them
 * `expires: 2026-06-30`.
 *
 * @throws AlpError when the file cannot be read, is not YAML, or is invalid
 */
export function readExceptions(file: string, ruleIds: readonly string[]): PolicyException[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e: any) {
    throw new AlpError(`${file}: cannot read the policy exceptions (${e.code ?? e.message})`);
  }
  let input: unknown;
  try {
    input = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (e: any) {
    const where = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    throw new AlpError(`${file}: is not valid YAML: ${e.reason ?? e.message.split('\n')[0]}${where}`);
  }
  return parseExceptions(input ?? { exceptions: [] }, file, ruleIds);
}

/** How exceptions are applied. */
export interface ApplyExceptionsOptions {
  /**
   * The input is a part of the output the exceptions were written for, or another project's
   * manifests: one Application's folder, a chart's rendering on standard input, a file elsewhere.
   * Exceptions whose object is not in the input, or whose rule could not judge the input (see
   * `skippedRules`), are then `unjudged`: neither unused nor expired errors, since the input cannot
   * tell. The other exceptions are judged as usual.
   * @default false - the input is the whole output (synth, `alp verify` of dist/manifests): every exception must match
   */
  readonly partialInput?: boolean;
  /**
   * The rules that skipped a check in this verification (e.g. completeness without monitoring
   * objects in the input). Only read with `partialInput`.
   * @default - none
   */
  readonly skippedRules?: ReadonlySet<string>;
}

/** The outcome of applying exceptions to findings. */
export interface AppliedExceptions {
  /** The findings no exception suppressed, plus one per expired or unused exception. */
  readonly findings: Finding[];
  readonly suppressed: SuppressedFinding[];
  /** One per exception, in the file's order. */
  readonly statuses: ExceptionStatus[];
}

/**
 * Suppresses each finding whose rule and object an unexpired exception names, and reports every
 * expired or unused exception as an error finding about the exceptions file.
 *
 * @param findings the findings of the rules
 * @param exceptions the exceptions, in the file's order
 * @param today the date to check expiry against, YYYY-MM-DD
 * @param source the exceptions file's name, for findings about exceptions
 * @param objects the labels of the objects verified, to tell a missing object from a compliant one
 * @param options whether the input is partial (see `ApplyExceptionsOptions`)
 */
export function applyExceptions(
  findings: readonly Finding[],
  exceptions: readonly PolicyException[],
  today: string,
  source: string,
  objects: ReadonlySet<string>,
  options: ApplyExceptionsOptions = {},
): AppliedExceptions {
  const byKey = new Map<string, number>();
  exceptions.forEach((e, i) => byKey.set(`${e.rule}\n${e.object}`, i));
  const matched = exceptions.map(() => 0);
  const remaining: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const finding of findings) {
    const index = byKey.get(`${finding.ruleId}\n${finding.object}`);
    if (index === undefined) {
      remaining.push(finding);
      continue;
    }
    matched[index]++;
    const exception = exceptions[index];
    if (exception.expires < today) remaining.push(finding);
    else suppressed.push({ finding, exception });
  }
  const statuses: ExceptionStatus[] = exceptions.map((exception, i) => ({
    exception,
    status:
      options.partialInput && matched[i] === 0 && (!objects.has(exception.object) || options.skippedRules?.has(exception.rule))
        ? 'unjudged'
        : exception.expires < today
          ? 'expired'
          : matched[i] > 0
            ? 'applied'
            : 'unused',
    matched: matched[i],
  }));
  remaining.push(...exceptionStatusFindings(statuses, source, objects));
  return { findings: remaining.sort(compareFindings), suppressed, statuses };
}

/** An error finding about the exceptions file for each expired or unused exception, in the file's order. */
function exceptionStatusFindings(statuses: readonly ExceptionStatus[], source: string, objects: ReadonlySet<string>): Finding[] {
  const findings: Finding[] = [];
  statuses.forEach(({ exception, status }, i) => {
    const what = `exceptions[${i}] (${exception.rule} for ${exception.object})`;
    if (status === 'expired') {
      findings.push({
        ruleId: POLICY_EXCEPTION_EXPIRED.id,
        severity: POLICY_EXCEPTION_EXPIRED.severity,
        object: exception.object,
        path: `exceptions[${i}].expires`,
        file: source,
        message: `${source}: ${what} expired on ${exception.expires}; fix the finding and remove the exception, or renew it with a current reason and date`,
      });
    } else if (status === 'unused') {
      const why = objects.has(exception.object) ? `the object does not break ${exception.rule}` : 'the object is not in the manifests';
      findings.push({
        ruleId: POLICY_EXCEPTION_UNUSED.id,
        severity: POLICY_EXCEPTION_UNUSED.severity,
        object: exception.object,
        path: `exceptions[${i}]`,
        file: source,
        message: `${source}: ${what} matches no finding (${why}); remove it`,
      });
    }
  });
  return findings;
}

import { IConstruct } from 'constructs';

/**
 * An error caused by the user's input (spec, release state, construct props).
 *
 * The CLI prints its message without a stack trace and exits 1; any other error is a bug
 * and is printed with its stack.
 */
export class AlpError extends Error {
  /** Marks user errors across copies of this module (symbol, not instanceof). */
  public static isAlpError(x: unknown): x is AlpError {
    return typeof x === 'object' && x !== null && ALP_ERROR in x;
  }

  /** One line per problem; all problems are reported at once. */
  public readonly problems: string[];

  constructor(headline: string, problems: string[] = []) {
    super(problems.length === 0 ? headline : `${headline}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AlpError';
    this.problems = problems.length === 0 ? [headline] : [...problems];
    Object.defineProperty(this, ALP_ERROR, { value: true });
  }
}

const ALP_ERROR = Symbol.for('alp-deploy.AlpError');

/**
 * One broken rule about one prop: `'<prop>' (<value>) must be <rule>; <fix>`.
 */
export interface PropProblem {
  readonly prop: string;
  readonly value: unknown;
  /** Completes "must be …" / "must …": the rule that the value breaks. */
  readonly rule: string;
  /** What to do about it. @default - no fix is printed */
  readonly fix?: string;
}

/** Formats a problem as `'<prop>' (<value>) must <rule>; <fix>`. */
export function formatProblem(problem: PropProblem): string {
  const fix = problem.fix ? `; ${problem.fix}` : '';
  return `${formatRuleBreach(problem.prop, problem.value, problem.rule)}${fix}`;
}

/**
 * The one wording of a broken rule, shared by construct props and spec fields:
 * `'<where>' (<value>) <rule>`.
 */
export function formatRuleBreach(where: string, value: unknown, rule: string): string {
  return `'${where}' (${describeValue(value)}) ${rule}`;
}

/**
 * The error for invalid props of a construct (or options of a function), in the library's
 * message format `<owner>: '<prop>' (<value>) must be <rule>; <fix>`, one line per problem.
 *
 * @param owner the construct (its path is printed) or a name such as `sloRules`
 * @param noun what the problems are about, in the headline of several: `<owner>: 3 invalid <noun>`
 */
export function validationError(owner: IConstruct | string, problems: readonly PropProblem[], noun = 'props'): AlpError {
  const name = typeof owner === 'string' ? owner : owner.node.path;
  const lines = problems.map((p) => `${name}: ${formatProblem(p)}`);
  if (lines.length === 1) return new AlpError(lines[0]);
  return new AlpError(`${name}: ${problems.length} invalid ${noun}`, lines);
}

/** Throws one error listing every problem (see `validationError`), if there are any. */
export function throwIfProblems(owner: IConstruct | string, problems: readonly PropProblem[], noun = 'props'): void {
  if (problems.length > 0) throw validationError(owner, problems, noun);
}

/**
 * A short, single-line rendering of a bad value for error messages. Strings are quoted, and
 * every control character (line breaks included), line or paragraph separator and
 * bidirectional-text control is escaped (`\n`, `\u202e`): a value can never print what looks
 * like another line of the report, nor reorder the text around it.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = escapeControlCharacters(typeof value === 'string' ? JSON.stringify(value) : safeJson(value));
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * Characters that change how text around them prints: C0 and C1 controls and DEL, the line and
 * paragraph separators, and the bidirectional embeddings, overrides, isolates and marks.
 */
// eslint-disable-next-line no-control-regex -- matching the control characters is this pattern's purpose (they are escaped below)
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * `text` with each control character (see above) written as an escape: `\n`, `\r`, `\t`, else
 * `\u` and four hex digits. For user input echoed in messages, e.g. a name in a field path.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

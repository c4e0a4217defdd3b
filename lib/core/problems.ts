import { z } from 'zod';
import { AlpError, escapeControlCharacters, formatRuleBreach } from './errors';

/** One broken rule in an input file: where, what value, which rule. */
export interface SpecProblem {
  /** Which input: `spec` or the release file's name. */
  readonly source: string;
  /** Field path, e.g. `services[2].autoscaling.minReplicas`. */
  readonly path: string;
  readonly value: unknown;
  /** Completes "'<path>' (<value>) …", e.g. "must be an integer from 1 to 65535". */
  readonly rule: string;
}

/** The input was invalid; `problems` lists every problem found, not just the first. */
export class SpecError extends AlpError {
  public readonly specProblems: SpecProblem[];

  constructor(unsorted: SpecProblem[]) {
    const problems = sortProblems(unsorted);
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid platform input (${count}); nothing was written`, problems.map(formatSpecProblem));
    this.specProblems = problems;
  }
}

/**
 * Problems in reading order: by source as first reported, then by field path with array
 * indexes compared as numbers (services[2] before services[10]).
 */
function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  const sourceOrder = [...new Set(problems.map((p) => p.source))];
  return [...problems].sort(
    (a, b) => sourceOrder.indexOf(a.source) - sourceOrder.indexOf(b.source) || a.path.localeCompare(b.path, 'en', { numeric: true }),
  );
}

/** `<source>: '<path>' (<value>) <rule>` */
export function formatSpecProblem(problem: SpecProblem): string {
  return `${problem.source}: ${formatRuleBreach(problem.path, problem.value, problem.rule)}`;
}

/**
 * Renders a path as `a.b[2].c`; keys that are not identifiers are bracketed (`images[api-gateway]`),
 * and quoted with their control characters escaped when they hold anything but letters, digits,
 * "-", "_", ".", "/" and ":" (`env["A\nB"]`): a key from the input never prints a line of its own.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    const text = String(key);
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(text)) out += out === '' ? text : `.${text}`;
    else if (/^[-\w./:]+$/.test(text)) out += `[${text}]`;
    else out += `[${escapeControlCharacters(JSON.stringify(text))}]`;
  }
  return out === '' ? '(root)' : out;
}

/** The value at `path` inside `input`, or undefined. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Turns zod issues into problems with the bad value and a rule sentence. */
export function problemsFromZod(
  source: string,
  input: unknown,
  error: z.ZodError,
  knownKeys: (path: readonly PropertyKey[]) => string[],
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const candidates = knownKeys(issue.path);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const suggestion = closest(key, candidates);
        problems.push({
          source,
          path: formatPath(path),
          value: valueAt(input, path),
          rule: `is not a known field${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
        });
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    problems.push({ source, path: formatPath(issue.path), value, rule: ruleOf(issue, value) });
  }
  return problems;
}

function ruleOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.message.startsWith('must') || issue.message.startsWith('is ')) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return 'is required';
      return `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_key': {
      const inner = issue.issues.map((i) => i.message).find((m) => m.startsWith('must'));
      return inner ? `is not a valid key: it ${inner}` : 'is not a valid key';
    }
    case 'too_small':
      return `must have at least ${issue.minimum} ${issue.origin === 'string' ? 'characters' : 'items'}`;
    default:
      return `must be valid: ${issue.message}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The candidate nearest to `word` by edit distance, if it is close enough to be a typo. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

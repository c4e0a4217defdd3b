/**
 * PromQL helpers: syntax checking with Prometheus's own grammar, label matchers, and numbers
 * and durations written the way Prometheus reads them (without float noise).
 */
import { parser } from '@prometheus-io/lezer-promql';

/** Where a PromQL expression stops being valid. */
export interface PromQlSyntaxError {
  /** Offset (0-based character index) of the first error in the expression. */
  readonly offset: number;
  /** Where, for people: `at column 10, just after "rate(x[5m"`, or `at the end of the expression, just after "…"`. */
  readonly description: string;
}

/**
 * The first syntax error of a PromQL expression, or undefined when it parses. The expression is
 * parsed by `@prometheus-io/lezer-promql`, the grammar of Prometheus's own UI: a syntax error
 * appears as an error node (`⚠`) in its tree. It checks syntax only, not whether metrics exist
 * or whether function arguments have the right types.
 */
export function promQlSyntaxError(expr: string): PromQlSyntaxError | undefined {
  // Every region and colour carries the same rule expressions: each distinct one is parsed once.
  if (checkedExpressions.has(expr)) return checkedExpressions.get(expr);
  if (checkedExpressions.size >= MAX_CHECKED_EXPRESSIONS) checkedExpressions.clear();
  const error = firstSyntaxError(expr);
  checkedExpressions.set(expr, error);
  return error;
}

/** Expressions already checked, and their first error (a long-running process keeps at most MAX_CHECKED_EXPRESSIONS). */
const checkedExpressions = new Map<string, PromQlSyntaxError | undefined>();
const MAX_CHECKED_EXPRESSIONS = 100_000;

function firstSyntaxError(expr: string): PromQlSyntaxError | undefined {
  if (expr.trim() === '') return { offset: 0, description: 'the expression is empty' };
  let offset: number | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (offset !== undefined) return false;
      if (node.type.isError) {
        offset = node.from;
        return false;
      }
      return undefined;
    },
  });
  if (offset === undefined) return undefined;
  const before = JSON.stringify(expr.slice(Math.max(0, offset - 20), offset).trimStart());
  const description =
    offset >= expr.trimEnd().length
      ? `at the end of the expression, just after ${before}`
      : `at column ${offset + 1}, just after ${before}`;
  return { offset, description };
}

/** A label matcher: `=` equality, `=~` regular expression (anchored), `!=`, `!~`. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One label matcher of a selector. */
export interface LabelMatcher {
  readonly label: string;
  readonly op: MatchOperator;
  readonly value: string;
}

/** Quotes a label value as PromQL reads it (double quotes; backslash and quote escaped). */
export function quoteLabelValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `label="value"` */
export function labelEq(label: string, value: string): LabelMatcher {
  return { label, op: '=', value };
}

/** `label=~"regex"` */
export function labelRe(label: string, regex: string): LabelMatcher {
  return { label, op: '=~', value: regex };
}

/**
 * Matches any of `values` exactly: `label="a"` for one value, `label=~"a|b"` for several (regex
 * metacharacters in the values escaped). Values are sorted, so the output does not depend on order.
 */
export function labelIn(label: string, values: readonly string[]): LabelMatcher {
  const sorted = [...new Set(values)].sort();
  if (sorted.length === 1) return labelEq(label, sorted[0]);
  return labelRe(label, sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

/** `metric{a="b",c=~"d"}`, or `{…}` without a metric name; no braces when there are no matchers. */
export function seriesSelector(metric: string, matchers: readonly LabelMatcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${quoteLabelValue(m.value)}`).join(',')}}`;
}

/**
 * A number as Prometheus and people read it: no float noise (`0.0144`, not
 * `0.014400000000000001`), no exponent (`0.000000144`, not `1.44e-7`). Twelve significant
 * digits are kept, far more than any threshold needs.
 */
export function promNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`promNumber: ${value} is not a finite number`);
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  if (!/e/i.test(text)) return text;
  // toFixed writes decimals without an exponent; trailing zeros go.
  return rounded
    .toFixed(20)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** Whether `text` is a Prometheus duration such as `30s`, `5m`, `1h30m` or `3d`. */
export function isPromDuration(text: unknown): text is string {
  return typeof text === 'string' && DURATION.test(text);
}

/** Seconds in a Prometheus duration; throws when it is not one. */
export function durationSeconds(text: string): number {
  if (!isPromDuration(text)) throw new Error(`not a Prometheus duration: ${text}`);
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) seconds += Number(amount) * UNIT_SECONDS[unit];
  return seconds;
}

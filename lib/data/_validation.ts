/**
 * The shared checks (lib/core/validation.ts) as the data constructs use them: lists of problems
 * to spread into theirs. Not exported from the package.
 */
import { PropProblem } from '../core/errors';
import { dns1035LabelProblem, dnsSubdomainProblem, integerProblem, problemsOf, storageSizeProblem } from '../core/validation';

export { isDns1035Label as isDnsLabel, sortedRecord } from '../core/validation';

/** A problem when `value` is not a DNS label (starting with a letter) of at most `max` characters. */
export function dnsLabelProblems(prop: string, value: unknown, max = 63, fix?: string): PropProblem[] {
  return problemsOf(dns1035LabelProblem(prop, value, { maxLength: max, fix }));
}

/** A problem when `value` is set and is not an integer of at least `min` (and at most `max`). */
export function integerProblems(prop: string, value: number | undefined, min: number, max?: number, fix?: string): PropProblem[] {
  return value === undefined ? [] : problemsOf(integerProblem(prop, value, min, max, undefined, fix));
}

/** A problem when `value` is not a storage size such as "50Gi". */
export function storageSizeProblems(prop: string, value: unknown): PropProblem[] {
  return problemsOf(storageSizeProblem(prop, value));
}

/** A problem when `value` is not a DNS subdomain (object names such as storage classes). */
export function subdomainProblems(prop: string, value: unknown): PropProblem[] {
  return problemsOf(dnsSubdomainProblem(prop, value));
}

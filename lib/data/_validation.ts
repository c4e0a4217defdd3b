/**
 * Small checks shared by the data constructs; not exported from the package.
 */
import { PropProblem } from '../core';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `value` is a DNS label (starting with a letter) of at most `max` characters. */
export function isDnsLabel(value: unknown, max = 63): value is string {
  return typeof value === 'string' && value.length <= max && DNS_LABEL.test(value);
}

/** A problem when `value` is not a DNS label of at most `max` characters. */
export function dnsLabelProblems(prop: string, value: unknown, max = 63, fix?: string): PropProblem[] {
  if (isDnsLabel(value, max)) return [];
  return [{ prop, value, rule: `must be a DNS label of at most ${max} characters (lowercase letters, digits, "-", starting with a letter)`, fix }];
}

/** A problem when `value` is set and is not an integer of at least `min` (and at most `max`). */
export function integerProblems(prop: string, value: number | undefined, min: number, max?: number, fix?: string): PropProblem[] {
  if (value === undefined) return [];
  if (Number.isInteger(value) && value >= min && (max === undefined || value <= max)) return [];
  const rule = max === undefined ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`;
  return [{ prop, value, rule, fix }];
}

/** Storage sizes: a whole number of Mi, Gi or Ti. */
export const STORAGE_SIZE = /^[1-9]\d*(Mi|Gi|Ti)$/;

/** A problem when `value` is not a storage size such as "50Gi". */
export function storageSizeProblems(prop: string, value: unknown): PropProblem[] {
  if (typeof value === 'string' && STORAGE_SIZE.test(value)) return [];
  return [{ prop, value, rule: 'must be a storage size such as "50Gi" (a whole number of Mi, Gi or Ti)' }];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A problem when `value` is not a DNS subdomain (object names such as storage classes). */
export function subdomainProblems(prop: string, value: unknown): PropProblem[] {
  if (typeof value === 'string' && value.length <= 253 && DNS_SUBDOMAIN.test(value)) return [];
  return [{ prop, value, rule: 'must be a DNS subdomain (lowercase letters, digits, "-", ".")' }];
}

/** The entries of a record sorted by key: rendered maps never depend on insertion order. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

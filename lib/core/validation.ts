/**
 * The checks of names, ports and numbers that every construct and the spec's schema share: one
 * definition of each pattern and limit, and one wording of each rule.
 *
 * Each `…Problem` check returns the PropProblem for a bad value, or undefined for a good one;
 * `problemsOf` collects the defined ones. The rule texts complete "'<prop>' (<value>) …".
 */
import { PropProblem } from './errors';

/**
 * A DNS-1035 label: lowercase letters, digits and "-", starting with a letter and ending with a
 * letter or digit. Kubernetes requires it of Service names; the library uses it for every name it
 * derives other names from.
 */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** An RFC 1123 label: as DNS-1035, but it may start with a digit (namespaces, ServiceAccounts). */
export const RFC_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** An RFC 1123 subdomain: RFC 1123 labels joined by "." (most object names, e.g. StorageClasses). */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A fully qualified lowercase host name: RFC 1123 labels and a top-level domain of letters. */
export const FQDN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/;
/** An IPv4 network in CIDR notation, e.g. `203.0.113.0/24`. */
export const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/([0-9]|[12]\d|3[0-2])$/;
/** The longest DNS label. */
export const MAX_DNS_LABEL_LENGTH = 63;
/** The longest DNS subdomain. */
export const MAX_DNS_SUBDOMAIN_LENGTH = 253;
/** The highest TCP/UDP port number (the lowest is 1). */
export const MAX_PORT = 65535;
/** Storage sizes: a whole number of Mi, Gi or Ti. */
export const STORAGE_SIZE = /^[1-9]\d*(Mi|Gi|Ti)$/;

/** The rule of a port number. */
export const PORT_RULE = `must be an integer from 1 to ${MAX_PORT}`;
/** The rule of a DNS subdomain. */
export const DNS_SUBDOMAIN_RULE = 'must be a DNS subdomain (lowercase letters, digits, "-", ".")';
/** The rule of a storage size. */
export const STORAGE_SIZE_RULE = 'must be a storage size such as "50Gi" (a whole number of Mi, Gi or Ti)';

/** The rule of a DNS-1035 label of at most `maxLength` characters. */
export function dns1035LabelRule(maxLength = MAX_DNS_LABEL_LENGTH): string {
  return `must be a DNS label of at most ${maxLength} characters (lowercase letters, digits, "-", starting with a letter)`;
}

/** The rule of an RFC 1123 label of at most `maxLength` characters. */
export function rfc1123LabelRule(maxLength = MAX_DNS_LABEL_LENGTH): string {
  return `must be a DNS label of at most ${maxLength} characters (lowercase letters, digits, "-")`;
}

/** Whether `value` is a DNS-1035 label of at most `maxLength` characters. */
export function isDns1035Label(value: unknown, maxLength = MAX_DNS_LABEL_LENGTH): value is string {
  return typeof value === 'string' && value.length <= maxLength && DNS_1035_LABEL.test(value);
}

/** Whether `value` is an RFC 1123 label of at most `maxLength` characters. */
export function isRfc1123Label(value: unknown, maxLength = MAX_DNS_LABEL_LENGTH): value is string {
  return typeof value === 'string' && value.length <= maxLength && RFC_1123_LABEL.test(value);
}

/** Whether `value` is a DNS subdomain of at most 253 characters. */
export function isDnsSubdomain(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_DNS_SUBDOMAIN_LENGTH && DNS_SUBDOMAIN.test(value);
}

/** Whether `value` is a port number: an integer from 1 to 65535. */
export function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PORT;
}

/** How a name check words its problem. */
export interface NameCheckOptions {
  /** The longest allowed value. @default 63 */
  readonly maxLength?: number;
  /** The rule of the problem. @default - the check's own rule, naming `maxLength` */
  readonly rule?: string;
  /** What to do about it. @default - no fix is printed */
  readonly fix?: string;
}

/** The problem of a value that is not a DNS-1035 label (see `DNS_1035_LABEL`). */
export function dns1035LabelProblem(prop: string, value: unknown, options: NameCheckOptions = {}): PropProblem | undefined {
  const maxLength = options.maxLength ?? MAX_DNS_LABEL_LENGTH;
  if (isDns1035Label(value, maxLength)) return undefined;
  return withFix({ prop, value, rule: options.rule ?? dns1035LabelRule(maxLength) }, options.fix);
}

/** The problem of a value that is not an RFC 1123 label (see `RFC_1123_LABEL`). */
export function rfc1123LabelProblem(prop: string, value: unknown, options: NameCheckOptions = {}): PropProblem | undefined {
  const maxLength = options.maxLength ?? MAX_DNS_LABEL_LENGTH;
  if (isRfc1123Label(value, maxLength)) return undefined;
  return withFix({ prop, value, rule: options.rule ?? rfc1123LabelRule(maxLength) }, options.fix);
}

/** The problem of a value that is not a DNS subdomain of at most 253 characters. */
export function dnsSubdomainProblem(prop: string, value: unknown, rule = DNS_SUBDOMAIN_RULE): PropProblem | undefined {
  return isDnsSubdomain(value) ? undefined : { prop, value, rule };
}

/** The problem of a value that is not a port number. */
export function portProblem(prop: string, value: unknown): PropProblem | undefined {
  return isPort(value) ? undefined : { prop, value, rule: PORT_RULE };
}

/** The problem of a value that is not a whole percentage from 1 to 100. */
export function percentageProblem(prop: string, value: unknown): PropProblem | undefined {
  return integerProblem(prop, value, 1, 100, 'must be an integer percentage from 1 to 100');
}

/** The problem of a value that is not an integer of at least 1. */
export function positiveIntegerProblem(prop: string, value: unknown, rule = 'must be an integer of at least 1'): PropProblem | undefined {
  return integerProblem(prop, value, 1, undefined, rule);
}

/**
 * The problem of a value that is not an integer from `min` to `max` (or of at least `min`).
 * @param rule @default - "must be an integer from <min> to <max>" or "… of at least <min>"
 */
export function integerProblem(
  prop: string,
  value: unknown,
  min: number,
  max?: number,
  rule?: string,
  fix?: string,
): PropProblem | undefined {
  if (Number.isInteger(value) && (value as number) >= min && (max === undefined || (value as number) <= max)) return undefined;
  const defaultRule = max === undefined ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`;
  return withFix({ prop, value, rule: rule ?? defaultRule }, fix);
}

/** The problem of a value that is not a storage size such as "50Gi". */
export function storageSizeProblem(prop: string, value: unknown): PropProblem | undefined {
  return typeof value === 'string' && STORAGE_SIZE.test(value) ? undefined : { prop, value, rule: STORAGE_SIZE_RULE };
}

/** The problems among the results of some checks. */
export function problemsOf(...results: readonly (PropProblem | undefined)[]): PropProblem[] {
  return results.filter((p): p is PropProblem => p !== undefined);
}

/** The entries of a record sorted by key: rendered maps never depend on insertion order. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// A problem without a fix has no `fix` key at all, as problems written by hand have not.
function withFix(problem: PropProblem, fix: string | undefined): PropProblem {
  return fix === undefined ? problem : { ...problem, fix };
}

/** Whether a parsed JSON/YAML value is an object (a map), not null or a list. */
export function isPlainObject<T>(value: T): value is T & Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

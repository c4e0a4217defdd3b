/** Whether a parsed JSON/YAML value is an object (a map), not null or a list. */
export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Label selectors (`metav1.LabelSelector` and the plain maps of Service and ReplicationController),
 * and an index that finds the selectors matching a label set without trying every one.
 */

/** Whether a `metav1.LabelSelector` selects `labels`. An invalid selector selects nothing; `{}` selects everything. */
export function labelSelectorMatches(selector: any, labels: Readonly<Record<string, string>>): boolean {
  if (!isPlainObject(selector)) return false;
  if (!mapMatches(selector.matchLabels ?? {}, labels)) return false;
  const expressions = selector.matchExpressions ?? [];
  if (!Array.isArray(expressions)) return false;
  return expressions.every((e: any) => {
    const key = e?.key;
    if (typeof key !== 'string') return false;
    const values: unknown[] = Array.isArray(e.values) ? e.values : [];
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (e.operator) {
      case 'In': return has && values.includes(labels[key]);
      case 'NotIn': return !has || !values.includes(labels[key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/** Whether every entry of a plain selector map is among `labels`. An invalid map selects nothing. */
export function mapMatches(selector: any, labels: Readonly<Record<string, string>>): boolean {
  if (!isPlainObject(selector)) return false;
  for (const [key, value] of Object.entries(selector)) {
    if (labels[key] !== value) return false;
  }
  return true;
}

/** Whether a `metav1.LabelSelector` is empty (selects every pod). */
export function isEmptySelector(selector: any): boolean {
  if (selector === undefined || selector === null) return true;
  if (!isPlainObject(selector)) return false;
  const labels = selector.matchLabels;
  const expressions = selector.matchExpressions;
  return (labels === undefined || labels === null || (isPlainObject(labels) && Object.keys(labels).length === 0))
    && (expressions === undefined || expressions === null || (Array.isArray(expressions) && expressions.length === 0));
}

/**
 * Selectors filed under one of their required labels, so that a label set is tried only against
 * selectors that could match it: each lookup costs O(labels + candidates), not O(selectors).
 */
export class SelectorIndex<T> {
  private readonly byLabel = new Map<string, T[]>();
  private readonly unkeyed: T[] = [];

  /** Files `item` under the first (sorted) entry of `requiredLabels`, the labels every match must carry. */
  public add(item: T, requiredLabels: unknown): void {
    const entries = isPlainObject(requiredLabels) ? Object.entries(requiredLabels).filter(([, v]) => typeof v === 'string').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
    if (entries.length === 0) {
      this.unkeyed.push(item);
      return;
    }
    const key = `${entries[0][0]}=${entries[0][1]}`;
    const list = this.byLabel.get(key);
    if (list) list.push(item);
    else this.byLabel.set(key, [item]);
  }

  /** The items that may match `labels`: a superset of the matches, to be checked one by one. */
  public candidates(labels: Readonly<Record<string, string>>): T[] {
    const found = [...this.unkeyed];
    for (const [key, value] of Object.entries(labels)) {
      const list = this.byLabel.get(`${key}=${value}`);
      if (list) found.push(...list);
    }
    return found;
  }
}

/** String-valued entries of a map; anything else gives `{}`. */
export function stringMap(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The array, or `[]` for anything else. */
export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

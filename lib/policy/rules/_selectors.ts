/**
 * Label selectors (`metav1.LabelSelector` and the plain maps of Service and ReplicationController),
 * and an index that finds the selectors matching a label set without trying every one.
 */
import { isPlainObject } from '../../core';

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
      case 'In':
        return has && values.includes(labels[key]);
      case 'NotIn':
        return !has || !values.includes(labels[key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
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
  return (
    (labels === undefined || labels === null || (isPlainObject(labels) && Object.keys(labels).length === 0))
    && (expressions === undefined || expressions === null || (Array.isArray(expressions) && expressions.length === 0))
  );
}

/**
 * Selectors filed under one of their required labels, so that a label set is tried only against
 * selectors that could match it. Each selector is filed under its rarest label (counted over all
 * selectors added), so that labels every selector shares (a colour, a part-of label) do not make
 * every selector a candidate: a lookup costs O(labels + candidates), not O(selectors).
 */
export class SelectorIndex<T> {
  private readonly pending: { item: T; entries: string[] }[] = [];
  private byLabel?: Map<string, T[]>;
  private readonly unkeyed: T[] = [];

  /** Adds `item`, whose matches all carry `requiredLabels` (a selector's `matchLabels`, or a Service's selector). */
  public add(item: T, requiredLabels: unknown): void {
    const entries = isPlainObject(requiredLabels)
      ? Object.entries(requiredLabels)
          .filter(([, v]) => typeof v === 'string')
          .map(([k, v]) => `${k}=${v}`)
      : [];
    if (entries.length === 0) this.unkeyed.push(item);
    else this.pending.push({ item, entries });
    this.byLabel = undefined;
  }

  /** The items that may match `labels`: a superset of the matches, to be checked one by one. */
  public candidates(labels: Readonly<Record<string, string>>): T[] {
    const index = this.byLabel ?? this.build();
    const found = [...this.unkeyed];
    for (const [key, value] of Object.entries(labels)) {
      const list = index.get(`${key}=${value}`);
      if (list) found.push(...list);
    }
    return found;
  }

  private build(): Map<string, T[]> {
    const counts = new Map<string, number>();
    for (const { entries } of this.pending) for (const e of entries) counts.set(e, (counts.get(e) ?? 0) + 1);
    const index = new Map<string, T[]>();
    for (const { item, entries } of this.pending) {
      let rarest = entries[0];
      for (const e of entries) if (counts.get(e)! < counts.get(rarest)! || (counts.get(e) === counts.get(rarest) && e < rarest)) rarest = e;
      const list = index.get(rarest);
      if (list) list.push(item);
      else index.set(rarest, [item]);
    }
    this.byLabel = index;
    return index;
  }
}

/** String-valued entries of a map; anything else gives `{}`. */
export function stringMap(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The array, or `[]` for anything else. */
export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

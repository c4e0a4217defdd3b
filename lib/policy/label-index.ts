import { isPlainObject } from '../core';

/**
 * Items filed under each of their labels (`["key","value"]`), and a selector's label that the
 * fewest items have: only the items with that label need to be tried against the selector.
 */
export class LabelIndex<T> {
  private readonly byLabel = new Map<string, T[]>();
  private readonly items: T[] = [];

  /** Adds `item`, labelled `labels` (string values only). */
  public add(item: T, labels: unknown): void {
    this.items.push(item);
    for (const [key, value] of Object.entries(isPlainObject(labels) ? labels : {})) {
      if (typeof value !== 'string') continue;
      const label = JSON.stringify([key, value]);
      const list = this.byLabel.get(label);
      if (list) list.push(item);
      else this.byLabel.set(label, [item]);
    }
  }

  /** The entry of `requiredLabels` (a selector's `matchLabels`) that the fewest items have, if it has any. */
  public rarestLabel(requiredLabels: unknown): string | undefined {
    let best: string | undefined;
    for (const entry of Object.entries(isPlainObject(requiredLabels) ? requiredLabels : {})) {
      const label = JSON.stringify(entry);
      if (best === undefined || (this.byLabel.get(label)?.length ?? 0) < (this.byLabel.get(best)?.length ?? 0)) best = label;
    }
    return best;
  }

  /** The items that have `label`, or every item when there is no label to narrow them; in the order added. */
  public candidates(label: string | undefined): readonly T[] {
    return label !== undefined ? (this.byLabel.get(label) ?? []) : this.items;
  }

  /** The items that may carry every label of `requiredLabels`: a superset of the matches, to be checked one by one. */
  public withRequired(requiredLabels: unknown): readonly T[] {
    return this.candidates(this.rarestLabel(requiredLabels));
  }
}

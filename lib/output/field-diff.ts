import { isPlainObject } from '../core';

/** One field that differs between two versions of an object, at a YAML path like `spec.template.spec.containers[api].image`. */
export type FieldChange =
  | { readonly kind: 'changed'; readonly path: string; readonly before: unknown; readonly after: unknown }
  | { readonly kind: 'added'; readonly path: string; readonly after: unknown }
  | { readonly kind: 'removed'; readonly path: string; readonly before: unknown }
  /** A list keyed by `name` whose items kept their content but not their order. */
  | { readonly kind: 'reordered'; readonly path: string; readonly before: string[]; readonly after: string[] };

/**
 * The fields that differ between `before` and `after` (parsed YAML or JSON), sorted by path.
 * Lists whose items all have a unique `name` are compared by name (`containers[api]`), other
 * lists by index (`rules[0]`). A field present on one side only is `added` or `removed` as a whole.
 */
export function diffObjects(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  diffAt('', before, after, changes);
  return changes;
}

function diffAt(path: string, before: unknown, after: unknown, out: FieldChange[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const child = childPath(path, key);
      if (!(key in after)) pushWhole('removed', child, before[key], out);
      else if (!(key in before)) pushWhole('added', child, after[key], out);
      else diffAt(child, before[key], after[key], out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeNames = itemNames(before);
    const afterNames = itemNames(after);
    if (beforeNames && afterNames && (before.length > 0 || after.length > 0)) {
      const byName = (items: any[]) => new Map(items.map((item) => [item.name as string, item]));
      const b = byName(before);
      const a = byName(after);
      for (const name of [...new Set([...beforeNames, ...afterNames])].sort()) {
        const child = `${path}[${name}]`;
        if (!a.has(name)) pushWhole('removed', child, b.get(name), out);
        else if (!b.has(name)) pushWhole('added', child, a.get(name), out);
        else diffAt(child, b.get(name), a.get(name), out);
      }
      const kept = beforeNames.filter((n) => a.has(n));
      const keptAfter = afterNames.filter((n) => b.has(n));
      if (kept.join('\0') !== keptAfter.join('\0')) out.push({ kind: 'reordered', path, before: kept, after: keptAfter });
      return;
    }
    diffList(path, before, after, out);
    return;
  }
  if (!sameValue(before, after)) out.push({ kind: 'changed', path, before, after });
}

/**
 * A list without names: equal items are matched in order (longest common subsequence), so that
 * an item inserted or removed is reported once, not as a change of every item after it. Between
 * matched items, the remaining ones are compared pairwise; the rest are added or removed. Indexes
 * are the new list's, the old list's for removed items.
 */
function diffList(path: string, before: unknown[], after: unknown[], out: FieldChange[]): void {
  const b = before.map((item) => JSON.stringify(item));
  const a = after.map((item) => JSON.stringify(item));
  const pairs = b.length * a.length <= 250_000 ? commonSubsequence(b, a) : [];
  let i = 0;
  let j = 0;
  for (const [mi, mj] of [...pairs, [b.length, a.length]]) {
    // The gap before this match: before[i..mi) against after[j..mj).
    while (i < mi && j < mj) diffAt(`${path}[${j}]`, before[i++], after[j++], out);
    while (i < mi) {
      pushWhole('removed', `${path}[${i}]`, before[i], out);
      i++;
    }
    while (j < mj) {
      pushWhole('added', `${path}[${j}]`, after[j], out);
      j++;
    }
    i = mi + 1;
    j = mj + 1;
  }
}

/** Index pairs of a longest common subsequence of two lists of strings, in order. */
function commonSubsequence(b: string[], a: string[]): [number, number][] {
  const lengths = Array.from({ length: b.length + 1 }, () => new Array<number>(a.length + 1).fill(0));
  for (let i = b.length - 1; i >= 0; i--) {
    for (let j = a.length - 1; j >= 0; j--) {
      lengths[i][j] = b[i] === a[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < b.length && j < a.length) {
    if (b[i] === a[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (lengths[i + 1][j] >= lengths[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

/**
 * Reports a field added or removed as a whole: in one line when its value is short, else as
 * one line per leaf, so that no part of it is cut off.
 */
function pushWhole(kind: 'added' | 'removed', path: string, value: unknown, out: FieldChange[]): void {
  const compact = (isPlainObject(value) || Array.isArray(value)) && JSON.stringify(value).length > MAX_VALUE;
  if (!compact) {
    out.push(kind === 'added' ? { kind, path, after: value } : { kind, path, before: value });
    return;
  }
  const empty = isPlainObject(value) ? {} : [];
  // The leaves are the differences from an empty value of the same shape.
  for (const leaf of diffObjects(empty, value)) {
    if (leaf.kind === 'added') pushWhole(kind, `${path}${leaf.path.startsWith('[') ? '' : '.'}${leaf.path}`, leaf.after, out);
  }
}

/** The items' `name`s when every item is an object with a unique string `name`; else undefined. */
function itemNames(items: unknown[]): string[] | undefined {
  const names = items.map((item) => (isPlainObject(item) && typeof item.name === 'string' ? item.name : undefined));
  if (names.some((n) => n === undefined)) return undefined;
  return new Set(names).size === names.length ? (names as string[]) : undefined;
}

function childPath(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b);
}

/** The longest value printed before it is cut (`...`). */
const MAX_VALUE = 160;

/**
 * One line per field change: `path: a -> b`, `+ path: value`, `- path: value`, or
 * `path: order [a, b] -> [b, a]`. Values are compact (plain strings unquoted unless YAML would
 * read them otherwise, JSON flow for the rest), long ones cut; multi-line strings are summarized
 * as line counts.
 */
export function formatFieldChange(change: FieldChange): string {
  switch (change.kind) {
    case 'added':
      return `+ ${change.path}: ${formatValue(change.after)}`;
    case 'removed':
      return `- ${change.path}: ${formatValue(change.before)}`;
    case 'reordered':
      return `${change.path}: order [${change.before.join(', ')}] -> [${change.after.join(', ')}]`;
    case 'changed': {
      const { before, after } = change;
      if (typeof before === 'string' && typeof after === 'string') {
        if (before.includes('\n') || after.includes('\n')) return `${change.path}: ${describeTextChange(before, after)}`;
        if (before.length > MAX_VALUE || after.length > MAX_VALUE) {
          // Cut the common beginning, so that the part that differs stays visible.
          let common = 0;
          while (common < before.length && before[common] === after[common]) common++;
          const from = Math.max(0, common - 20);
          const cut = (s: string) => formatValue(from > 0 ? `...${s.slice(from)}` : s);
          return `${change.path}: ${cut(before)} -> ${cut(after)}`;
        }
      }
      return `${change.path}: ${formatValue(before)} -> ${formatValue(after)}`;
    }
  }
}

/** A compact one-line rendering of a value: plain strings as they are, others as JSON, cut after 160 characters. */
export function formatValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string' && value.includes('\n')) text = `(${lineCount(value)} lines of text)`;
  else if (typeof value === 'string' && isPlainString(value)) text = value;
  else text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 3)}...` : text;
}

function isPlainString(s: string): boolean {
  return (
    /^(\.\.\.|-+)?[A-Za-z0-9_./][A-Za-z0-9_./:@=+~%*-]*$/.test(s)
    && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(s)
    && Number.isNaN(Number(s))
  );
}

export function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The lines of `after` not in `before` and the other way round, counted with multiplicity. */
export function lineChanges(before: string, after: string): { added: number; removed: number } {
  const lines = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
  const counts = new Map<string, number>();
  for (const line of lines(before)) counts.set(line, (counts.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of lines(after)) {
    const n = counts.get(line) ?? 0;
    if (n > 0) counts.set(line, n - 1);
    else added++;
  }
  let removed = 0;
  for (const n of counts.values()) removed += n;
  return { added, removed };
}

function describeTextChange(before: string, after: string): string {
  const { added, removed } = lineChanges(before, after);
  return `${lineCount(before)} -> ${lineCount(after)} lines (+${added} -${removed})`;
}

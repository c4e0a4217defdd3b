import * as yaml from 'js-yaml';
import { DNS_SET_IDENTIFIER, DNS_WEIGHT } from '../delivery';

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
    while (i < mi) { pushWhole('removed', `${path}[${i}]`, before[i], out); i++; }
    while (j < mj) { pushWhole('added', `${path}[${j}]`, after[j], out); j++; }
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
    if (b[i] === a[j]) { pairs.push([i, j]); i++; j++; } else if (lengths[i + 1][j] >= lengths[i][j + 1]) i++; else j++;
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

function isPlainObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
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
  return /^(\.\.\.|-+)?[A-Za-z0-9_./][A-Za-z0-9_./:@=+~%*-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(s) && Number.isNaN(Number(s));
}

function lineCount(text: string): number {
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

/** The kinds of change a reviewer must not miss. */
export type ReviewFlag = 'active-colour' | 'rbac' | 'network' | 'data';

/** Every review flag, in the order they are reported. */
export const REVIEW_FLAGS: readonly ReviewFlag[] = ['active-colour', 'rbac', 'network', 'data'];

/** How each flag is named in the report. */
export const REVIEW_FLAG_LABELS: Readonly<Record<ReviewFlag, string>> = {
  'active-colour': 'active colour',
  'rbac': 'RBAC',
  'network': 'network',
  'data': 'data',
};

/** One object that a change adds, removes or changes. */
export interface ObjectChangeSubject {
  /** The component it is placed in, e.g. `edge`, `data`, `green-data`. */
  readonly component: string;
  /** The manifest after the change (before it, for a removed object). */
  readonly manifest: any;
  /** The changed fields; undefined when the whole object is added or removed. */
  readonly fields?: readonly FieldChange[];
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const ISTIO_SECURITY_KINDS = new Set(['AuthorizationPolicy', 'PeerAuthentication']);
const CNPG_KINDS = new Set(['Cluster', 'Pooler', 'ScheduledBackup', 'Backup']);

/**
 * The review flags of a change to one object:
 * - **active colour**: a router object: an HTTPRoute in an edge component whose `spec` changes
 *   (or that is added or removed), or a Gateway whose weighted-DNS annotations change (the
 *   switch of the cluster-per-color topology; also when such a Gateway is added or removed);
 * - **RBAC**: Role, ClusterRole, RoleBinding, ClusterRoleBinding (rbac.authorization.k8s.io) and
 *   ServiceAccount;
 * - **network**: NetworkPolicy (networking.k8s.io), Istio AuthorizationPolicy and PeerAuthentication;
 * - **data**: any object of a data component (`data`, `<colour>-data`), CloudNativePG Cluster,
 *   Pooler, ScheduledBackup and Backup, Velero Schedule, PersistentVolumeClaims, and
 *   StatefulSets with volume claim templates.
 */
export function reviewFlags(subject: ObjectChangeSubject): ReviewFlag[] {
  const { component, manifest, fields } = subject;
  const kind: string = manifest?.kind ?? '';
  const group = apiGroup(manifest?.apiVersion);
  const whole = fields === undefined;
  const flags = new Set<ReviewFlag>();

  const isEdge = component === 'edge' || component.endsWith('-edge');
  if (kind === 'HTTPRoute' && isEdge && (whole || fields.some((f) => f.path === 'spec' || f.path.startsWith('spec.')))) flags.add('active-colour');
  if (kind === 'Gateway') {
    const annotations = manifest?.metadata?.annotations ?? {};
    const weighted = whole ? DNS_WEIGHT in annotations : fields.some((f) => touchesKey(f, DNS_WEIGHT) || touchesKey(f, DNS_SET_IDENTIFIER));
    if (weighted) flags.add('active-colour');
  }

  if ((RBAC_KINDS.has(kind) && group === 'rbac.authorization.k8s.io') || (kind === 'ServiceAccount' && group === '')) flags.add('rbac');

  if ((kind === 'NetworkPolicy' && group === 'networking.k8s.io') || (ISTIO_SECURITY_KINDS.has(kind) && group === 'security.istio.io')) flags.add('network');

  const isDataComponent = component === 'data' || component.endsWith('-data');
  if (
    isDataComponent
    || (CNPG_KINDS.has(kind) && group === 'postgresql.cnpg.io')
    || (kind === 'Schedule' && group === 'velero.io')
    || (kind === 'PersistentVolumeClaim' && group === '')
    || (kind === 'StatefulSet' && group === 'apps' && (manifest?.spec?.volumeClaimTemplates?.length ?? 0) > 0)
  ) flags.add('data');

  return REVIEW_FLAGS.filter((f) => flags.has(f));
}

/** Whether a field change is at map key `key` or adds, removes or changes a map holding it. */
function touchesKey(change: FieldChange, key: string): boolean {
  if (change.path.includes(JSON.stringify(key))) return true;
  if (change.kind === 'reordered') return false;
  const holds = (value: unknown) => isPlainObject(value) && JSON.stringify(value).includes(JSON.stringify(key));
  return holds('before' in change ? change.before : undefined) || holds('after' in change ? change.after : undefined);
}

function apiGroup(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** A manifest (one object per file, `manifests/<region>/<component>/<file>`) that a change adds, removes or changes. */
export interface ObjectChange {
  readonly change: 'added' | 'removed' | 'changed';
  /** Path below the output directory. */
  readonly path: string;
  readonly region: string;
  readonly component: string;
  readonly kind: string;
  /** `<namespace>/<name>`, or `<name>` for a cluster-scoped object. */
  readonly name: string;
  /** The changed fields (empty for an added or removed object). */
  readonly fields: FieldChange[];
  readonly flags: ReviewFlag[];
}

/** Any other file (reports, runbooks, Argo CD, Helm charts…), compared as text. */
export interface FileChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly path: string;
  /** Lines before and after (0 on the side where the file does not exist). */
  readonly linesBefore: number;
  readonly linesAfter: number;
  /** Lines added and removed, counted with multiplicity (not a positional diff). */
  readonly linesAdded: number;
  readonly linesRemoved: number;
  /** For a changed Helm chart's `values.yaml`: the changed values. @default - not compared field by field */
  readonly fields?: FieldChange[];
}

/** What differs between two output trees. */
export interface TreeDiff {
  readonly objects: ObjectChange[];
  readonly files: FileChange[];
  /** The number of paths present and identical in both trees. */
  readonly unchanged: number;
}

const MANIFEST_PATH = /^manifests\/([^/]+)\/([^/]+)\/[^/]+\.ya?ml$/;
/** A generated Helm chart's templates: the manifests again, with values in them. */
const HELM_TEMPLATES = /^helm\/[^/]+\/templates(?=\/)/;
/** A generated Helm chart's default values: they follow the release state, so they are compared value by value. */
const HELM_VALUES_PATH = /^helm\/[^/]+\/values\.yaml$/;

/**
 * Compares two output trees (path below the output directory to content). Files under
 * `manifests/<region>/<component>/` that hold one Kubernetes object are compared field by field;
 * every other file as text. Both lists are sorted by path.
 */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): TreeDiff {
  const objects: ObjectChange[] = [];
  const files: FileChange[] = [];
  let unchanged = 0;
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(path);
    const a = after.get(path);
    if (b === a) {
      unchanged++;
      continue;
    }
    const change = b === undefined ? 'added' : a === undefined ? 'removed' : 'changed';
    const place = MANIFEST_PATH.exec(path);
    const manifestBefore = place && b !== undefined ? parseObject(b) : undefined;
    const manifestAfter = place && a !== undefined ? parseObject(a) : undefined;
    const readable = place && (b === undefined || manifestBefore) && (a === undefined || manifestAfter);
    if (place && readable) {
      const manifest = manifestAfter ?? manifestBefore;
      const fields = change === 'changed' ? diffObjects(manifestBefore, manifestAfter) : [];
      const [, region, component] = place;
      objects.push({
        change,
        path,
        region,
        component,
        kind: String(manifest.kind),
        name: manifest.metadata?.namespace ? `${manifest.metadata.namespace}/${manifest.metadata.name}` : String(manifest.metadata?.name),
        fields,
        flags: reviewFlags({ component, manifest, fields: change === 'changed' ? fields : undefined }),
      });
    } else {
      const lines = lineChanges(b ?? '', a ?? '');
      const fields = change === 'changed' && HELM_VALUES_PATH.test(path) ? valuesChanges(b!, a!) : undefined;
      files.push({
        change, path, linesBefore: b === undefined ? 0 : lineCount(b), linesAfter: a === undefined ? 0 : lineCount(a), linesAdded: lines.added, linesRemoved: lines.removed,
        ...(fields ? { fields } : {}),
      });
    }
  }
  return { objects, files, unchanged };
}

/** One Kubernetes object parsed from YAML, or undefined when the text is not exactly that. */
function parseObject(text: string): any {
  try {
    const value: any = yaml.load(text);
    return isPlainObject(value) && typeof value.kind === 'string' && isPlainObject(value.metadata) ? value : undefined;
  } catch {
    return undefined;
  }
}

function valuesChanges(before: string, after: string): FieldChange[] | undefined {
  try {
    return diffObjects(yaml.load(before), yaml.load(after));
  } catch {
    return undefined;
  }
}

/** Whether the two trees differ at all. */
export function treesDiffer(diff: TreeDiff): boolean {
  return diff.objects.length > 0 || diff.files.length > 0;
}

export interface FormatTreeDiffOptions {
  /** How the first tree is named, e.g. `dist/` or `dist/ at HEAD~1`. */
  readonly before: string;
  /** How the second tree is named, e.g. `a fresh synthesis`. */
  readonly after: string;
  /** Changes to the release state's active colours (`regions.<r>.activeColor`), shown with the active-colour changes. @default - none */
  readonly releaseChanges?: readonly { readonly file: string; readonly change: FieldChange }[];
}

const MARK = { added: '+', removed: '-', changed: '~' } as const;

/** Above this many files added (or removed) in one group, the report gives the group's count instead of each file. */
export const FILE_LIST_LIMIT = 10;

/**
 * The report of a tree diff: a headline with the counts; the changes a reviewer must not miss
 * (active colour, RBAC, network, data), the counts per region and component (files per top
 * folder), then each change: objects with their changed fields, files with line counts.
 */
export function formatTreeDiff(diff: TreeDiff, options: FormatTreeDiffOptions): string {
  // The Helm charts' default live colour follows the release state: shown with it.
  const chartColours = diff.files.flatMap((f) => (f.fields ?? []).filter((c) => c.path === 'activeColor').map((change) => ({ file: f.path, change })));
  const releaseChanges = [...(options.releaseChanges ?? []), ...chartColours];
  if (!treesDiffer(diff) && releaseChanges.length === 0) return `alp diff: ${options.before} matches ${options.after} (${diff.unchanged} files)\n`;
  const lines: string[] = [];
  const count = (items: readonly { change: string }[], change: string) => items.filter((i) => i.change === change).length;
  const counts = (items: readonly { change: string }[]) => `${count(items, 'added')} added, ${count(items, 'removed')} removed, ${count(items, 'changed')} changed`;
  lines.push(`alp diff: ${options.before} differs from ${options.after}: objects ${counts(diff.objects)}; other files ${counts(diff.files)}`);

  const objectLine = (o: ObjectChange) => `${MARK[o.change]} ${o.path}: ${o.kind} ${o.name}`;
  const flagged = REVIEW_FLAGS.map((flag) => ({ flag, objects: diff.objects.filter((o) => o.flags.includes(flag)) }));
  if (flagged.some((f) => f.objects.length > 0) || releaseChanges.length > 0) {
    lines.push('', 'must not miss:');
    for (const { flag, objects } of flagged) {
      const release = flag === 'active-colour' ? releaseChanges : [];
      if (objects.length === 0 && release.length === 0) continue;
      lines.push(`  ${REVIEW_FLAG_LABELS[flag]}: ${plural(objects.length, 'object')}${release.length > 0 ? ' and the release state' : ''}`);
      for (const r of release) lines.push(`    ${r.file}: ${formatFieldChange(r.change)}`);
      for (const o of objects) lines.push(`    ${objectLine(o)}`);
    }
  }

  const groups = new Map<string, { added: number; removed: number; changed: number; files: boolean }>();
  const tally = (group: string, change: 'added' | 'removed' | 'changed', files: boolean) => {
    const g = groups.get(group) ?? { added: 0, removed: 0, changed: 0, files };
    g[change]++;
    groups.set(group, g);
  };
  for (const o of diff.objects) tally(`${o.region}/${o.component}`, o.change, false);
  for (const f of diff.files) tally(fileGroup(f.path), f.change, true);
  if (groups.size > 0) {
    lines.push('', 'by region and component:');
    const width = Math.max(...[...groups.keys()].map((k) => k.length));
    for (const [group, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const parts = (['added', 'removed', 'changed'] as const).filter((c) => g[c] > 0).map((c) => (g.files ? `${g[c]} ${c} file${g[c] === 1 ? '' : 's'}` : `${g[c]} ${c}`));
      lines.push(`  ${group.padEnd(width)}  ${parts.join(', ')}`);
    }
  }

  if (diff.objects.length > 0 || diff.files.length > 0) {
    lines.push('', 'changes:');
    for (const o of diff.objects) {
      const flags = o.flags.length > 0 ? ` [${o.flags.map((f) => REVIEW_FLAG_LABELS[f]).join(', ')}]` : '';
      lines.push(`${objectLine(o)}${flags}`);
      for (const field of o.fields) lines.push(`    ${formatFieldChange(field)}`);
    }
    // Many files added or removed in one group (a new chart, a new region) take one line, and so
    // do a chart's templates: they repeat the manifests' changes listed above.
    const groupOf = (f: FileChange) => HELM_TEMPLATES.exec(f.path)?.[0] ?? fileGroup(f.path);
    const batches = new Map<string, FileChange[]>();
    for (const f of diff.files) {
      const key = `${f.change} ${groupOf(f)}`;
      batches.set(key, [...(batches.get(key) ?? []), f]);
    }
    const collapsed = new Set<string>();
    for (const f of diff.files) {
      const key = `${f.change} ${groupOf(f)}`;
      const batch = batches.get(key)!;
      if (HELM_TEMPLATES.test(f.path) || (f.change !== 'changed' && batch.length > FILE_LIST_LIMIT)) {
        if (collapsed.has(key)) continue;
        collapsed.add(key);
        const sum = (lines: (b: FileChange) => number) => batch.reduce((total, b) => total + lines(b), 0);
        const detail = f.change === 'added' ? plural(sum((b) => b.linesAfter), 'line')
          : f.change === 'removed' ? plural(sum((b) => b.linesBefore), 'line')
            : `+${sum((b) => b.linesAdded)} -${sum((b) => b.linesRemoved)} lines`;
        lines.push(`${MARK[f.change]} ${groupOf(f)}/: ${plural(batch.length, 'file')}, ${detail}`);
        continue;
      }
      const detail = f.change === 'added' ? plural(f.linesAfter, 'line') : f.change === 'removed' ? plural(f.linesBefore, 'line') : `${f.linesBefore} -> ${f.linesAfter} lines (+${f.linesAdded} -${f.linesRemoved})`;
      lines.push(`${MARK[f.change]} ${f.path}: ${detail}`);
      for (const field of f.fields ?? []) lines.push(`    ${formatFieldChange(field)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The group of a file that is not a manifest: its first folder (`reports`), `helm/<chart>`, or `manifests/<region>/<component>`. */
function fileGroup(path: string): string {
  const parts = path.split('/');
  if (parts.length === 1) return '(top)';
  if ((parts[0] === 'helm' || parts[0] === 'manifests') && parts.length > 2) return parts.slice(0, parts[0] === 'manifests' && parts.length > 3 ? 3 : 2).join('/');
  return parts[0];
}

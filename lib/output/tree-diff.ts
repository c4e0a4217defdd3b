import * as yaml from 'js-yaml';
import { isPlainObject } from '../core';
import { diffObjects, FieldChange, formatFieldChange, lineChanges, lineCount } from './field-diff';
import { REVIEW_FLAG_LABELS, REVIEW_FLAGS, ReviewFlag, reviewFlags } from './review-flags';

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
        change,
        path,
        linesBefore: b === undefined ? 0 : lineCount(b),
        linesAfter: a === undefined ? 0 : lineCount(a),
        linesAdded: lines.added,
        linesRemoved: lines.removed,
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
  const chartColours = diff.files.flatMap((f) =>
    (f.fields ?? []).filter((c) => c.path === 'activeColor').map((change) => ({ file: f.path, change })),
  );
  const releaseChanges = [...(options.releaseChanges ?? []), ...chartColours];
  if (!treesDiffer(diff) && releaseChanges.length === 0)
    return `alp diff: ${options.before} matches ${options.after} (${diff.unchanged} files)\n`;
  const count = (items: readonly { change: string }[], change: string) => items.filter((i) => i.change === change).length;
  const counts = (items: readonly { change: string }[]) =>
    `${count(items, 'added')} added, ${count(items, 'removed')} removed, ${count(items, 'changed')} changed`;
  const lines = [
    `alp diff: ${options.before} differs from ${options.after}: objects ${counts(diff.objects)}; other files ${counts(diff.files)}`,
    ...mustNotMissLines(diff, releaseChanges),
    ...groupCountLines(diff),
    ...changeLines(diff),
  ];
  return `${lines.join('\n')}\n`;
}

function objectLine(o: ObjectChange): string {
  return `${MARK[o.change]} ${o.path}: ${o.kind} ${o.name}`;
}

/** The "must not miss" section: the flagged objects per review flag, the release state's colour changes with the active colour. */
function mustNotMissLines(diff: TreeDiff, releaseChanges: NonNullable<FormatTreeDiffOptions['releaseChanges']>): string[] {
  const flagged = REVIEW_FLAGS.map((flag) => ({ flag, objects: diff.objects.filter((o) => o.flags.includes(flag)) }));
  if (!flagged.some((f) => f.objects.length > 0) && releaseChanges.length === 0) return [];
  const lines = ['', 'must not miss:'];
  for (const { flag, objects } of flagged) {
    const release = flag === 'active-colour' ? releaseChanges : [];
    if (objects.length === 0 && release.length === 0) continue;
    lines.push(`  ${REVIEW_FLAG_LABELS[flag]}: ${plural(objects.length, 'object')}${release.length > 0 ? ' and the release state' : ''}`);
    for (const r of release) lines.push(`    ${r.file}: ${formatFieldChange(r.change)}`);
    for (const o of objects) lines.push(`    ${objectLine(o)}`);
  }
  return lines;
}

/** The counts per region and component (objects), and per file group (other files). */
function groupCountLines(diff: TreeDiff): string[] {
  const groups = new Map<string, { added: number; removed: number; changed: number; files: boolean }>();
  const tally = (group: string, change: 'added' | 'removed' | 'changed', files: boolean) => {
    const g = groups.get(group) ?? { added: 0, removed: 0, changed: 0, files };
    g[change]++;
    groups.set(group, g);
  };
  for (const o of diff.objects) tally(`${o.region}/${o.component}`, o.change, false);
  for (const f of diff.files) tally(fileGroup(f.path), f.change, true);
  if (groups.size === 0) return [];
  const lines = ['', 'by region and component:'];
  const width = Math.max(...[...groups.keys()].map((k) => k.length));
  for (const [group, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const parts = (['added', 'removed', 'changed'] as const)
      .filter((c) => g[c] > 0)
      .map((c) => (g.files ? `${g[c]} ${c} file${g[c] === 1 ? '' : 's'}` : `${g[c]} ${c}`));
    lines.push(`  ${group.padEnd(width)}  ${parts.join(', ')}`);
  }
  return lines;
}

/** The "changes" section: each object with its changed fields, then the files. */
function changeLines(diff: TreeDiff): string[] {
  if (diff.objects.length === 0 && diff.files.length === 0) return [];
  const lines = ['', 'changes:'];
  for (const o of diff.objects) {
    const flags = o.flags.length > 0 ? ` [${o.flags.map((f) => REVIEW_FLAG_LABELS[f]).join(', ')}]` : '';
    lines.push(`${objectLine(o)}${flags}`);
    for (const field of o.fields) lines.push(`    ${formatFieldChange(field)}`);
  }
  lines.push(...fileChangeLines(diff.files));
  return lines;
}

/**
 * The changed files with their line counts. Many files added or removed in one group (a new
 * chart, a new region) take one line, and so do a chart's templates: they repeat the manifests'
 * changes listed above.
 */
function fileChangeLines(files: readonly FileChange[]): string[] {
  const groupOf = (f: FileChange) => HELM_TEMPLATES.exec(f.path)?.[0] ?? fileGroup(f.path);
  const batches = new Map<string, FileChange[]>();
  for (const f of files) {
    const key = `${f.change} ${groupOf(f)}`;
    batches.set(key, [...(batches.get(key) ?? []), f]);
  }
  const lines: string[] = [];
  const collapsed = new Set<string>();
  for (const f of files) {
    const key = `${f.change} ${groupOf(f)}`;
    const batch = batches.get(key)!;
    if (HELM_TEMPLATES.test(f.path) || (f.change !== 'changed' && batch.length > FILE_LIST_LIMIT)) {
      if (collapsed.has(key)) continue;
      collapsed.add(key);
      const sum = (linesOf: (b: FileChange) => number) => batch.reduce((total, b) => total + linesOf(b), 0);
      const detail =
        f.change === 'added'
          ? plural(
              sum((b) => b.linesAfter),
              'line',
            )
          : f.change === 'removed'
            ? plural(
                sum((b) => b.linesBefore),
                'line',
              )
            : `+${sum((b) => b.linesAdded)} -${sum((b) => b.linesRemoved)} lines`;
      lines.push(`${MARK[f.change]} ${groupOf(f)}/: ${plural(batch.length, 'file')}, ${detail}`);
      continue;
    }
    const detail =
      f.change === 'added'
        ? plural(f.linesAfter, 'line')
        : f.change === 'removed'
          ? plural(f.linesBefore, 'line')
          : `${f.linesBefore} -> ${f.linesAfter} lines (+${f.linesAdded} -${f.linesRemoved})`;
    lines.push(`${MARK[f.change]} ${f.path}: ${detail}`);
    for (const field of f.fields ?? []) lines.push(`    ${formatFieldChange(field)}`);
  }
  return lines;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The group of a file that is not a manifest: its first folder (`reports`), `helm/<chart>`, or `manifests/<region>/<component>`. */
function fileGroup(path: string): string {
  const parts = path.split('/');
  if (parts.length === 1) return '(top)';
  if ((parts[0] === 'helm' || parts[0] === 'manifests') && parts.length > 2)
    return parts.slice(0, parts[0] === 'manifests' && parts.length > 3 ? 3 : 2).join('/');
  return parts[0];
}

/**
 * What `alp stage` changes in release.yaml: a colour's images and staged configuration, for every
 * region (the colour's own entries, and any region's entries for the same service) or for one
 * region (that region's entries, starting from the colour's). The result is validated by the
 * synthesis that follows; these functions only place the values.
 */
import { UsageError } from './failure';

/** One `--set <service>.<field>=<value>` or `--unset <service>[.<field>]`. */
export interface ConfigEdit {
  readonly service: string;
  /** The field below the service's configuration, e.g. `['env', 'LOG_LEVEL']`; empty: the whole entry. */
  readonly path: readonly string[];
  /** The value to set; undefined to remove. */
  readonly value?: string | number | boolean;
}

/** An image to stage. */
export interface ImageEdit {
  readonly service: string;
  readonly reference: string;
}

type Json = Record<string, unknown>;

/** The fields of a service's configuration that `--set` takes, with how its value is read. */
const FIELD_TYPES: ReadonlyArray<{ readonly path: readonly string[]; readonly type: 'string' | 'integer' | 'boolean' }> = [
  { path: ['env', '*'], type: 'string' },
  { path: ['featureFlags', '*'], type: 'boolean' },
  { path: ['resources', 'requests', 'cpu'], type: 'string' },
  { path: ['resources', 'requests', 'memory'], type: 'string' },
  { path: ['resources', 'limits', 'cpu'], type: 'string' },
  { path: ['resources', 'limits', 'memory'], type: 'string' },
  { path: ['autoscaling', 'minReplicas'], type: 'integer' },
  { path: ['autoscaling', 'maxReplicas'], type: 'integer' },
  { path: ['replicas'], type: 'integer' },
  { path: ['secrets', '*', 'vaultKey'], type: 'string' },
];

const FIELD_LIST =
  'env.<NAME>, featureFlags.<flag>, resources.{requests,limits}.{cpu,memory}, autoscaling.{minReplicas,maxReplicas}, replicas, secrets.<name>.vaultKey';

const matches = (pattern: readonly string[], path: readonly string[]) =>
  pattern.length === path.length && pattern.every((part, i) => part === '*' || part === path[i]);

/** Parses `--set <service>.<field>=<value>`; the value is read as the field's type. */
export function parseSet(text: string): ConfigEdit {
  const at = text.indexOf('=');
  const [service, ...path] = (at < 0 ? text : text.slice(0, at)).split('.');
  const field = FIELD_TYPES.find((f) => matches(f.path, path));
  if (at <= 0 || !service || !field) {
    throw new UsageError(
      `alp stage: '--set' (${JSON.stringify(text)}) must have the form <service>.<field>=<value>, the field one of ${FIELD_LIST}`,
    );
  }
  const raw = text.slice(at + 1);
  if (field.type === 'boolean') {
    if (raw !== 'true' && raw !== 'false')
      throw new UsageError(`alp stage: '--set' (${JSON.stringify(text)}) must set a feature flag to true or false`);
    return { service, path, value: raw === 'true' };
  }
  if (field.type === 'integer') {
    if (!/^\d+$/.test(raw))
      throw new UsageError(`alp stage: '--set' (${JSON.stringify(text)}) must set ${path.join('.')} to a whole number`);
    return { service, path, value: Number(raw) };
  }
  return { service, path, value: raw };
}

/** Parses `--unset <service>[.<field>]`: the whole staged entry of the service, or one field of it. */
export function parseUnset(text: string): ConfigEdit {
  const [service, ...path] = text.split('.');
  if (!service || (path.length > 0 && !FIELD_TYPES.some((f) => matches(f.path.slice(0, path.length), path)))) {
    throw new UsageError(
      `alp stage: '--unset' (${JSON.stringify(text)}) must have the form <service> or <service>.<field>, the field one of ${FIELD_LIST}`,
    );
  }
  return { service, path };
}

/**
 * Stages images and configuration edits on `color`. Without `region`, on the colour itself and on
 * every region's own entry for the same service (so the stage reaches every region); with it, on
 * that region's entry only, which starts as a copy of the colour's.
 */
export function stageEdits(
  release: { regions: Record<string, Json>; colors: Record<string, Json> },
  color: string,
  region: string | undefined,
  images: readonly ImageEdit[],
  edits: readonly ConfigEdit[],
): void {
  const colorEntry = childOf(release.colors, color);
  const regionEntries = Object.entries(release.regions)
    .filter(([name]) => region === undefined || name === region)
    .map(([, r]) => r);
  if (region === undefined) {
    for (const { service, reference } of images) {
      setIn(colorEntry, ['images', service], reference);
      for (const r of regionEntries) removeIn(r, ['colors', color, 'images', service]);
    }
    for (const edit of edits) {
      applyEdit(colorEntry, edit, false);
      for (const r of regionEntries) {
        if (hasIn(r, ['colors', color, 'config', edit.service])) applyEdit(childOf(childOf(r, 'colors'), color), edit, true);
      }
    }
  } else {
    const own = childOf(childOf(regionEntries[0], 'colors'), color);
    for (const { service, reference } of images) setIn(own, ['images', service], reference);
    for (const edit of edits) {
      if (!hasIn(own, ['config', edit.service])) {
        const inherited = (colorEntry.config as Record<string, unknown> | undefined)?.[edit.service];
        setIn(own, ['config', edit.service], structuredClone(inherited ?? {}));
      }
      applyEdit(own, edit, true);
    }
  }
  // A region's image entries go once empty; its config entries stay (see applyEdit).
  for (const r of regionEntries) pruneEmpty(r, ['colors', color, 'images']);
  pruneEmpty(colorEntry, ['config']);
}

/**
 * Applies one edit to a colour's entry, or (`regional`) to a region's own entry for the colour.
 * A region's entry for a service replaces the colour's, so it stays, empty, when its last value
 * goes: `{}` means "nothing staged for this service in this region".
 */
function applyEdit(entry: Json, edit: ConfigEdit, regional: boolean): void {
  const path = ['config', edit.service, ...edit.path];
  if (edit.value !== undefined) {
    setIn(entry, path, edit.value);
  } else if (regional && edit.path.length === 0) {
    setIn(entry, path, {});
  } else {
    removeIn(entry, path);
    pruneEmpty(entry, path.slice(0, -1), regional ? 2 : 0);
  }
}

function childOf(object: Json, key: string): Json {
  if (typeof object[key] !== 'object' || object[key] === null) object[key] = {};
  return object[key] as Json;
}

function setIn(object: Json, path: readonly string[], value: unknown): void {
  let node = object;
  for (const key of path.slice(0, -1)) node = childOf(node, key);
  node[path[path.length - 1]] = value;
}

function hasIn(object: Json, path: readonly string[]): boolean {
  let node: unknown = object;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Json)[key];
  }
  return true;
}

function removeIn(object: Json, path: readonly string[]): void {
  if (!hasIn(object, path.slice(0, -1))) return;
  let node = object;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  delete node[path[path.length - 1]];
}

/** Removes the objects along `path` that are left empty, deepest first, down to `keep` levels (which stay). */
function pruneEmpty(object: Json, path: readonly string[], keep = 0): void {
  for (let depth = path.length; depth > keep; depth--) {
    const prefix = path.slice(0, depth);
    if (!hasIn(object, prefix)) continue;
    let node: unknown = object;
    for (const key of prefix) node = (node as Json)[key];
    if (typeof node === 'object' && node !== null && Object.keys(node).length === 0) removeIn(object, prefix);
  }
}

import * as yaml from 'js-yaml';

const DUMP_OPTIONS: yaml.DumpOptions = { lineWidth: -1, noRefs: true, quotingType: '"', noCompatMode: true };

/**
 * Serializes one manifest as YAML for review: keys in the order given (cdk8s sorts them,
 * with apiVersion, kind and metadata first), no line folding, no anchors or aliases.
 *
 * The output is exactly `yaml.dump(manifest, { lineWidth: -1, noRefs: true, quotingType: '"',
 * noCompatMode: true })` (js-yaml), produced several times faster for JSON-shaped data: the
 * block layout is written here, strings of printable ASCII are styled here by js-yaml's rules,
 * and other scalars by js-yaml itself (each distinct one once). Anything else (a value that is not JSON,
 * a key with a line break or over 1024 characters) is handed to js-yaml whole.
 */
export function toYaml(manifest: unknown): string {
  try {
    return writeDocument(manifest);
  } catch (e) {
    if (e !== NOT_JSON_SHAPED) throw e;
    return yaml.dump(manifest, DUMP_OPTIONS);
  }
}

const NOT_JSON_SHAPED = new Error('not JSON-shaped');

function writeDocument(value: unknown): string {
  if (value === undefined) return yaml.dump(value, DUMP_OPTIONS);
  const out: string[] = [];
  if (isPlainObject(value) && Object.keys(value).length > 0) writeMapping(out, value, 0, true);
  else if (Array.isArray(value) && value.length > 0) writeSequence(out, value, 0, true);
  else out.push(scalar(value, 0));
  out.push('\n');
  return out.join('');
}

const INDENTS: string[] = [];
/** '\n' and the indentation of `level`. */
function nextLine(level: number): string {
  return (INDENTS[level] ??= '\n' + '  '.repeat(level));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A block mapping of a non-empty object whose pairs are at `level` (as js-yaml's writeBlockMapping). */
function writeMapping(out: string[], object: Record<string, unknown>, level: number, compact: boolean): void {
  let first = true;
  for (const k of Object.keys(object)) {
    const value = object[k];
    if (value === undefined) continue; // js-yaml skips the pair
    if (!compact || !first) out.push(nextLine(level));
    first = false;
    out.push(key(k));
    writeValue(out, value, level + 1);
  }
  if (first) throw NOT_JSON_SHAPED; // only undefined values: js-yaml writes `{}` in block position
}

/** A block sequence of a non-empty array whose items are at `level` (as js-yaml's writeBlockSequence). */
function writeSequence(out: string[], array: readonly unknown[], level: number, compact: boolean): void {
  for (let i = 0; i < array.length; i++) {
    if (!compact || i > 0) out.push(nextLine(level));
    const item = array[i] === undefined ? null : array[i];
    if (isPlainObject(item) && Object.keys(item).length > 0) {
      out.push('- ');
      writeMapping(out, item, level + 1, true);
    } else if (Array.isArray(item) && item.length > 0) {
      out.push('- ');
      writeSequence(out, item, level + 1, true);
    } else {
      out.push('- ', scalar(item, level + 1));
    }
  }
}

/** `: ` or `:` and the value of a mapping pair, written at `level`. */
function writeValue(out: string[], value: unknown, level: number): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    out.push(':');
    writeMapping(out, value, level, false);
  } else if (Array.isArray(value) && value.length > 0) {
    out.push(':');
    writeSequence(out, value, level, false);
  } else {
    out.push(': ', scalar(value, level));
  }
}

const keyCache = new Map<string, string>();
const stringCache = new Map<string, string>();
const CACHE_LIMIT = 100_000;

function key(k: string): string {
  let text = keyCache.get(k);
  if (text === undefined) {
    if (k.includes('\n')) throw NOT_JSON_SHAPED; // styled differently as a key
    text = styleString(k);
    if (text.length > 1024) throw NOT_JSON_SHAPED; // an explicit pair (`? key`)
    if (keyCache.size >= CACHE_LIMIT) keyCache.clear();
    keyCache.set(k, text);
  }
  return text;
}

/** A scalar (or empty collection) written at `level`. */
function scalar(value: unknown, level: number): string {
  switch (typeof value) {
    case 'string': {
      let text = stringCache.get(value);
      if (text === undefined) {
        text = styleString(value);
        if (stringCache.size >= CACHE_LIMIT) stringCache.clear();
        stringCache.set(value, text);
      }
      // A literal block's lines are indented for its level; js-yaml styled it at the top.
      return text.charCodeAt(0) === 0x7c /* | */ ? literal(value, level) : text;
    }
    case 'number':
      return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : dumpScalar(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value) && value.length === 0) return '[]';
      if (isPlainObject(value) && Object.keys(value).length === 0) return '{}';
      throw NOT_JSON_SHAPED;
    default:
      throw NOT_JSON_SHAPED;
  }
}

/** The types js-yaml's default schema reads plain scalars as (null, bool, int, float, timestamp, merge). */
const IMPLICIT_TYPES: readonly { resolve(data: string): boolean }[] = (
  yaml.DEFAULT_SCHEMA as unknown as { compiledImplicit: { resolve(data: string): boolean }[] }
).compiledImplicit;

// Characters that may not start a plain scalar (js-yaml's isPlainSafeFirst, c-indicators): - ? : , [ ] { } # & * ! | = > ' " % @ `
const NOT_PLAIN_FIRST = new Set([...'-?:,[]{}#&*!|=>\'"%@`'].map((c) => c.charCodeAt(0)));

/**
 * How js-yaml writes the string as a value at the top level (as a key too when it has no line
 * break). Strings of printable ASCII are decided here with js-yaml's rules (chooseScalarStyle for
 * a block context, testImplicitResolving, escapeString); others are dumped by js-yaml.
 */
function styleString(value: string): string {
  if (value.length === 0) return '""';
  let plain = !NOT_PLAIN_FIRST.has(value.charCodeAt(0)) && value.charCodeAt(0) !== 0x20;
  let escapes = false;
  let previous = -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return dumpScalar(value); // not printable ASCII: js-yaml decides
    if (c === 0x22 || c === 0x5c) escapes = true;
    // ns-plain-char in a block context: no ' #' and no ': '
    if ((c === 0x23 && (previous === 0x20 || previous === -1)) || (previous === 0x3a && c === 0x20)) plain = false;
    previous = c;
  }
  if (previous === 0x20 || previous === 0x3a) plain = false; // isPlainSafeLast
  if (plain && !IMPLICIT_TYPES.some((type) => type.resolve(value))) return value;
  return `"${escapes ? value.replace(/["\\]/g, '\\$&') : value}"`;
}

function dumpScalar(value: unknown): string {
  const text = yaml.dump(value, DUMP_OPTIONS);
  return text.slice(0, -1); // the document's final line break
}

/** js-yaml's literal block scalar (`|`) of `value` at `level` (writeScalar, STYLE_LITERAL). */
function literal(value: string, level: number): string {
  const indent = '  '.repeat(Math.max(1, level));
  const indicator = /^\n* /.test(value) ? '2' : '';
  const clip = value[value.length - 1] === '\n';
  const keep = clip && (value[value.length - 2] === '\n' || value === '\n');
  const chomp = keep ? '+' : clip ? '' : '-';
  let body = '';
  let position = 0;
  while (position < value.length) {
    const next = value.indexOf('\n', position);
    const line = next === -1 ? value.slice(position) : value.slice(position, next + 1);
    position = next === -1 ? value.length : next + 1;
    if (line.length > 0 && line !== '\n') body += indent;
    body += line;
  }
  if (body[body.length - 1] === '\n') body = body.slice(0, -1);
  return `|${indicator}${chomp}\n${body}`;
}

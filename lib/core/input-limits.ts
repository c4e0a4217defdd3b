import { readFileSync, statSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { AlpError, escapeControlCharacters } from './errors';

/**
 * Bounds on what a user's input file may make the tools do. A small file can describe a huge
 * value (YAML aliases of aliases, the "billion laughs"), so the parsed value is measured as the
 * tree a consumer walks, not as the text, and refused past the limit before anyone walks it.
 */
export interface InputLimits {
  /** Largest file, in bytes. */
  readonly maxBytes: number;
  /** Most nodes (mappings, sequences and scalars) in the parsed value, aliases expanded. @default 1_000_000 */
  readonly maxNodes?: number;
  /** Deepest nesting of mappings and sequences. @default 64 */
  readonly maxDepth?: number;
}

/** Default node budget: ~20x the largest manifest file the platform writes. */
export const DEFAULT_MAX_NODES = 1_000_000;
/** Default nesting depth: Kubernetes objects nest about 15 deep; a CRD schema about 40. */
export const DEFAULT_MAX_DEPTH = 64;

/** Formats a byte count as the limits are documented: `1 MiB`, `64 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Reads a text file no larger than `maxBytes`. Refuses a larger one (naming the limit) before
 * reading it, and turns OS errors into a user error naming the file.
 */
export function readBoundedText(path: string, maxBytes: number): string {
  try {
    const size = statSync(path).size;
    if (size > maxBytes) {
      throw new AlpError(
        `${path}: is ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)} for this input; split it or check that it is the right file`,
      );
    }
    return readFileSync(path, 'utf8');
  } catch (e: unknown) {
    if (AlpError.isAlpError(e)) throw e;
    // statSync and readFileSync throw Node's system errors.
    const error = e as NodeJS.ErrnoException;
    throw new AlpError(`${path}: cannot read the file (${error.code ?? error.message}); check that it exists and is readable`);
  }
}

/**
 * Refuses a parsed value that is larger than `maxNodes` when its aliases are expanded, nests
 * deeper than `maxDepth`, or has a `__proto__` key (which some consumers would treat as the
 * object's prototype). Stops walking at the first limit, so the cost is bounded by the limits.
 *
 * @param source names the input in the error (a file, or `<file> document 3`)
 */
export function checkParsedSize(value: unknown, source: string, limits: Omit<InputLimits, 'maxBytes'> = {}): void {
  const maxNodes = limits.maxNodes ?? DEFAULT_MAX_NODES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  let nodes = 0;
  const visit = (node: unknown, depth: number, path: string): void => {
    nodes += 1;
    if (nodes > maxNodes) {
      throw new AlpError(
        `${source}: expands to more than ${maxNodes.toLocaleString('en-US')} values (YAML aliases count once per use), over the input limit; write the values out or remove repeated aliases`,
      );
    }
    if (typeof node !== 'object' || node === null) return;
    if (depth >= maxDepth) {
      throw new AlpError(`${source}: '${path}' nests deeper than ${maxDepth} levels, over the input limit; flatten the structure`);
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, depth + 1, `${path}[${i}]`));
      return;
    }
    for (const key of Object.keys(node)) {
      const child = escapeControlCharacters(path === '' ? key : `${path}.${key}`);
      if (key === '__proto__') {
        throw new AlpError(`${source}: '${child}' is not an allowed key (JavaScript's prototype property); remove it`);
      }
      visit((node as Record<string, unknown>)[key], depth + 1, child);
    }
  };
  visit(value, 0, '');
}

/**
 * Parses one YAML (or JSON, which is YAML) document with the limits checked, turning a syntax
 * error into a user error with the file, line and column.
 */
export function parseBoundedYaml(
  text: string,
  source: string,
  limits: Omit<InputLimits, 'maxBytes'> = {},
  schema: yaml.Schema = yaml.DEFAULT_SCHEMA,
): unknown {
  let value: unknown;
  try {
    value = yaml.load(text, { filename: source, schema });
  } catch (e: unknown) {
    // A syntax error is a YAMLException; anything else thrown has no mark or reason and reports its message.
    const error = e as Partial<yaml.YAMLException>;
    const where = error.mark ? `:${error.mark.line + 1}:${error.mark.column + 1}` : '';
    const reason = String(error.reason ?? error.message).split('\n')[0];
    throw new AlpError(`${source}${where}: is not valid YAML: ${reason}; fix the syntax at that position`);
  }
  checkParsedSize(value, source, limits);
  return value;
}

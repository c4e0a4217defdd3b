import { AlpError } from '../../lib/core';
import { InputLimits, parseBoundedYaml, readBoundedText } from '../../lib/core/input-limits';

/**
 * Bounds on a platform spec file (`--spec`): 4 MiB, 1,000,000 values with YAML aliases expanded,
 * 32 levels of nesting. The platform's own spec is about 10 KiB; a spec of the most services
 * allowed (`MAX_SERVICES`) written out in full stays under the limits.
 */
export const SPEC_FILE_LIMITS: Required<InputLimits> = { maxBytes: 4 * 1024 * 1024, maxNodes: 1_000_000, maxDepth: 32 };

/**
 * Bounds on a release state file (`release.yaml`): 1 MiB, 100,000 values with aliases expanded,
 * 16 levels of nesting. A release of the most services allowed is about 0.5 MiB and 8,000 values.
 */
export const RELEASE_FILE_LIMITS: Required<InputLimits> = { maxBytes: 1024 * 1024, maxNodes: 100_000, maxDepth: 16 };

/**
 * Reads a YAML or JSON input file within `limits`: a larger file is refused before it is read,
 * a YAML alias bomb, nesting deeper than the limit or a `__proto__` key after parsing and
 * before anything walks the value. A missing, unreadable or unparsable file is a user error
 * that names the file and, for a syntax error, the line and column (`file:line:column: …`).
 *
 * @param limits @default SPEC_FILE_LIMITS (the larger input; read release.yaml with `readReleaseFile`)
 */
export function readDataFile(path: string, limits: InputLimits = SPEC_FILE_LIMITS): unknown {
  const text = readBoundedText(path, limits.maxBytes);
  try {
    // JSON is YAML: one parser gives both the same limits and the line and column of an error.
    return parseBoundedYaml(text, path, { maxNodes: limits.maxNodes, maxDepth: limits.maxDepth });
  } catch (e) {
    if (AlpError.isAlpError(e) && path.endsWith('.json'))
      throw new AlpError(e.message.replace(': is not valid YAML: ', ': is not valid JSON: '));
    throw e;
  }
}

/** Reads a release state file within `RELEASE_FILE_LIMITS`. */
export function readReleaseFile(path: string): unknown {
  return readDataFile(path, RELEASE_FILE_LIMITS);
}

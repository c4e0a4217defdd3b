import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { AlpError } from '../core';

/**
 * Reads a YAML or JSON input file. A missing or unparsable file is a user error that names
 * the file and, for YAML, the line.
 */
export function readDataFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: any) {
    throw new AlpError(`${path}: cannot read the file (${e.code ?? e.message})`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : yaml.load(text, { filename: path });
  } catch (e: any) {
    const where = e.mark ? ` (line ${e.mark.line + 1}, column ${e.mark.column + 1})` : '';
    const reason = e.reason ?? e.message.split('\n')[0];
    throw new AlpError(`${path}: is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${reason}${where}`);
  }
}

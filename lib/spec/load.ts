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
    throw new AlpError(`${path}: is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${e.message.split('\n')[0]}`);
  }
}

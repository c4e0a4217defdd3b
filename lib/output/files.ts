import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A pending transaction's folder in an output directory (see write.ts): not part of the tree. */
export const TRANSACTION_DIR = '.alp-txn';

/**
 * Every file below `dir` (relative path to content); empty when `dir` does not exist. Leaves out
 * the folder of a pending transaction.
 */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  const visit = (current: string) => {
    for (const entry of readdirSync(current).sort()) {
      if (current === dir && entry === TRANSACTION_DIR) continue;
      const full = join(current, entry);
      if (statSync(full).isDirectory()) visit(full);
      else files.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  visit(dir);
  return files;
}

/** The paths that `after` adds, removes or changes compared with `before`, sorted. */
export function changedPaths(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { changedPaths, readTree } from './files';

/**
 * Replaces `outdir` with exactly `files`: they are written to a temporary sibling directory
 * first, which then takes the place of `outdir`. A failure while writing leaves `outdir`
 * untouched, and files that are no longer produced never survive. When `outdir` already holds
 * exactly `files`, nothing is written (reading is far cheaper than creating files).
 *
 * @returns whether anything changed
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>): boolean {
  const target = resolve(outdir);
  if (changedPaths(readTree(target), files).length === 0 && existsSync(target)) return false;
  const parent = dirname(target);
  const staging = join(parent, `.${basename(target)}-staging-${process.pid}`);
  const retired = join(parent, `.${basename(target)}-retired-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const made = new Set<string>();
    for (const path of [...files.keys()].sort()) {
      const file = join(staging, path);
      const dir = dirname(file);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      writeFileSync(file, files.get(path)!);
    }
    mkdirSync(staging, { recursive: true });
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const hadTarget = existsSync(target);
  if (hadTarget) renameSync(target, retired);
  try {
    renameSync(staging, target);
  } catch (e) {
    if (hadTarget) renameSync(retired, target);
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  rmSync(retired, { recursive: true, force: true });
  return true;
}

import { dirname, resolve } from 'node:path';
import { recoverTree } from '../../lib/output/write';
import { acquireRepositoryLock, RepositoryLock } from './lock';

/** What a command reads and writes: the output directory and, for stage and switch-traffic, the release state. */
export interface RepositoryPaths {
  readonly outdir: string;
  /** Given when the command writes the release state. @default - the release state is only read */
  readonly writesRelease?: string;
}

/**
 * Runs `work` as one transaction on the repository: holding the exclusive lock of the output
 * directory's folder (and of the release state's, when the command writes it), after undoing
 * what an interrupted command left behind, so that release.yaml and the output never disagree
 * when `work` starts. The lock is released however `work` ends.
 */
export function inTransaction<T>(command: string, paths: RepositoryPaths, work: () => T): T {
  const folders = [dirname(resolve(paths.outdir))];
  if (paths.writesRelease !== undefined) folders.push(dirname(resolve(paths.writesRelease)));
  // One lock per folder, always taken in the same order, so that two commands never deadlock.
  const locks: RepositoryLock[] = [];
  try {
    for (const folder of [...new Set(folders)].sort()) locks.push(acquireRepositoryLock(folder, command));
    const recovery = recoverTree(paths.outdir);
    if (recovery !== undefined) {
      let what = 'deleted its unfinished staging; no file had changed';
      if (recovery.restored) what = `restored ${paths.outdir}/ and the release state to their state before it`;
      if (recovery.completed) what = 'its change was complete; removed what it left behind';
      const who = recovery.pid === 0 ? recovery.operation : `'${recovery.operation}' (pid ${recovery.pid}, started ${recovery.started})`;
      process.stderr.write(`alp: ${who} was interrupted; ${what}\n`);
    }
    return work();
  } finally {
    for (const lock of locks.reverse()) lock.release();
  }
}

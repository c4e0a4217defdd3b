import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readTree, TRANSACTION_DIR } from './files';

/*
 * TRANSACTION_DIR, inside the output directory, holds a transaction while it runs: the journal,
 * the new files (`new/`) and hard links to the files they replace (`old/`). It lives inside the
 * output directory so that every rename stays on one file system (the output directory may be a
 * mount point) and so that the output directory itself is never moved: there is no moment
 * without it. `readTree` and git (see .gitignore) leave it out.
 */
const JOURNAL = 'journal.json';
/** Suffix of a file written beside its target and renamed over it at commit (release.yaml). */
const STAGED_SUFFIX = '.alp-new';

/** A file outside the output directory that changes in the same transaction (e.g. release.yaml). */
export interface SideFile {
  readonly path: string;
  readonly content: string;
}

export interface WriteTreeOptions {
  /** Files outside the output directory written in the same transaction. @default - none */
  readonly alongside?: readonly SideFile[];
  /** Names the operation in the journal, for the recovery message. @default 'write' */
  readonly operation?: string;
}

interface Journal {
  readonly version: 1;
  /** 'prepare': only staging exists (roll back = delete it); 'commit': renames may have begun (roll back = restore). */
  readonly state: 'prepare' | 'commit';
  readonly operation: string;
  readonly pid: number;
  readonly started: string;
  /** Whether the transaction created the output directory (it is removed on roll-back). */
  readonly createdOutdir: boolean;
  /** Paths (relative to the output directory) written: added or changed. */
  readonly write: readonly string[];
  /** Paths removed. */
  readonly remove: readonly string[];
  /** Side files and their content before the transaction (null: did not exist). */
  readonly alongside: ReadonlyArray<{ readonly path: string; readonly before: string | null }>;
}

/** What `recoverTree` found and undid. */
export interface Recovery {
  /** The operation that was interrupted, e.g. `alp switch-traffic`. */
  readonly operation: string;
  readonly pid: number;
  readonly started: string;
  /** Whether renames had begun: the files were restored to their state before the operation. */
  readonly restored: boolean;
  /** Whether the operation had completed and only its clean-up was missing: its change stays. */
  readonly completed: boolean;
}

/**
 * Makes `outdir` hold exactly `files` (and each `alongside` file its content) as one
 * transaction, or changes nothing:
 *
 * 1. prepare: the new and changed files are written to `<outdir>/.alp-txn/new/`, the files they
 *    replace or remove are hard-linked to `.alp-txn/old/`, side files are written beside their
 *    targets; a failure here (full disk, read-only folder) deletes the staging and nothing else
 *    has changed;
 * 2. commit: the journal is marked, then each file is renamed into place (each rename is atomic,
 *    so every file is always complete and `outdir` always exists), removed files are deleted and
 *    side files renamed last; a failure here restores every file from `old/`;
 * 3. the journal is deleted, then the staging.
 *
 * A process killed at any point leaves a journal (or only staging) that `recoverTree` undoes
 * before the next command does anything else. When `outdir` already holds exactly `files` and
 * the side files are unchanged, nothing is written.
 *
 * @returns whether anything changed
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>, options: WriteTreeOptions = {}): boolean {
  return replaceTree(outdir, files, options).written;
}

/** What `replaceTree` did: whether it wrote, and the paths below the output directory it added, changed or removed. */
export interface TreeChange {
  readonly written: boolean;
  readonly changed: readonly string[];
}

/** `writeTree`, also telling which paths it changed (read from the tree it compares anyway). */
export function replaceTree(outdir: string, files: ReadonlyMap<string, string>, options: WriteTreeOptions = {}): TreeChange {
  const root = resolve(outdir);
  const before = readTree(root);
  const write = [...files.keys()].filter((path) => before.get(path) !== files.get(path)).sort();
  const remove = [...before.keys()].filter((path) => !files.has(path)).sort();
  const alongside = (options.alongside ?? []).map((side) => ({
    ...side,
    path: resolve(side.path),
    before: readIfExists(resolve(side.path)),
  }));
  const changedSides = alongside.filter((side) => side.before !== side.content);
  const changed = [...write, ...remove].sort();
  if (changed.length === 0 && changedSides.length === 0 && existsSync(root)) return { written: false, changed };

  const journal: Journal = {
    version: 1,
    state: 'prepare',
    operation: options.operation ?? 'write',
    pid: process.pid,
    started: new Date().toISOString(),
    createdOutdir: !existsSync(root),
    write,
    remove,
    alongside: changedSides.map(({ path, before: content }) => ({ path, before: content })),
  };
  const txn = join(root, TRANSACTION_DIR);
  const made = new Set<string>(); // folders known to exist: one mkdir per folder, not per file
  try {
    mkdirSync(root, { recursive: true });
    mkdirSync(txn); // not recursive: a recursive mkdir reports EROFS as ENOENT
    writeJournal(txn, journal);
    for (const path of write) writeFileMkdir(join(txn, 'new', path), files.get(path)!, made);
    for (const path of [...write, ...remove]) {
      if (before.has(path)) preserve(join(root, path), join(txn, 'old', path));
    }
    for (const side of changedSides) writeFileMkdir(side.path + STAGED_SUFFIX, side.content);
  } catch (e) {
    afterFailure(() => discardStaging(root, journal));
    throw e;
  }

  try {
    writeJournal(txn, { ...journal, state: 'commit' });
    for (const path of write) {
      ensureDir(dirname(join(root, path)), made);
      renameSync(join(txn, 'new', path), join(root, path));
    }
    for (const path of remove) {
      unlinkSync(join(root, path));
      pruneEmptyDirs(root, dirname(join(root, path)));
    }
    for (const side of changedSides) renameSync(side.path + STAGED_SUFFIX, side.path);
  } catch (e) {
    afterFailure(() => restore(root, journal));
    throw e;
  }
  // Committed: a failure to clean up now must not report the change as failed (recoverTree
  // finds every rename done and only cleans up).
  afterFailure(() => finish(root));
  return { written: true, changed };
}

/**
 * Undoes a transaction on `outdir` that a killed process left behind: restores every file and
 * side file from the journal, or deletes staging that never began to commit. Call it, holding the
 * repository's lock, before anything reads or writes `outdir`.
 *
 * @returns what was undone, or undefined when no transaction was pending
 */
export function recoverTree(outdir: string): Recovery | undefined {
  const root = resolve(outdir);
  const txn = join(root, TRANSACTION_DIR);
  if (!existsSync(txn)) return undefined;
  const journal = readJournal(txn);
  if (journal === undefined) {
    // Killed before the journal was written, or after it was deleted: staging only.
    rmSync(txn, { recursive: true, force: true });
    return { operation: 'an earlier command', pid: 0, started: '', restored: false, completed: false };
  }
  if (journal.state === 'prepare') {
    discardStaging(root, journal);
    return { operation: journal.operation, pid: journal.pid, started: journal.started, restored: false, completed: false };
  }
  if (isCommitted(root, journal)) {
    // Killed after its last rename: the change is complete (and may have been reported).
    finish(root);
    return { operation: journal.operation, pid: journal.pid, started: journal.started, restored: false, completed: true };
  }
  restore(root, journal);
  return { operation: journal.operation, pid: journal.pid, started: journal.started, restored: true, completed: false };
}

/** Whether every rename and removal of the commit is done (only the clean-up may be missing). */
function isCommitted(root: string, journal: Journal): boolean {
  const txn = join(root, TRANSACTION_DIR);
  return (
    journal.write.every((path) => !existsSync(join(txn, 'new', path)))
    && journal.remove.every((path) => !existsSync(join(root, path)))
    && journal.alongside.every((side) => !existsSync(side.path + STAGED_SUFFIX))
  );
}

/**
 * Undoes a failed transaction; if even that fails (the disk that just failed), the journal stays
 * for `recoverTree`, and the caller reports the first error, which says what went wrong.
 */
function afterFailure(undo: () => void): void {
  try {
    undo();
  } catch {
    // recoverTree finishes the job at the next command
  }
}

function restore(root: string, journal: Journal): void {
  const txn = join(root, TRANSACTION_DIR);
  const written = new Set(journal.write);
  for (const path of [...journal.write, ...journal.remove]) {
    const old = join(txn, 'old', path);
    const target = join(root, path);
    if (existsSync(old)) {
      mkdirSync(dirname(target), { recursive: true });
      renameSync(old, target);
    } else if (written.has(path)) {
      // Added by the transaction: it did not exist before.
      rmSync(target, { force: true });
      pruneEmptyDirs(root, dirname(target));
    }
  }
  for (const side of journal.alongside) {
    rmSync(side.path + STAGED_SUFFIX, { force: true });
    if (side.before === null) rmSync(side.path, { force: true });
    else if (readIfExists(side.path) !== side.before) {
      writeFileSync(side.path + STAGED_SUFFIX, side.before);
      renameSync(side.path + STAGED_SUFFIX, side.path);
    }
  }
  finish(root, journal.createdOutdir);
}

function discardStaging(root: string, journal: Journal): void {
  for (const side of journal.alongside) rmSync(side.path + STAGED_SUFFIX, { force: true });
  finish(root, journal.createdOutdir);
}

/** Deletes the journal first (the transaction is over), then the staging. */
function finish(root: string, removeEmptyRoot = false): void {
  const txn = join(root, TRANSACTION_DIR);
  rmSync(join(txn, JOURNAL), { force: true });
  rmSync(txn, { recursive: true, force: true });
  if (removeEmptyRoot && existsSync(root) && readdirSync(root).length === 0) rmdirSync(root);
}

function writeJournal(txn: string, journal: Journal): void {
  const staged = join(txn, `${JOURNAL}${STAGED_SUFFIX}`);
  writeFileMkdir(staged, JSON.stringify(journal));
  renameSync(staged, join(txn, JOURNAL));
}

function readJournal(txn: string): Journal | undefined {
  const text = readIfExists(join(txn, JOURNAL));
  if (text === null) return undefined;
  try {
    const journal = JSON.parse(text);
    return journal?.version === 1 ? journal : undefined;
  } catch {
    return undefined; // never half-written (renamed into place), so this is not our journal
  }
}

/** Keeps the current content of `file` at `keep`: a hard link (no copy), or a copy where links are not supported. */
function preserve(file: string, keep: string): void {
  mkdirSync(dirname(keep), { recursive: true });
  try {
    linkSync(file, keep);
  } catch {
    copyFileSync(file, keep);
  }
}

/** Creates `dir` (and its parents) unless `made` says it exists. */
function ensureDir(dir: string, made?: Set<string>): void {
  if (made?.has(dir)) return;
  mkdirSync(dir, { recursive: true });
  made?.add(dir);
}

function writeFileMkdir(file: string, content: string, made?: Set<string>): void {
  ensureDir(dirname(file), made);
  try {
    writeFileSync(file, content);
  } catch (e: any) {
    // A failed write (ENOSPC) names no file; the error message should.
    if (e.path === undefined) e.path = file;
    throw e;
  }
}

/** Removes `dir` and its parents up to (not including) `root` while they are empty. */
function pruneEmptyDirs(root: string, dir: string): void {
  for (let current = dir; current.startsWith(root + '/') && existsSync(current); current = dirname(current)) {
    if (readdirSync(current).length > 0) return;
    rmdirSync(current);
  }
}

function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e: any) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

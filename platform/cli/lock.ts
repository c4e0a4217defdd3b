import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { AlpError } from '../../lib/core';
import { shownPath } from './failure';

/** The lock file's name, in the folder that holds the release state (the repository). */
export const LOCK_FILE = '.alp.lock';
/** How long a command waits for another one's lock before it refuses, in ms (`ALP_LOCK_WAIT_MS`). */
export const DEFAULT_LOCK_WAIT_MS = 10_000;
const POLL_MS = 50;
/** A lock file without a readable holder (its writer was killed between create and write) is stale after this. */
const UNREADABLE_STALE_MS = 2_000;

/** Who holds a lock: written into the lock file, shown to a command that has to wait. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
  /** The holder process's start time (Linux /proc), so that a reused pid is not taken for it. */
  readonly processStart?: string;
}

/** An exclusive lock on a repository; `release()` it when done (also on errors). */
export interface RepositoryLock {
  readonly file: string;
  release(): void;
}

/**
 * Takes the exclusive lock of `folder` (the repository: the folder of the output directory and
 * of release.yaml): `stage`, `switch-traffic`, `synth` and `diff` hold it for their whole run, so
 * that no two commands read and write release.yaml and the output at once. A lock whose holder
 * is gone (killed) is taken over; a live holder is waited for, up to `waitMs`, then the command
 * refuses, naming it.
 */
export function acquireRepositoryLock(folder: string, command: string, waitMs = lockWaitFromEnv()): RepositoryLock {
  const file = join(resolve(folder), LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
    processStart: processStart(process.pid),
  };
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (tryCreate(file, me)) return { file, release: () => releaseIfMine(file, me) };
    const holder = readHolder(file);
    if (holder === 'gone') continue;
    if (isStale(file, holder)) {
      takeOverStale(file);
      continue;
    }
    if (Date.now() >= deadline) {
      const shown = shownPath(file);
      const who =
        holder === undefined ? 'another process' : `'${holder.command}' (pid ${holder.pid} on ${holder.host}, since ${holder.since})`;
      throw new AlpError(
        `${shown}: the repository is locked by ${who}; waited ${waitMs / 1000} s. Run the command again when it has finished; if that process no longer exists, delete ${shown}`,
      );
    }
    sleep(POLL_MS);
  }
}

function lockWaitFromEnv(): number {
  const value = Number(process.env.ALP_LOCK_WAIT_MS);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_LOCK_WAIT_MS;
}

function tryCreate(file: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } catch (e) {
    // A lock without a holder would make every other command wait: take it back (full disk).
    closeSync(fd);
    unlinkSync(file);
    const error = e as NodeJS.ErrnoException;
    if (error.path === undefined) error.path = file;
    throw error;
  }
  closeSync(fd);
  return true;
}

/** The holder, undefined when the file cannot be parsed (yet), 'gone' when it disappeared meanwhile. */
function readHolder(file: string): LockHolder | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const holder = JSON.parse(text);
    return typeof holder?.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

function isStale(file: string, holder: LockHolder | undefined): boolean {
  if (holder === undefined) {
    const age = ageMs(file);
    return age !== undefined && age > UNREADABLE_STALE_MS;
  }
  if (holder.host !== hostname()) return false; // cannot tell: another machine's process
  if (!isAlive(holder.pid)) return true;
  return holder.processStart !== undefined && processStart(holder.pid) !== holder.processStart;
}

/**
 * Moves a stale lock aside before deleting it: of two processes that both found it stale, only
 * one rename succeeds, so neither deletes a lock the other has just taken.
 */
function takeOverStale(file: string): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  unlinkSync(aside);
}

function releaseIfMine(file: string, me: LockHolder): void {
  const holder = readHolder(file);
  if (typeof holder === 'object' && holder.pid === me.pid && holder.since === me.since) unlinkSync(file);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number | undefined {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

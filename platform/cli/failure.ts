import { relative } from 'node:path';
import { AlpError, escapeControlCharacters } from '../../lib/core';

/** Escapes control characters (newlines, escape sequences) so that a message stays one line. */
const oneLine = escapeControlCharacters;

/**
 * A wrong command line (unknown command or option, a missing or malformed option value): the
 * CLI exits 2 for it, 1 for every other failure.
 */
export class UsageError extends AlpError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for a failure: 2 for a wrong command line, 1 otherwise. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError || isUsageError(error) ? 2 : 1;
}

/**
 * What the CLI says about each operating-system error a command can meet: what happened and
 * what to do. Every command stops before its commit or rolls its transaction back, so the
 * message can promise that nothing was changed.
 */
const OS_ERRORS: Readonly<Record<string, { readonly what: string; readonly fix: string }>> = {
  EACCES: { what: 'permission denied', fix: 'give the user running alp write access to it (or run as its owner)' },
  EPERM: { what: 'operation not permitted', fix: 'give the user running alp write access to it (or run as its owner)' },
  EROFS: { what: 'is on a read-only file system', fix: 'remount it read-write or choose another --outdir' },
  ENOSPC: { what: 'no space left on the device', fix: 'free some space and run the command again' },
  EDQUOT: { what: 'disk quota exceeded', fix: 'free some space and run the command again' },
  EBUSY: { what: 'is busy (in use by another process or a mount point)', fix: 'close what uses it, or choose another --outdir' },
  ENOENT: { what: 'does not exist', fix: 'check the path' },
  ENOTDIR: { what: 'a part of the path is not a folder', fix: 'check the path' },
  EISDIR: { what: 'is a folder where a file is expected', fix: 'check the path' },
  ELOOP: { what: 'too many levels of symbolic links (a symlink loop)', fix: 'remove or fix the symbolic link' },
  EMFILE: { what: 'too many open files', fix: "raise the limit ('ulimit -n') and run the command again" },
  ENAMETOOLONG: { what: 'the path is too long', fix: 'use a shorter path' },
  EEXIST: { what: 'already exists', fix: 'remove it and run the command again' },
  EXDEV: { what: 'crosses file systems (a mount point inside the output directory)', fix: 'keep the output directory on one file system' },
  EIO: { what: 'input/output error', fix: 'check the disk' },
};

/**
 * What the CLI prints on stderr for a failure: `error: <message>` on one line, and for a user
 * error with several problems, a headline and one indented line per problem; one line for an
 * operating-system error (path, what happened, the code, the fix) and one for a bug (its stack
 * only with `ALP_DEBUG=1`). Control characters in the text are escaped, so that input echoed in
 * a message can never print a line of its own.
 */
export function formatFailure(error: unknown, command: string): string {
  const lines = failureLines(error, command);
  return `error: ${lines[0]}\n${lines
    .slice(1)
    .map((line) => `  - ${line}\n`)
    .join('')}`;
}

function failureLines(error: unknown, command: string): string[] {
  if (AlpError.isAlpError(error)) {
    const headline = error.message.split('\n')[0];
    const problems = error.problems.length === 1 && error.problems[0] === headline ? [] : error.problems;
    return [headline, ...problems].map(oneLine);
  }
  const e = error as NodeJS.ErrnoException & { dest?: string };
  const known = typeof e?.code === 'string' ? OS_ERRORS[e.code] : undefined;
  if (known !== undefined) {
    const path = e.path !== undefined ? `${shownPath(e.path)}${e.dest !== undefined ? ` -> ${shownPath(e.dest)}` : ''}: ` : '';
    return [
      oneLine(`${path}${known.what} (${e.code} in ${e.syscall ?? 'a file operation'}); ${known.fix}. alp ${command} changed no file`),
    ];
  }
  if (isUsageError(error)) {
    const reason = String(e.message)
      .split('\n')[0]
      .replace(/\. To specify a positional.*$/, '');
    return [oneLine(`alp ${command}: ${reason}; run 'alp help' for the options`)];
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return [
    oneLine(
      `alp ${command}: internal error: ${message}; this is a bug in alp: run again with ALP_DEBUG=1 for the stack trace and report it`,
    ),
  ];
}

/** Whether `error` is a bad command line (node's parseArgs). */
export function isUsageError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

/** A path as messages show it: relative to the working folder when inside it, else absolute. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

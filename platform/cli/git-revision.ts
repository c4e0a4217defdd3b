import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { AlpError } from '../../lib/core';

/** Who reads git, for the messages of its failures: `alp diff` and what needs git (`'--base'`). */
export interface GitReader {
  /** The command, as messages start: `alp diff`. */
  readonly command: string;
  /** What needs git, as the missing-git message names it: `'--base'`. */
  readonly needs: string;
}

/** A commit of the git repository that holds a path. */
export interface GitRevision {
  /** The repository's top directory (real path). */
  readonly toplevel: string;
  /** The commit's full hash. */
  readonly commit: string;
  /** As the user gave it. */
  readonly name: string;
}

/** The top directory (real path) of the git repository that holds `path`; undefined when it is in none. */
export function gitToplevel(reader: GitReader, path: string): string | undefined {
  const top = git(reader, existingAncestor(resolve(path)), ['rev-parse', '--show-toplevel']);
  return top.status === 0 ? realpathSync(top.stdout.toString('utf8').trim()) : undefined;
}

/** The commit `rev` names in the repository at `toplevel`; undefined when it names none (or the repository has no commit yet). */
export function commitOf(reader: GitReader, toplevel: string, rev: string): GitRevision | undefined {
  const commit = git(reader, toplevel, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return commit.status === 0 ? { toplevel, commit: commit.stdout.toString('utf8').trim(), name: rev } : undefined;
}

/** Every file below `dir` as committed at `revision`: relative path to content (as `readTree` reads the working tree). */
export function readTreeAtRevision(reader: GitReader, revision: GitRevision, dir: string): Map<string, string> {
  const prefix = repositoryPath(revision.toplevel, dir);
  if (prefix === undefined) throw new AlpError(`${reader.command}: ${dir} is outside the git repository ${revision.toplevel}`);
  const listed = git(reader, revision.toplevel, [
    'ls-tree',
    '-r',
    '-z',
    '--name-only',
    revision.commit,
    '--',
    prefix === '' ? '.' : prefix,
  ]);
  if (listed.status !== 0)
    throw new AlpError(`${reader.command}: cannot list ${dir} at ${revision.name}: ${listed.stderr.toString('utf8').trim()}`);
  const paths = listed.stdout
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '');
  const files = new Map<string, string>();
  if (paths.length === 0) return files;
  const contents = readFilesAtRevision(reader, revision, paths);
  paths.forEach((path, i) => files.set(prefix === '' ? path : path.slice(prefix.length + 1), contents[i]!));
  return files;
}

/**
 * The contents of `paths` (relative to the repository's top, '/' separators) at the revision,
 * in one `git cat-file --batch`; undefined for a path the commit does not hold.
 */
export function readFilesAtRevision(reader: GitReader, revision: GitRevision, paths: readonly string[]): (string | undefined)[] {
  if (paths.length === 0) return [];
  const batch = git(reader, revision.toplevel, ['cat-file', '--batch'], paths.map((p) => `${revision.commit}:${p}\n`).join(''));
  if (batch.status !== 0)
    throw new AlpError(`${reader.command}: cannot read files at ${revision.name}: ${batch.stderr.toString('utf8').trim()}`);
  const out = batch.stdout;
  const contents: (string | undefined)[] = [];
  let at = 0;
  for (const path of paths) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8');
    at = eol + 1;
    if (header.endsWith(' missing')) {
      contents.push(undefined);
      continue;
    }
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!match) throw new AlpError(`${reader.command}: cannot read ${path} at ${revision.name}: ${header}`);
    const size = Number(match[2]);
    contents.push(out.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return contents;
}

/** `path` relative to the repository's top ('' for the top itself), with '/' separators; undefined when outside it. */
export function repositoryPath(toplevel: string, path: string): string | undefined {
  const absolute = resolve(path);
  const existing = existingAncestor(absolute);
  const real = resolve(realpathSync(existing), relative(existing, absolute));
  const inside = relative(toplevel, real);
  if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return inside.split(sep).join('/');
}

function existingAncestor(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/** Runs git in `cwd`; an AlpError naming what needs it when git cannot run. */
export function git(reader: GitReader, cwd: string, args: string[], input?: string) {
  const result = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
  if (result.error)
    throw new AlpError(`${reader.command}: cannot run git (${result.error.message}); ${reader.needs} needs git on the PATH`);
  return result;
}

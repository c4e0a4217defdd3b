import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';
import { AlpError, describeValue } from '../../lib/core';
import { diffObjects, FieldChange } from '../../lib/output/field-diff';
import { readTree } from '../../lib/output/files';
import { diffTrees, formatTreeDiff, treesDiffer } from '../../lib/output/tree-diff';
import { readReleaseFile } from '../spec';
import { PlatformAppDefinition } from './platform-app';
import { Progress } from './progress';
import { inTransaction } from './repository';
import { synthesize } from './synth';
import { formatStaged } from './staged-report';

/** Usage of `alp diff`, for the CLI's help text. */
export const DIFF_USAGE = `  diff    compare the output directory with a fresh synthesis; writes nothing
          exit 0 when they are equal, 1 when they differ, 2 when they cannot be compared
          --base <rev>       compare with the output directory as committed at this git revision
                             (default: as it is in the working tree)
          --spec, --release  the inputs of the fresh synthesis, as for synth
          --outdir <dir>     the output directory (default: dist)
`;

/** Exit codes of `alp diff`, as diff(1)'s. */
export const DIFF_EXIT = { same: 0, different: 1, trouble: 2 } as const;

/**
 * `alp diff [--base <rev>] [--spec f] [--release f] [--outdir d]`: synthesizes in memory and
 * compares the result with the output directory (or with it as committed at `rev`), then prints
 * the report of `formatTreeDiff`: the changes a reviewer must not miss, the counts per region and
 * component, and each changed object's fields. Returns 0 when equal, 1 when different.
 *
 * @throws AlpError when the trees cannot be compared (bad usage, invalid inputs, an unknown
 *   revision, no output directory); the CLI exits 2 then.
 */
export function diffCommand(args: string[], definition: PlatformAppDefinition, progress: Progress = () => {}): number {
  const { values } = parseArgs({
    args,
    options: { base: { type: 'string' }, spec: { type: 'string' }, release: { type: 'string' }, outdir: { type: 'string' } },
    strict: true,
  });
  const outdir = values.outdir ?? 'dist';
  // Under the repository's lock, so that it never compares with a half-written output.
  return inTransaction('alp diff', { outdir }, () => diffWith(definition, values, outdir, progress));
}

function diffWith(
  definition: PlatformAppDefinition,
  values: { base?: string; spec?: string; release?: string },
  outdir: string,
  progress: Progress,
): number {
  const releaseFile = values.release ?? 'release.yaml';
  const shown = `${outdir.replace(/\/+$/, '')}/`;

  let before: Map<string, string>;
  let base: GitRevision | undefined;
  if (values.base !== undefined) {
    base = resolveRevision(outdir, values.base);
    progress(`reading ${shown} at ${values.base}`);
    before = readTreeAtRevision(base, outdir);
    if (before.size === 0) throw new AlpError(`alp diff: ${shown} holds no files at ${values.base}; nothing to compare with`);
  } else {
    if (!existsSync(outdir))
      throw new AlpError(`alp diff: ${shown} does not exist; run 'alp synth' first, or compare with a commit (--base)`);
    progress(`reading ${shown}`);
    before = readTree(outdir);
  }

  const synthesis = synthesize(definition, { specFile: values.spec, releaseFile, progress });
  progress(`comparing ${synthesis.files.size} files`);
  const diff = diffTrees(before, synthesis.files);
  const releaseChanges = base ? activeColorChanges(base, releaseFile) : [];
  progress('');
  process.stdout.write(
    formatTreeDiff(diff, {
      before: base ? `${shown} at ${values.base}` : shown,
      after: 'a fresh synthesis',
      releaseChanges,
    }) + formatStaged(synthesis.model),
  );
  return treesDiffer(diff) || releaseChanges.length > 0 ? DIFF_EXIT.different : DIFF_EXIT.same;
}

/** A commit of the git repository that holds a path. */
interface GitRevision {
  /** The repository's top directory (real path). */
  readonly toplevel: string;
  /** The commit's full hash. */
  readonly commit: string;
  /** As the user gave it. */
  readonly name: string;
}

/** The commit `rev` names in the repository that holds `path`; an AlpError when there is none. */
function resolveRevision(path: string, rev: string): GitRevision {
  const cwd = existingAncestor(resolve(path));
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (top.status !== 0) throw new AlpError(`alp diff: '--base' needs a git repository, and ${path} is not in one`);
  const toplevel = realpathSync(top.stdout.toString('utf8').trim());
  const commit = git(toplevel, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  if (commit.status !== 0)
    throw new AlpError(`alp diff: '--base' (${describeValue(rev)}) must name a commit of ${toplevel}; see 'git log'`);
  return { toplevel, commit: commit.stdout.toString('utf8').trim(), name: rev };
}

/** Every file below `dir` as committed at `revision`: relative path to content (as `readTree` reads the working tree). */
function readTreeAtRevision(revision: GitRevision, dir: string): Map<string, string> {
  const prefix = repositoryPath(revision, dir);
  if (prefix === undefined) throw new AlpError(`alp diff: ${dir} is outside the git repository ${revision.toplevel}`);
  const listed = git(revision.toplevel, ['ls-tree', '-r', '-z', '--name-only', revision.commit, '--', prefix === '' ? '.' : prefix]);
  if (listed.status !== 0) throw new AlpError(`alp diff: cannot list ${dir} at ${revision.name}: ${listed.stderr.toString('utf8').trim()}`);
  const paths = listed.stdout
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '');
  const files = new Map<string, string>();
  if (paths.length === 0) return files;
  const contents = catFiles(revision, paths);
  paths.forEach((path, i) => files.set(prefix === '' ? path : path.slice(prefix.length + 1), contents[i]));
  return files;
}

/** The contents of `paths` at the revision, in one `git cat-file --batch`. */
function catFiles(revision: GitRevision, paths: string[]): string[] {
  const batch = git(revision.toplevel, ['cat-file', '--batch'], paths.map((p) => `${revision.commit}:${p}\n`).join(''));
  if (batch.status !== 0) throw new AlpError(`alp diff: cannot read files at ${revision.name}: ${batch.stderr.toString('utf8').trim()}`);
  const out = batch.stdout;
  const contents: string[] = [];
  let at = 0;
  for (const path of paths) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8');
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!match) throw new AlpError(`alp diff: cannot read ${path} at ${revision.name}: ${header}`);
    const size = Number(match[2]);
    contents.push(out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return contents;
}

/**
 * The active colours that changed between the release file at the base revision and now, as
 * field changes (`regions.primary.activeColor: blue -> green`). None when the file is outside
 * the repository or not committed at the base.
 */
function activeColorChanges(revision: GitRevision, releaseFile: string): { file: string; change: FieldChange }[] {
  const path = repositoryPath(revision, releaseFile);
  if (path === undefined || path === '') return [];
  const shown = git(revision.toplevel, ['cat-file', 'blob', `${revision.commit}:${path}`]);
  if (shown.status !== 0) return [];
  let before: unknown;
  try {
    before = yaml.load(shown.stdout.toString('utf8'));
  } catch {
    return [];
  }
  // Either file may have any shape: a region without an activeColor (or that is not an object) has an undefined one.
  const activeColors = (release: unknown) => {
    const regions = typeof release === 'object' && release !== null && 'regions' in release ? release.regions : undefined;
    return Object.fromEntries(
      Object.entries(typeof regions === 'object' && regions !== null ? regions : {}).map(([region, r]: [string, unknown]) => [
        region,
        { activeColor: typeof r === 'object' && r !== null && 'activeColor' in r ? r.activeColor : undefined },
      ]),
    );
  };
  const changes = diffObjects({ regions: activeColors(before) }, { regions: activeColors(readReleaseFile(releaseFile)) });
  return changes.map((change) => ({ file: releaseFile, change }));
}

/** `path` relative to the repository's top ('' for the top itself), with '/' separators; undefined when outside it. */
function repositoryPath(revision: GitRevision, path: string): string | undefined {
  const absolute = resolve(path);
  const existing = existingAncestor(absolute);
  const real = resolve(realpathSync(existing), relative(existing, absolute));
  const inside = relative(revision.toplevel, real);
  if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return inside.split(sep).join('/');
}

function existingAncestor(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function git(cwd: string, args: string[], input?: string) {
  const result = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
  if (result.error) throw new AlpError(`alp diff: cannot run git (${result.error.message}); '--base' needs git on the PATH`);
  return result;
}

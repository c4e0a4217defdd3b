import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';
import { AlpError, describeValue } from '../../lib/core';
import { diffObjects, FieldChange } from '../../lib/output/field-diff';
import { readTree } from '../../lib/output/files';
import { diffTrees, formatTreeDiff, treesDiffer } from '../../lib/output/tree-diff';
import { readReleaseFile } from '../spec';
import { PlatformAppDefinition } from './platform-app';
import { commitOf, git, GitReader, GitRevision, gitToplevel, readTreeAtRevision, repositoryPath } from './git-revision';
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
    before = readTreeAtRevision(DIFF_GIT, base, outdir);
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

/** How `alp diff` reads git, for the messages of its failures. */
const DIFF_GIT: GitReader = { command: 'alp diff', needs: "'--base'" };

/** The commit `rev` names in the repository that holds `path`; an AlpError when there is none. */
function resolveRevision(path: string, rev: string): GitRevision {
  const toplevel = gitToplevel(DIFF_GIT, path);
  if (toplevel === undefined) throw new AlpError(`alp diff: '--base' needs a git repository, and ${path} is not in one`);
  const revision = commitOf(DIFF_GIT, toplevel, rev);
  if (revision === undefined)
    throw new AlpError(`alp diff: '--base' (${describeValue(rev)}) must name a commit of ${toplevel}; see 'git log'`);
  return revision;
}

/**
 * The active colours that changed between the release file at the base revision and now, as
 * field changes (`regions.primary.activeColor: blue -> green`). None when the file is outside
 * the repository or not committed at the base.
 */
function activeColorChanges(revision: GitRevision, releaseFile: string): { file: string; change: FieldChange }[] {
  const path = repositoryPath(revision.toplevel, releaseFile);
  if (path === undefined || path === '') return [];
  const shown = git(DIFF_GIT, revision.toplevel, ['cat-file', 'blob', `${revision.commit}:${path}`]);
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

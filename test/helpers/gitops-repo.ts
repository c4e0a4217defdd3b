import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformApp } from '../../charts';
import { PlatformAppDefinition, run, synthToDirectory } from '../../platform';
import { REPO_ROOT } from './manifests';
import { sharedFolder } from './shared-folder';

/** The `alp` launcher, as users run it. */
export const ALP = join(REPO_ROOT, 'bin', 'alp.js');

/** What a command printed and returned. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A GitOps repository in a temporary folder: release.yaml and dist/ (synthesized from it),
 * committed; blue live in every region.
 */
export class GitOpsRepo {
  /**
   * A committed repository to copy, of the test file's own: a copy of the one synthesis of the
   * platform that the test files of a jest run share (sharedSynthesis()).
   */
  static template(): GitOpsRepo {
    return sharedSynthesis().copy();
  }

  readonly release: string;
  readonly outdir: string;
  /** `--release` and `--outdir` of this repository. */
  readonly args: string[];

  constructor(readonly dir: string) {
    this.release = join(dir, 'release.yaml');
    this.outdir = join(dir, 'dist');
    this.args = ['--release', this.release, '--outdir', this.outdir];
  }

  /**
   * A copy of this repository (its .git too, unless `withGit` is false). The files of its dist/
   * are hard links to this one's, which costs no copying: alp never writes into a file of dist/
   * but replaces it (a rename), and so must a test that changes one.
   */
  copy(withGit = true): GitOpsRepo {
    const copy = new GitOpsRepo(mkdtempSync(join(tmpdir(), 'alp-gitops-')));
    const linked = new Set([this.outdir, ...(withGit ? [] : [join(this.dir, '.git')])]);
    cpSync(this.dir, copy.dir, { recursive: true, filter: (source) => !linked.has(source) });
    if (existsSync(this.outdir)) {
      const links = spawnSync('cp', ['-al', this.outdir, copy.outdir], { encoding: 'utf8' });
      if (links.status !== 0) throw new Error(`cp -al ${this.outdir} ${copy.outdir}: ${links.stderr}`);
    }
    return copy;
  }

  git(...args: string[]): string {
    const result = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: this.dir,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  /** Commits every change; returns the new commit's hash. */
  commitAll(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  /** The files that differ from HEAD (changed, added or deleted), relative to the repository, sorted. */
  changed(): string[] {
    return this.git('status', '--porcelain', '-uall')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.slice(3))
      .sort();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The committed release.yaml (blue live in every region) and dist/ synthesized from it in this
 * process, committed in a git repository: one synthesis for every test file of a jest run. Read
 * it, or copy it (`copy()`, freshCopies()) to change files: it is never changed.
 */
export function sharedSynthesis(): GitOpsRepo {
  const shared = new GitOpsRepo(
    sharedFolder('blue-live', (dir) => {
      const repo = new GitOpsRepo(dir);
      mkdirSync(dir, { recursive: true });
      cpSync(join(REPO_ROOT, 'release.yaml'), repo.release);
      synthToDirectory(platformApp, repo.outdir, { releaseFile: repo.release });
      seal(repo.outdir);
      repo.git('init', '-q');
      repo.commitAll('blue live');
      // One pack instead of a file per object: fewer files for each copy to copy
      repo.git('repack', '-a', '-d', '-q');
      repo.git('prune-packed');
    }),
  );
  const changed = unsealed(shared.outdir);
  if (changed.length > 0) {
    throw new Error(
      `the shared synthesis was changed in place (through a hard link of a copy's dist/): ${changed.join(', ')}; replace a file of a copy's dist/ (write another file, rename it) instead of writing into it`,
    );
  }
  return shared;
}

/** The modification time of every file of a sealed tree: a file with another one was written into. */
const SEALED = new Date('2000-01-01T00:00:00Z');

const filesOf = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));

function seal(dir: string): void {
  for (const file of filesOf(dir)) utimesSync(file, SEALED, SEALED);
}

/** The files of a sealed tree written into since. */
function unsealed(dir: string): string[] {
  return filesOf(dir).filter((file) => statSync(file).mtimeMs !== SEALED.getTime());
}

/**
 * `fresh()`: a copy of `template()` for a test that changes files, removed after that test (this
 * registers the afterEach). `template` is read when a test asks, so it may be made in a beforeAll.
 */
export function freshCopies(template: () => GitOpsRepo, withGit = true): () => GitOpsRepo {
  let copy: GitOpsRepo | undefined;
  afterEach(() => {
    copy?.remove();
    copy = undefined;
  });
  return () => (copy = template().copy(withGit));
}

/** Runs `alp <args>` in this process (run()), capturing its output; `definition` is the platform app it runs. */
export function alpInProcess(args: string[], definition: PlatformAppDefinition = platformApp): CommandResult {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: run(args, definition), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/**
 * Runs `alp <args>` in a child process without blocking this one (so that an HTTP server of
 * the test can answer it), with `env` added to the environment.
 */
export function alpChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const child = spawn(process.execPath, [ALP, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * The files a traffic switch (or rollback) of one region changes, below the repository: the Helm
 * chart's default colour, the edge's switch analyses (gate and watch), its live and preview routes,
 * and the switch alerts that name the live colour.
 */
export function routerFiles(region: string): string[] {
  return [
    `dist/helm/alp-${region}/values.yaml`,
    `dist/manifests/${region}/edge/analysisrun-switch-gate.yaml`,
    `dist/manifests/${region}/edge/analysisrun-switch-watch.yaml`,
    `dist/manifests/${region}/edge/httproute-api-gateway-preview.yaml`,
    `dist/manifests/${region}/edge/httproute-api-gateway.yaml`,
    `dist/manifests/${region}/edge/prometheusrule-switch-rules.yaml`,
  ];
}

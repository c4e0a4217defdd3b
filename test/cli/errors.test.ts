import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { platformApp } from '../../charts';
import { acquireRepositoryLock, LOCK_FILE } from '../../platform/cli/lock';
import { REPO_ROOT } from '../helpers/manifests';
import { copyRepository } from '../helpers/repository';
import { PlatformAppDefinition, run } from '../../platform';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Every class of failure of the `alp` command, as a user sees it: exactly one `error:` line (a
// headline and one line per problem for several input problems), exit 1, or 2 for a wrong
// command line, and never a stack trace.

const ALP = join(REPO_ROOT, 'bin', 'alp.js');

function alp(args: string[], options: { cwd?: string; asNobody?: boolean; env?: NodeJS.ProcessEnv; script?: string } = {}) {
  const command = options.asNobody
    ? (['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, options.script ?? ALP, ...args]] as const)
    : ([process.execPath, [options.script ?? ALP, ...args]] as const);
  const result = spawnSync(command[0], [...command[1]], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
  });
  return { status: result.status, stderr: result.stderr };
}

describe('alp failures |', () => {
  let scratch: string;
  let release: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'alp-errors-'));
    chmodSync(scratch, 0o755);
    release = join(scratch, 'release.yaml');
    cpSync(join(REPO_ROOT, 'release.yaml'), release);
    chmodSync(release, 0o644);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const BOMB = [
    'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]',
    ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
  ].join('\n');

  const cases: Array<{
    what: string;
    args: () => string[];
    prepare?: () => (() => void) | void;
    asNobody?: boolean;
    env?: NodeJS.ProcessEnv;
    status: number;
    stderr: () => string | RegExp;
  }> = [
    {
      what: 'an unknown command (usage)',
      args: () => ['deploy'],
      status: 2,
      stderr: () => "error: unknown command 'deploy'; run 'alp help' for the list\n",
    },
    {
      what: 'an unknown option (usage)',
      args: () => ['synth', '--out', 'x'],
      status: 2,
      stderr: () => "error: alp synth: Unknown option '--out'; run 'alp help' for the options\n",
    },
    {
      what: 'a bad option value (usage)',
      args: () => ['switch-traffic', '--to', 'purple', '--release', release],
      status: 2,
      stderr: () => 'error: alp switch-traffic: \'--to\' ("purple") must be one of blue, green\n',
    },
    {
      what: 'a missing input file (ENOENT)',
      args: () => ['synth', '--release', join(scratch, 'missing.yaml'), '--outdir', join(scratch, 'out')],
      status: 1,
      stderr: () => `error: ${join(scratch, 'missing.yaml')}: cannot read the file (ENOENT); check that it exists and is readable\n`,
    },
    {
      what: 'a YAML syntax error: file:line:column and the reason',
      prepare: () => writeFileSync(join(scratch, 'broken.yaml'), 'regions:\n  primary: {activeColor: blue\n'),
      args: () => ['synth', '--release', join(scratch, 'broken.yaml'), '--outdir', join(scratch, 'out')],
      status: 1,
      stderr: () =>
        `error: ${join(scratch, 'broken.yaml')}:3:1: is not valid YAML: unexpected end of the stream within a flow collection; fix the syntax at that position\n`,
    },
    {
      what: 'a YAML alias bomb: refused by the expansion limit',
      prepare: () => writeFileSync(join(scratch, 'bomb.yaml'), BOMB),
      args: () => ['synth', '--release', join(scratch, 'bomb.yaml'), '--outdir', join(scratch, 'out')],
      status: 1,
      stderr: () =>
        `error: ${join(scratch, 'bomb.yaml')}: expands to more than 100,000 values (YAML aliases count once per use), over the input limit; write the values out or remove repeated aliases\n`,
    },
    {
      what: 'a release file over the size limit',
      prepare: () => writeFileSync(join(scratch, 'huge.yaml'), `# ${'x'.repeat(2 * 1024 * 1024)}\n`),
      args: () => ['synth', '--release', join(scratch, 'huge.yaml'), '--outdir', join(scratch, 'out')],
      status: 1,
      stderr: () =>
        `error: ${join(scratch, 'huge.yaml')}: is ${2 * 1024 * 1024 + 3} bytes, over the limit of 1 MiB for this input; split it or check that it is the right file\n`,
    },
    {
      what: 'a symlink loop in the output directory (ELOOP)',
      prepare: () => {
        mkdirSync(join(scratch, 'looped'), { recursive: true });
        symlinkSync('loop', join(scratch, 'looped', 'loop'));
      },
      args: () => ['synth', '--release', release, '--outdir', join(scratch, 'looped')],
      status: 1,
      stderr: () =>
        `error: ${join(scratch, 'looped', 'loop')}: too many levels of symbolic links (a symlink loop) (ELOOP in stat); remove or fix the symbolic link. alp synth changed no file\n`,
    },
    {
      what: 'no permission to write the repository (EACCES)',
      asNobody: true,
      args: () => ['synth', '--release', release, '--outdir', join(scratch, 'dist')],
      status: 1,
      stderr: () =>
        `error: ${join(scratch, '.alp.lock')}: permission denied (EACCES in open); give the user running alp write access to it (or run as its owner). alp synth changed no file\n`,
    },
    {
      what: 'another command holds the repository (concurrency)',
      prepare: () => {
        mkdirSync(join(scratch, 'held'), { recursive: true });
        const lock = acquireRepositoryLock(join(scratch, 'held'), 'alp switch-traffic');
        return () => lock.release();
      },
      args: () => ['synth', '--release', release, '--outdir', join(scratch, 'held', 'dist')],
      env: { ALP_LOCK_WAIT_MS: '200' },
      status: 1,
      stderr: () =>
        new RegExp(
          `^error: ${escapeRegExp(join(scratch, 'held', LOCK_FILE))}: the repository is locked by 'alp switch-traffic' \\(pid ${process.pid} on ${escapeRegExp(hostname())}, since [^)]+\\); waited 0\\.2 s\\. Run the command again when it has finished; if that process no longer exists, delete ${escapeRegExp(join(scratch, 'held', LOCK_FILE))}\n$`,
        ),
    },
    {
      what: 'control characters in input echoed in a message stay on their line',
      args: () => [
        'stage',
        '--color',
        'green',
        '--image',
        'evil\nerror: forged=registry.example/x:1@sha256:' + 'a'.repeat(64),
        '--release',
        release,
        '--outdir',
        join(scratch, 'dist-stage'),
      ],
      status: 1,
      stderr: () =>
        /^error: invalid platform input \(1 problem\); nothing was written\n {2}- .*'colors\.green\.images\["evil\\nerror: forged"\]' .*\n$/,
    },
  ];

  test.each(cases.map((c) => [c.what, c] as const))('%s', (_what, c) => {
    const cleanUp = c.prepare?.();
    const result = alp(c.args(), { asNobody: c.asNobody, env: c.env });
    cleanUp?.();
    const expected = c.stderr();
    expect(result.status).toBe(c.status);
    if (typeof expected === 'string') expect(result.stderr).toBe(expected);
    else expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('a crash (a bug) is one line naming the command; ALP_DEBUG=1 adds the stack trace', () => {
    const broken: PlatformAppDefinition = {
      ...platformApp,
      build: (): App => {
        throw new TypeError("Cannot read properties of undefined (reading 'ports')");
      },
    };
    const outdir = join(scratch, 'crash');
    let stderr = '';
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => {
      stderr += String(chunk);
      return true;
    });
    try {
      expect(run(['synth', '--release', release, '--outdir', outdir], broken)).toBe(1);
      expect(stderr).toBe(
        "error: alp synth: internal error: Cannot read properties of undefined (reading 'ports'); this is a bug in alp: run again with ALP_DEBUG=1 for the stack trace and report it\n",
      );
      stderr = '';
      process.env.ALP_DEBUG = '1';
      expect(run(['synth', '--release', release, '--outdir', outdir], broken)).toBe(1);
      expect(stderr).toMatch(/^error: alp synth: internal error: .*\nTypeError: Cannot read .*\n\s+at /);
    } finally {
      delete process.env.ALP_DEBUG;
      spy.mockRestore();
    }
  });

  test('a TypeScript syntax error in the platform spec: file:line:column and the message, nothing more', () => {
    // GIVEN a copy of the sources the launcher builds from, with a syntax error in the spec
    const copy = join(scratch, 'repo');
    copyRepository(copy);
    writeFileSync(
      join(copy, 'charts', 'platform-spec.ts'),
      'export const platformSpec = {\n  services: [\n    { name: "api" oops },\n  ],\n};\n',
    );
    // WHEN
    const result = alp(['synth', '--outdir', join(scratch, 'out')], { cwd: copy, script: join(copy, 'bin', 'alp.js') });
    // THEN
    expect(result).toEqual({
      status: 1,
      stderr: 'error: charts/platform-spec.ts:3:19: Expected "}" but found "oops"; fix it there (alp builds the app from the sources)\n',
    });
  });
});

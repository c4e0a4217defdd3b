import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTree } from '../../lib/output/files';
import { REPO_ROOT } from '../helpers/manifests';
import { copyRepository } from '../helpers/repository';

// `npx cdk8s synth` through cdk8s.yaml, in a copy of the repository: the cdk8s CLI empties its
// output folder before it runs the app, so that folder must never be dist/.

describe('cdk8s synth |', () => {
  let copy: string;
  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { cwd: copy, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const cdk8s = () => run(join(REPO_ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade']);

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'alp-cdk8s-'));
    copyRepository(copy);
    expect(run(process.execPath, ['bin/alp.js', 'synth']).status).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  test('with a bad input: dist/ byte-identical, the same error as alp synth, exit 1', () => {
    // GIVEN
    const dist = readTree(join(copy, 'dist'));
    const release = readFileSync(join(copy, 'release.yaml'), 'utf8');
    writeFileSync(join(copy, 'release.yaml'), release.replace(/activeColor: blue/g, 'activeColor: purple'));
    try {
      // WHEN
      const alp = run(process.execPath, ['bin/alp.js', 'synth']);
      const result = cdk8s();
      // THEN
      expect(alp.stderr).toBe(
        [
          'error: invalid platform input (2 problems); nothing was written',
          '  - release.yaml: \'regions.dr.activeColor\' ("purple") must be one of "blue", "green"',
          '  - release.yaml: \'regions.primary.activeColor\' ("purple") must be one of "blue", "green"',
          '',
        ].join('\n'),
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(alp.stderr);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(readTree(join(copy, 'dist'))).toEqual(dist);
    } finally {
      writeFileSync(join(copy, 'release.yaml'), release);
    }
  }, 60_000);

  test('with good input: dist/ written as alp synth writes it, the validation plugin runs on the scratch copy', () => {
    // GIVEN a change to synthesize
    const release = readFileSync(join(copy, 'release.yaml'), 'utf8');
    writeFileSync(join(copy, 'release.yaml'), release.replace('  dr:\n    activeColor: blue', '  dr:\n    activeColor: green'));
    const before = readTree(join(copy, 'dist'));
    // WHEN
    const result = cdk8s();
    // THEN
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Validations ended succesfully');
    const dist = readTree(join(copy, 'dist'));
    expect(dist).not.toEqual(before);
    expect(readTree(join(copy, 'build', 'cdk8s.out'))).toEqual(dist);
    expect(run(process.execPath, ['bin/alp.js', 'synth']).stdout).toMatch(/already holds these .*nothing written/);
    expect(existsSync(join(copy, 'dist', '.alp-txn'))).toBe(false);
  }, 60_000);
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/manifests';

// `alp verify` run as users run it, from the repository (where policy-exceptions.yaml applies).

const ALP = join(REPO_ROOT, 'bin', 'alp.js');

function verify(args: string[], input?: string | Buffer) {
  const result = spawnSync(process.execPath, [ALP, 'verify', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('alp verify |', () => {
  test("a folder outside the project's output is judged on its own: the project's exceptions are unjudged there, not unused", () => {
    const result = verify([join(REPO_ROOT, 'test', 'policy', 'corpus', 'compliant')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^alp verify: 14 objects, \d+ rules: 0 errors, 0 warnings/);
    expect(result.stdout).not.toContain('POLICY-EXCEPTION-UNUSED');
    expect(result.stdout).toMatch(/^ {2}- unjudged WORKLOAD-IMAGE-DIGEST StatefulSet\/alp-data\/redis until /m);
  });

  test('standard input over the limit of one manifest file is refused before it is all read', () => {
    const result = verify(['-'], Buffer.alloc(17 * 1024 * 1024, 'a'));
    expect(result).toEqual({
      status: 1,
      stdout: '',
      stderr: 'error: standard input: is over the limit of 16 MiB for this input; verify the files one by one\n',
    });
  });

  test('a 300-byte YAML alias bomb on standard input is refused by the expansion limit', () => {
    const bomb = [
      'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]',
      ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    const result = verify(['-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  x: y\n---\n${bomb}\n`);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'error: stdin: expands to more than 1,000,000 values (YAML aliases count once per use), over the input limit; write the values out or remove repeated aliases\n',
    );
  });
});

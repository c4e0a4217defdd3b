import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALP } from '../helpers/gitops-repo';
import { REPO_ROOT } from '../helpers/manifests';

// `alp stage … | head -1`: the reader closes the pipe before alp prints its list of changed files.
// The command has done its work by then; it ends as it would have, with no error line.

test('a reader that closes stdout early (| head) does not turn a finished command into an error', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'alp-closed-'));
  try {
    const release = join(scratch, 'release.yaml');
    cpSync(join(REPO_ROOT, 'release.yaml'), release);
    const args = [
      'stage',
      '--color',
      'green',
      '--set',
      'user-service.env.LOG_LEVEL=debug',
      '--release',
      release,
      '--outdir',
      join(scratch, 'dist'),
    ];
    const child = spawn(process.execPath, [ALP, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(release, 'utf8')).toContain('LOG_LEVEL: debug');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}, 60_000);

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, FSWatcher, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readTree } from '../../lib/output/files';
import { acquireRepositoryLock, LOCK_FILE } from '../../platform/cli/lock';
import { GitOpsRepo, sharedSynthesis } from '../helpers/gitops-repo';
import { REPO_ROOT } from '../helpers/manifests';

// The `alp` command as users run it, in separate processes: killed at random moments, run
// concurrently, and on a full, a read-only and a mounted file system.

const ALP = join(REPO_ROOT, 'bin', 'alp.js');
const NEW_GATEWAY = `registry.alp.example.com/alp/api-gateway:2.15.0@sha256:${'e'.repeat(64)}`;
const NEW_CONTENT = `registry.alp.example.com/alp/content-service:1.10.0@sha256:${'c'.repeat(64)}`;
/** The repositories here are plain folders, not git repositories: switch-traffic cannot check the images at HEAD. */
const UNCHECKED = ['--skip-image-check'];

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function alp(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const result = spawnSync(process.execPath, [ALP, ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function alpAsync(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<Result> } {
  const child = spawn(process.execPath, [ALP, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Result>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { child, done };
}

/** A repository in a temporary folder (release.yaml and dist/ synthesized from it), and what a transaction may leave in it. */
class Repo extends GitOpsRepo {
  /** Every name in the folder that is not release.yaml or a file of dist/: staging, journals, locks. */
  leftovers(): string[] {
    const names = readdirSync(this.dir).filter((name) => name !== 'release.yaml' && name !== 'dist');
    if (existsSync(this.outdir))
      names.push(
        ...readdirSync(this.outdir)
          .filter((name) => name.startsWith('.'))
          .map((name) => `dist/${name}`),
      );
    return names;
  }
}

describe('alp transactions |', () => {
  // One synthesis of each state, shared by the tests: the live colour blue, then green.
  let blue: { release: string; tree: Map<string, string> };
  let green: { release: string; tree: Map<string, string> };
  let switchMs: number;

  beforeAll(() => {
    // blue: the run's one synthesis of the committed release.yaml; green: alp switches it, timed
    const shared = sharedSynthesis();
    blue = { release: readFileSync(shared.release, 'utf8'), tree: readTree(shared.outdir) };
    const repo = blueRepo();
    const started = Date.now();
    expect(alp(['switch-traffic', '--to', 'green', ...repo.args, ...UNCHECKED]).status).toBe(0);
    switchMs = Date.now() - started;
    green = { release: readFileSync(repo.release, 'utf8'), tree: readTree(repo.outdir) };
    expect(green.release).not.toBe(blue.release);
    repo.remove();
  });

  /** A folder with blue live: a copy (not a git repository; dist/ hard links) of the run's one synthesis. */
  function blueRepo(): Repo {
    return new Repo(sharedSynthesis().copy(false).dir);
  }

  test('switch-traffic killed (SIGKILL) at random moments, half of them while it writes: the next switch-traffic recovers and completes it', async () => {
    const TRIALS = 10;
    const interrupted: number[] = [];
    for (let trial = 0; trial < TRIALS; trial += 1) {
      // GIVEN blue live
      const repo = blueRepo();
      // WHEN switch-traffic is killed: in even trials after a random moment of its run, in odd
      // ones a few random milliseconds after its transaction folder appears (while it writes)
      const { child, done } = alpAsync(['switch-traffic', '--to', 'green', ...repo.args, ...UNCHECKED]);
      let timer: NodeJS.Timeout | undefined;
      let watcher: FSWatcher | undefined;
      if (trial % 2 === 0) {
        timer = setTimeout(() => child.kill('SIGKILL'), Math.round(switchMs * Math.random() * 1.1));
      } else {
        watcher = watch(repo.outdir, (_event, name) => {
          if (name === '.alp-txn' && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 4));
        });
      }
      const killed = await done;
      clearTimeout(timer);
      watcher?.close();
      // THEN release.yaml and dist/ agree: both blue, or (killed after its commit) both green
      const state = { release: readFileSync(repo.release, 'utf8'), tree: readTree(repo.outdir) };
      const recoveredBy = alp(['switch-traffic', '--to', 'green', ...repo.args, ...UNCHECKED]);
      if (/was interrupted/.test(recoveredBy.stderr)) interrupted.push(trial);
      expect({ trial, status: recoveredBy.status }).toEqual({ trial, status: 0 });
      expect({ trial, release: readFileSync(repo.release, 'utf8') }).toEqual({ trial, release: green.release });
      expect(readTree(repo.outdir)).toEqual(green.tree);
      expect({ trial, leftovers: repo.leftovers() }).toEqual({ trial, leftovers: [] });
      if (killed.status === 0) expect(state).toEqual(green); // finished before the kill
      repo.remove();
    }

    console.log(`${interrupted.length} of ${TRIALS} kills landed while a transaction was pending (trials ${interrupted.join(', ')})`);
    // The kills on the transaction folder's appearance must exercise the recovery, not only reruns.
    expect(interrupted.length).toBeGreaterThan(0);
  }, 120_000);

  test('two stages, a switch and a synth at once: each waits for the lock, and every reported change is in release.yaml and dist/', async () => {
    // GIVEN blue live
    const repo = blueRepo();
    // WHEN (the stage of green and the switch of dr to green conflict: whichever runs second
    // after the switch is refused, never lost)
    const runs = [
      alpAsync(['stage', '--color', 'green', '--image', `api-gateway=${NEW_GATEWAY}`, ...repo.args]),
      alpAsync(['stage', '--color', 'green', '--image', `content-service=${NEW_CONTENT}`, ...repo.args]),
      alpAsync(['switch-traffic', '--to', 'green', '--region', 'dr', ...repo.args, ...UNCHECKED]),
      alpAsync(['synth', ...repo.args]),
    ];
    const [gateway, content, switched, synth] = await Promise.all(runs.map((r) => r.done));
    // THEN every command that said it succeeded left its change; a refusal says why, on one line
    expect([switched.status, synth.status]).toEqual([0, 0]);
    const release = readFileSync(repo.release, 'utf8');
    expect(release).toMatch(/dr:\n\s+activeColor: green/);
    for (const [stage, line] of [
      [gateway, `api-gateway: ${NEW_GATEWAY}`],
      [content, `content-service: ${NEW_CONTENT}`],
    ] as const) {
      if (stage.status === 0) expect(release).toContain(line);
      else
        expect(stage.stderr).toBe(
          'error: alp stage: refused: green serves live traffic in dr; stage on the standby colour (blue) and switch to it\n',
        );
    }
    expect(alp(['synth', ...repo.args]).stdout).toMatch(/already holds these .*nothing written/);
    expect(repo.leftovers()).toEqual([]);
    repo.remove();
  }, 60_000);

  test("a command that cannot get the lock in time refuses, naming the holder; a dead holder's lock is taken over", () => {
    // GIVEN this process holds the repository's lock
    const repo = blueRepo();
    const lock = acquireRepositoryLock(repo.dir, 'test holder');
    const holder = JSON.parse(readFileSync(join(repo.dir, LOCK_FILE), 'utf8'));
    try {
      // WHEN
      const refused = alp(['stage', '--color', 'green', '--image', `api-gateway=${NEW_GATEWAY}`, ...repo.args], {
        ALP_LOCK_WAIT_MS: '300',
      });
      // THEN
      expect(refused).toEqual({
        status: 1,
        stdout: '',
        stderr: `error: ${join(repo.dir, LOCK_FILE)}: the repository is locked by 'test holder' (pid ${process.pid} on ${hostname()}, since ${holder.since}); waited 0.3 s. Run the command again when it has finished; if that process no longer exists, delete ${join(repo.dir, LOCK_FILE)}\n`,
      });
      expect(readFileSync(repo.release, 'utf8')).toBe(blue.release);
    } finally {
      lock.release();
    }
    expect(existsSync(join(repo.dir, LOCK_FILE))).toBe(false);

    // GIVEN a lock left by a process that no longer exists
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(
      join(repo.dir, LOCK_FILE),
      JSON.stringify({ pid: Number(gone.stdout), host: hostname(), command: 'alp synth', since: '2026-01-01T00:00:00.000Z' }),
    );
    // WHEN / THEN
    const staged = alp(['stage', '--color', 'green', '--image', `api-gateway=${NEW_GATEWAY}`, ...repo.args], { ALP_LOCK_WAIT_MS: '300' });
    expect(staged.status).toBe(0);
    expect(repo.leftovers()).toEqual([]);
    repo.remove();
  });

  describe('on real file systems (tmpfs and mounts, in a user namespace) |', () => {
    const canMount = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /mnt'], { encoding: 'utf8' }).status === 0;
    if (!canMount) {
      console.log("skipped: the file-system tests need 'unshare -rm' and tmpfs mounts, which this machine does not allow");
    }
    const onMounts = canMount ? test : test.skip;

    /**
     * Runs `script` (sh) in a private mount namespace, with $ALP the command, $SRC a blue
     * repository and $MNT an empty tmpfs of `size`; the script prints what the test checks.
     */
    function inNamespace(size: string, script: string): string {
      const repo = blueRepo();
      const mnt = join(repo.dir, 'mnt');
      require('node:fs').mkdirSync(mnt);
      const result = spawnSync('unshare', ['-rm', 'sh', '-c', `set -e; mount -t tmpfs -o size=${size} tmpfs "$MNT"; ${script}`], {
        encoding: 'utf8',
        cwd: REPO_ROOT,
        env: { ...process.env, ALP: `${process.execPath} ${ALP}`, SRC: repo.dir, MNT: mnt },
      });
      repo.remove();
      if (result.status !== 0) throw new Error(`namespace script failed (${result.status}): ${result.stderr}`);
      return result.stdout;
    }

    // Every folder's name and every file's name and content hash: one md5sum for all files, not one per file.
    const SNAPSHOT =
      'snap() { (cd "$1" && find . -type d | sort | sed "s/^/dir /" && find . -type f | sort | xargs -d "\\n" -r md5sum) | md5sum; }';

    onMounts('a full disk: switch-traffic fails with one line, release.yaml and dist/ byte-identical, nothing left over', () => {
      const out = inNamespace(
        '64m',
        `${SNAPSHOT}
        cp -r "$SRC/release.yaml" "$SRC/dist" "$MNT/"
        # Full but for 16 KiB: room for the lock and the journal, not for the changed files.
        dd if=/dev/zero of="$MNT/reserve" bs=16k count=1 2>/dev/null
        dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null || true
        rm "$MNT/reserve"
        before=$(snap "$MNT")
        set +e; $ALP switch-traffic --skip-image-check --to green --release "$MNT/release.yaml" --outdir "$MNT/dist" >/dev/null 2>"$MNT/../stderr"; echo "status=$?"; set -e
        echo "same=$([ "$before" = "$(snap "$MNT")" ] && echo yes || echo no)"
        echo "leftovers=$(ls -A "$MNT" "$MNT/dist" | grep -c '^\\.' || true)"
        cat "$MNT/../stderr"`,
      );
      expect(out).toMatch(
        /^status=1\nsame=yes\nleftovers=0\n(switch-traffic: skipped: [^\n]+\n){3}error: .*\/mnt\/dist\/\.alp-txn\/\S+: no space left on the device \(ENOSPC in write\); free some space and run the command again\. alp switch-traffic changed no file\n$/,
      );
    });

    onMounts('a read-only dist/ (a read-only bind mount): synth fails with one line and changes nothing', () => {
      const out = inNamespace(
        '64m',
        `${SNAPSHOT}
        cp -r "$SRC/release.yaml" "$SRC/dist" "$MNT/"
        sed -i 's/activeColor: blue/activeColor: green/' "$MNT/release.yaml"
        mount --bind "$MNT/dist" "$MNT/dist"; mount -o remount,ro,bind "$MNT/dist"
        before=$(snap "$MNT")
        set +e; $ALP synth --release "$MNT/release.yaml" --outdir "$MNT/dist" 2>&1 >/dev/null; echo "status=$?"; set -e
        echo "same=$([ "$before" = "$(snap "$MNT")" ] && echo yes || echo no)"
        echo "leftovers=$(ls -A "$MNT" "$MNT/dist" | grep -c '^\\.' || true)"`,
      );
      expect(out).toMatch(
        /^error: \S+\/mnt\/dist\/\.alp-txn: is on a read-only file system \(EROFS in mkdir\); remount it read-write or choose another --outdir\. alp synth changed no file\nstatus=1\nsame=yes\nleftovers=0\n$/,
      );
    });

    onMounts('dist/ as a mount point (renaming it would be EBUSY): a switch writes into it and keeps the mount', () => {
      const out = inNamespace(
        '64m',
        `
        cp -r "$SRC/dist/." "$MNT/"
        $ALP switch-traffic --skip-image-check --to green --release "$MNT/../release.yaml" --outdir "$MNT" >/dev/null
        echo "mounted=$(grep -c " $MNT " /proc/self/mounts)"
        grep -c 'activeColor: green' "$MNT/../release.yaml"`,
      );
      expect(out).toBe('mounted=1\n2\n');
    });
  });
});

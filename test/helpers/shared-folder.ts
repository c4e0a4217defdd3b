import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What the test files of one jest run prepare once and share, e.g. the platform synthesized once
// (gitops-repo.ts's sharedSynthesis()): folders below the run's shared folder, which jest's
// globalSetup (global-setup.ts) makes and its globalTeardown (global-teardown.ts) removes.

/** Where the test files of one jest run share what they prepare (test/helpers/global-setup.ts sets it). */
export const SHARED_DIR_ENV = 'ALP_TEST_SHARED_DIR';

/** The shared folder: the jest run's, or (run without its globalSetup) this process's own, removed at exit. */
function sharedRoot(): string {
  const root = process.env[SHARED_DIR_ENV];
  if (root) return root;
  const own = mkdtempSync(join(tmpdir(), 'alp-test-shared-'));
  process.on('exit', () => rmSync(own, { recursive: true, force: true }));
  process.env[SHARED_DIR_ENV] = own;
  return own;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * `<shared folder>/<name>`, built by `build` (into the folder it is given) the first time a test
 * file of the run asks for it; a jest worker that asks while another builds it waits for that one.
 */
export function sharedFolder(name: string, build: (dir: string) => void): string {
  const dir = join(sharedRoot(), name);
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 300_000;
  while (!existsSync(dir)) {
    try {
      mkdirSync(lock);
    } catch (error: any) {
      if (error.code !== 'EEXIST') throw error;
      const holder = holderOf(lock);
      if (holder > 0 && !isAlive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${dir}: still being built by process ${holder} after 300 s`, { cause: error });
      else Atomics.wait(pause, 0, 0, 50);
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      const staging = `${dir}.${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      build(staging);
      renameSync(staging, dir);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

/** The process that holds `lock` (0 while it has not written its pid yet, or when it is gone). */
function holderOf(lock: string): number {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: any) {
    return error.code === 'EPERM';
  }
}

// The module object itself (not an ES namespace copy), so that its functions can be spied on.
import fs = require('node:fs');
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTree } from '../../lib/output/files';
import { recoverTree, writeTree } from '../../lib/output/write';

/** The file operations through which the writer changes anything. */
const MUTATIONS = ['writeFileSync', 'renameSync', 'linkSync', 'copyFileSync', 'mkdirSync', 'unlinkSync', 'rmSync', 'rmdirSync'] as const;

class Killed extends Error {}

/**
 * Runs `work` with every file operation of MUTATIONS counted; from operation number `at` on,
 * each one fails with `failure()` — a kill (every later operation fails too, as in a dead
 * process) or an OS error such as ENOSPC.
 */
function withFaults<T>(
  at: number,
  failure: () => Error,
  work: () => T,
  onlyOnce = false,
): { result?: T; error?: unknown; operations: number; log: string[] } {
  let operations = 0;
  const log: string[] = [];
  const spies = MUTATIONS.map((name) => {
    const original = (fs as any)[name];
    return jest.spyOn(fs, name as any).mockImplementation((...args: any[]) => {
      operations += 1;
      log.push(`${name} ${String(args[0])}`);
      if (operations - 1 === at || (!onlyOnce && operations - 1 > at)) throw failure();
      return original(...args);
    });
  });
  try {
    return { result: work(), operations, log };
  } catch (error) {
    return { error, operations, log };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', syscall: 'write' });
}

describe('writeTree as a transaction |', () => {
  let scratch: string;
  let outdir: string;
  let release: string;
  const OLD_TREE = new Map([
    ['a.yaml', 'a: 1\n'],
    ['dir/b.yaml', 'b: 1\n'],
    ['gone/c.yaml', 'c: 1\n'],
  ]);
  const NEW_TREE = new Map([
    ['a.yaml', 'a: 2\n'],
    ['dir/b.yaml', 'b: 1\n'],
    ['new/deep/d.yaml', 'd: 1\n'],
  ]);
  const NEW_NAMES = [
    'dist',
    'dist/a.yaml',
    'dist/dir',
    'dist/dir/b.yaml',
    'dist/new',
    'dist/new/deep',
    'dist/new/deep/d.yaml',
    'release.yaml',
  ];
  const OLD_RELEASE = 'activeColor: blue\n';
  const NEW_RELEASE = 'activeColor: green\n';

  beforeEach(() => {
    scratch = fs.mkdtempSync(join(tmpdir(), 'alp-txn-'));
    outdir = join(scratch, 'dist');
    release = join(scratch, 'release.yaml');
    writeTree(outdir, OLD_TREE);
    fs.writeFileSync(release, OLD_RELEASE);
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const change = () =>
    writeTree(outdir, NEW_TREE, { alongside: [{ path: release, content: NEW_RELEASE }], operation: 'alp switch-traffic' });
  /** The whole state a command leaves: the output tree, the release state, and every name in the folder (no staging, no journal). */
  const state = () => ({ tree: readTree(outdir), release: fs.readFileSync(release, 'utf8'), names: listAll(scratch) });

  test('a clean run changes the tree and the side file together, and leaves no staging behind', () => {
    expect(change()).toBe(true);
    expect(state()).toEqual({ tree: NEW_TREE, release: NEW_RELEASE, names: NEW_NAMES });
  });

  test('a kill at any file operation is undone by recoverTree: both files as before, no staging left', () => {
    const { operations } = withFaults(
      Number.MAX_SAFE_INTEGER,
      () => new Killed(),
      () => undefined,
    );
    expect(operations).toBe(0);
    const { operations: total, log } = withFaults(Number.MAX_SAFE_INTEGER, () => new Killed(), change);
    fs.rmSync(scratch, { recursive: true, force: true });
    // The commit's last step: release.yaml's new content renamed into place.
    const lastRename = log.lastIndexOf(`renameSync ${release}.alp-new`);
    expect(lastRename).toBeGreaterThan(10);

    const before = { tree: OLD_TREE, release: OLD_RELEASE };
    const after = { tree: NEW_TREE, release: NEW_RELEASE };
    const outcomes: string[] = [];
    for (let at = 0; at < total; at += 1) {
      // GIVEN a fresh repository
      fs.mkdirSync(scratch);
      writeTree(outdir, OLD_TREE);
      fs.writeFileSync(release, OLD_RELEASE);
      const clean = listAll(scratch);
      // WHEN the process dies at operation `at` (killed during the clean-up after its last
      // rename, it has already reported success: the writer ignores clean-up failures)
      const killed = withFaults(at, () => new Killed(), change);
      expect(killed.error === undefined || killed.error instanceof Killed).toBe(true);
      // THEN the next command's recovery leaves exactly the state before the command or the
      // complete change, and nothing else
      recoverTree(outdir);
      const now = state();
      const isNew = now.release === NEW_RELEASE;
      expect({ at, ...now }).toEqual(isNew ? { at, ...after, names: NEW_NAMES } : { at, ...before, names: clean });
      outcomes.push(isNew ? 'new' : 'old');
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    // The change survives only a kill after its last rename (during the clean-up).
    expect(outcomes).toEqual([...Array(lastRename + 1).fill('old'), ...Array(total - lastRename - 1).fill('new')]);
  });

  test('an OS error at any file operation (a full disk) rolls back at once: nothing changed, nothing left over', () => {
    const total = withFaults(Number.MAX_SAFE_INTEGER, enospc, change).operations;
    fs.rmSync(scratch, { recursive: true, force: true });
    for (let at = 0; at < total; at += 1) {
      fs.mkdirSync(scratch);
      writeTree(outdir, OLD_TREE);
      fs.writeFileSync(release, OLD_RELEASE);
      const clean = listAll(scratch);
      const failed = withFaults(at, enospc, change, true);
      const after = state();
      if (failed.error === undefined) {
        // The failing operation was part of the clean-up after the commit: the change is complete
        // and reported as done; the next command's recovery keeps it.
        expect({ at, tree: after.tree, release: after.release }).toEqual({ at, tree: NEW_TREE, release: NEW_RELEASE });
        recoverTree(outdir);
        expect({ at, tree: state().tree, release: state().release, names: state().names }).toEqual({
          at,
          tree: NEW_TREE,
          release: NEW_RELEASE,
          names: NEW_NAMES,
        });
      } else {
        expect({ at, code: (failed.error as any).code }).toEqual({ at, code: 'ENOSPC' });
        recoverTree(outdir); // what the next command does first; a no-op when the roll-back completed
        expect({ at, tree: state().tree, release: state().release, names: state().names }).toEqual({
          at,
          tree: OLD_TREE,
          release: OLD_RELEASE,
          names: clean,
        });
      }
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  test('recoverTree is a no-op when no transaction is pending', () => {
    expect(recoverTree(outdir)).toBeUndefined();
    expect(recoverTree(join(scratch, 'missing'))).toBeUndefined();
  });

  test('the first write into a missing directory is undone completely, the directory included', () => {
    const fresh = join(scratch, 'fresh');
    const killed = withFaults(
      6,
      () => new Killed(),
      () => writeTree(fresh, NEW_TREE),
    );
    expect(killed.error).toBeInstanceOf(Killed);
    expect(recoverTree(fresh)).toEqual(expect.objectContaining({ operation: 'write' }));
    expect(fs.existsSync(fresh)).toBe(false);
  });
});

function listAll(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      const shown = prefix + name;
      return fs.statSync(path).isDirectory() ? [shown, ...listAll(path, `${shown}/`)] : [shown];
    });
}

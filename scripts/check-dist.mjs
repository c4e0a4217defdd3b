#!/usr/bin/env node
// Fails when the committed dist/ differs from a fresh synth: reviewers and Argo CD read dist/,
// so it must be exactly what the code produces. Fix: `npm run synth` and commit dist/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const committed = join(root, 'dist');
const scratch = mkdtempSync(join(tmpdir(), 'alp-drift-'));
const fresh = join(scratch, 'dist');

function listFiles(dir) {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    return [];
  }
  if (!stat.isDirectory()) return [dir];
  return readdirSync(dir).flatMap((entry) => listFiles(join(dir, entry)));
}

try {
  execFileSync(process.execPath, [join(root, 'bin', 'alp.js'), 'synth', '--outdir', fresh], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const before = new Set(listFiles(committed).map((f) => relative(committed, f)));
  const after = new Set(listFiles(fresh).map((f) => relative(fresh, f)));
  const problems = [];
  for (const file of [...after].sort()) {
    if (!before.has(file)) problems.push(`missing from dist/: ${file}`);
    else if (!readFileSync(join(committed, file)).equals(readFileSync(join(fresh, file)))) problems.push(`stale in dist/: ${file}`);
  }
  for (const file of [...before].sort()) {
    if (!after.has(file)) problems.push(`no longer produced, still in dist/: ${file}`);
  }
  if (problems.length > 0) {
    console.error(`dist/ differs from a fresh synth (${problems.length} files); run 'npm run synth' and commit dist/:`);
    for (const problem of problems.slice(0, 50)) console.error(`  ${problem}`);
    if (problems.length > 50) console.error(`  ... and ${problems.length - 50} more`);
    process.exitCode = 1;
  } else {
    console.log(`dist/ is up to date (${after.size} files)`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

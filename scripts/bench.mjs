#!/usr/bin/env node
// `npm run bench [-- N...]`: how synth time and memory grow with the number of services.
//
// For each N (default 10, 100, 500) it bundles bench/bench.ts to build/bench.js and runs it in
// fresh child processes on a generated, deterministic spec of N services:
//  - `once`: one synth as a CLI run does it; the parent times the whole process (spawn to exit)
//    and the child reports its peak RSS.
//  - `measure`: in-process time of synth (validate + build App + renderApp + writeTree) and of
//    the floor (the very same manifests dumped with js-yaml alone and written to the same files).
// It also times the platform's own synth, `node bin/alp.js synth --outdir <tmp>`.
// Every figure is the best of REPS runs after one warm-up run: the minimum is the least noisy
// statistic on a shared 2-core machine. Absolute times there still vary by tens of percent from
// run to run, so compare ratios (synth/floor, objects/s between N) rather than raw milliseconds.
// Both synth and floor create one file per object, by default under build/bench-tmp: the same
// file system as dist/, where a real synth writes (on these machines /tmp is much slower at
// creating files). ALP_BENCH_DIR=/dev/shm npm run bench isolates the CPU cost.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import esbuild from 'esbuild';

const REPS = 3;
const PLATFORM_TARGET_MS = 1000;
const FLOOR_TARGET_RATIO = 2;
const FLOOR_TARGET_N = 500;

const root = resolve(import.meta.dirname, '..');
const bundle = join(root, 'build', 'bench.js');

const counts = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10, 100, 500];
if (!counts.every((n) => Number.isInteger(n) && n >= 1)) {
  console.error('usage: node scripts/bench.mjs [services...]   (positive integers, default 10 100 500)');
  process.exit(2);
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** Runs node with `args` in the repo root; returns the wall time (ms) and stdout. Exits 1 on failure. */
function runNode(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    fail(`synth failed in \`node ${args.join(' ')}\` (exit ${result.status ?? result.signal}):\n${result.stderr.trim()}`);
  }
  return { wallMs, stdout: result.stdout };
}

/** One warm-up call of `fn`, then REPS calls; returns the timed results. */
function warmThenRepeat(fn) {
  fn();
  return Array.from({ length: REPS }, fn);
}

const min = (values) => Math.min(...values);
const fixed = (value, digits = 0) => value.toFixed(digits);
const pct = (ratio) => `${(ratio * 100).toFixed(0)} %`;

esbuild.buildSync({
  entryPoints: [join(root, 'bench', 'bench.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
});

const child = (...args) => ['--enable-source-maps', '--expose-gc', bundle, ...args];
process.env.ALP_BENCH_DIR ??= join(root, 'build', 'bench-tmp');
mkdirSync(process.env.ALP_BENCH_DIR, { recursive: true });
const tmp = mkdtempSync(join(process.env.ALP_BENCH_DIR, 'alp-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Whole-process wall time of `args`, writing to a fresh outdir that is removed after timing. */
function timedSynthProcess(args) {
  const outdir = join(tmp, 'out');
  const run = runNode([...args, outdir]);
  rmSync(outdir, { recursive: true, force: true });
  return run;
}

const rows = [];
for (const n of counts) {
  const once = warmThenRepeat(() => {
    const { wallMs, stdout } = timedSynthProcess(child('once', String(n)));
    return { wallMs, ...JSON.parse(stdout) };
  });
  const measured = JSON.parse(runNode(child('measure', String(n), String(REPS))).stdout);
  const synthMs = min(measured.synthMs);
  const floorMs = min(measured.floorMs);
  rows.push({
    n,
    objects: measured.objects,
    wallMs: min(once.map((r) => r.wallMs)),
    synthMs,
    perSecond: measured.objects / (synthMs / 1000),
    rssMiB: Math.max(...once.map((r) => r.maxRssMiB)),
    floorMs,
    ratio: synthMs / floorMs,
    verifyColdMs: measured.verifyColdMs,
    verifyMs: min(measured.verifyMs),
  });
  process.stderr.write(`bench: N=${n} done\n`);
}

// The warm-up run also rebuilds build/alp.js if a source changed, so timed runs use a fresh bundle.
const platformMs = min(warmThenRepeat(() => timedSynthProcess([join(root, 'bin', 'alp.js'), 'synth', '--outdir']).wallMs));

console.log(`Best of ${REPS} runs after 1 warm-up; peak RSS is the largest of those ${REPS} single-synth processes.`);
console.log('process wall = one `synth` child process, spawn to exit; synth and floor = in-process time.');
console.log(`Files are written under ${process.env.ALP_BENCH_DIR} (set ALP_BENCH_DIR to change it; tmpfs takes disk noise out).\n`);
console.log('verify = policy rules + schema validation of the same objects, cold (first in a process) and warm, as a share of synth.\n');
console.log('| N services | objects | process wall (ms) | synth (ms) | objects/s | peak RSS (MiB) | floor (ms) | synth/floor | verify cold (ms) | verify warm (ms) | verify/synth cold | verify/synth warm |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.n} | ${r.objects} | ${fixed(r.wallMs)} | ${fixed(r.synthMs)} | ${fixed(r.perSecond)} | ${fixed(r.rssMiB, 1)} | ${fixed(r.floorMs)} | ${fixed(r.ratio, 2)} | ${fixed(r.verifyColdMs)} | ${fixed(r.verifyMs)} | ${pct(r.verifyColdMs / r.synthMs)} | ${pct(r.verifyMs / r.synthMs)} |`);
}
console.log(`\nPlatform synth (\`node bin/alp.js synth\`, real spec, process wall): ${fixed(platformMs)} ms`);

const verdict = (met) => (met ? 'met' : 'NOT met');
const atTarget = rows.find((r) => r.n === FLOOR_TARGET_N);
console.log('\nTargets:');
console.log(`- platform synth under ${PLATFORM_TARGET_MS} ms wall: ${verdict(platformMs < PLATFORM_TARGET_MS)} (${fixed(platformMs)} ms)`);
if (atTarget) {
  console.log(`- verification adds under 10 % to synth at N = ${FLOOR_TARGET_N}: warm ${verdict(atTarget.verifyMs / atTarget.synthMs < 0.1)} (${pct(atTarget.verifyMs / atTarget.synthMs)}), cold ${verdict(atTarget.verifyColdMs / atTarget.synthMs < 0.1)} (${pct(atTarget.verifyColdMs / atTarget.synthMs)})`);
}
console.log(atTarget
  ? `- per object within ${FLOOR_TARGET_RATIO}x of the floor at N = ${FLOOR_TARGET_N}: ${verdict(atTarget.ratio <= FLOOR_TARGET_RATIO)} (synth/floor ${fixed(atTarget.ratio, 2)})`
  : `- per object within ${FLOOR_TARGET_RATIO}x of the floor at N = ${FLOOR_TARGET_N}: not measured (N = ${FLOOR_TARGET_N} was not run)`);

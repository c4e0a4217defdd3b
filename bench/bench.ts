// Child side of `npm run bench` (bundled to build/bench.js by scripts/bench.mjs, which spawns
// one child per N and per mode, and prints the table).
//
//   node build/bench.js once <N> <outdir>   one synth into outdir, as a CLI run does it; reports
//                                           peak RSS (the caller times the process and removes outdir)
//   node build/bench.js measure <N> <R>     one warm-up, then R timed runs each of synth and floor
//
// synth = validatePlatform + buildPlatformApp + renderApp + writeTree (what `alp synth` does).
// floor = the same manifests dumped with toYaml (js-yaml alone) and written to the same paths:
//         the least any synth must spend on producing these files.
// verify = verifyManifests over the same objects (policy rules and schema validation), which
//         `alp synth` adds before writing: cold (first run in a process, compiling the schema
//         validators) and warm (best of R).
// Prints one JSON line on stdout; on error prints the message on stderr and exits 1.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildPlatformApp } from '../charts';
import { DEFAULT_EXCEPTIONS_FILE, exceptableRuleIds, readExceptions, renderApp, toYaml, validatePlatform, verificationError, verifyManifests, writeTree } from '../lib';
import { generateRelease, generateSpec } from './generate';

type Manifest = { readonly path: string; readonly region: string; readonly manifest: unknown };

/** The repository's policy exceptions, applied as `alp synth` applies them (the log shipper's hostPath, Redis without an exporter). */
const EXCEPTIONS = readExceptions(join(__dirname, '..', DEFAULT_EXCEPTIONS_FILE), exceptableRuleIds());

function verify(objects: readonly Manifest[]): void {
  const report = verifyManifests(objects.map((o) => ({ manifest: o.manifest as any, file: o.path, cluster: o.region })), { exceptions: EXCEPTIONS });
  const failure = verificationError(report);
  if (failure) throw failure;
}

function synth(spec: unknown, release: unknown, outdir: string): Manifest[] {
  const { objects, files } = renderApp(buildPlatformApp(validatePlatform(spec, release)));
  writeTree(outdir, files);
  return objects;
}

function floor(objects: readonly Manifest[], outdir: string): void {
  const made = new Set<string>();
  for (const { path, manifest } of objects) {
    const file = join(outdir, path);
    if (!made.has(dirname(file))) {
      mkdirSync(dirname(file), { recursive: true });
      made.add(dirname(file));
    }
    writeFileSync(file, toYaml(manifest));
  }
}

/** Milliseconds `fn` takes, after a GC when --expose-gc allows it (so garbage of one run is not billed to the next). */
function timed(fn: () => void): number {
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function main(): void {
  const [mode, nArg, arg] = process.argv.slice(2);
  const n = Number(nArg);
  const spec = generateSpec(n);
  const release = generateRelease(n);
  if (mode === 'once' && n >= 1 && arg) {
    const objects = synth(spec, release, arg);
    const maxRssMiB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
    console.log(JSON.stringify({ n, objects: objects.length, maxRssMiB }));
    return;
  }
  const reps = Number(arg);
  if (mode !== 'measure' || !(n >= 1) || !(reps >= 1)) {
    throw new Error('usage: node build/bench.js once <services> <outdir> | measure <services> <repetitions>');
  }
  const tmp = mkdtempSync(join(process.env.ALP_BENCH_DIR ?? tmpdir(), 'alp-bench-'));
  let run = 0;
  const fresh = () => join(tmp, `out-${run++}`); // a new, absent outdir for every run
  try {
    const objects = synth(spec, release, fresh()); // warm-up; its manifests feed the floor
    floor(objects, fresh());
    const synthMs: number[] = [];
    const floorMs: number[] = [];
    const verifyColdMs = timed(() => verify(objects));
    const verifyMs: number[] = [];
    for (let i = 0; i < reps; i++) {
      synthMs.push(timed(() => synth(spec, release, fresh())));
      floorMs.push(timed(() => floor(objects, fresh())));
      verifyMs.push(timed(() => verify(objects)));
    }
    console.log(JSON.stringify({ n, objects: objects.length, synthMs, floorMs, verifyColdMs, verifyMs }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
}

// Child side of `npm run bench` (bundled to build/bench.js by scripts/bench.mjs, which spawns
// fresh children per N and per mode, and prints the table).
//
//   node build/bench.js once <N> <outdir>    one synth into outdir, as `alp synth` does it; reports
//                                            its in-process time (cold, as a CLI run pays it), the
//                                            time of its verification phase (from synth's progress
//                                            events: exceptions, rules and schemas) and peak RSS (the
//                                            caller times the process and keeps outdir for `helm template`)
//   node build/bench.js verify <N> <R>       verification cold (the first in a fresh process, as a
//                                            synth pays it), then R warm runs
//   node build/bench.js measure <N> <R>      one warm-up, then R timed runs each of synth and floor
//
// synth  = what `alp synth` does (synthesize + writeTree): validate the inputs, build the App,
//          render every object, verify (policy rules and schemas), the platform's checks, reports,
//          Helm charts, and write the tree. Every feature is on: both colours in every region,
//          policies and exceptions, monitoring, verification.
// floor  = the same manifests serialized with toYaml alone and written to the same paths: the
//          least any synth must spend on producing these files.
// verify = verifyManifests over the same objects with the repository's exceptions.
// Prints one JSON line on stdout; on error prints the message on stderr and exits 1.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildPlatformApp, platformApp } from '../charts';
import { readExceptions, renderApp, RenderedObject, toYaml, verifyManifests, writeTree } from '../lib';
import { generateRelease, generateSpec } from './generate';
import { DEFAULT_EXCEPTIONS_FILE } from '../lib/policy/exceptions';
import { exceptableRuleIds, verificationError } from '../lib/policy/verify';
import { PlatformAppDefinition, readDataFile, synthesize, validatePlatform } from '../platform';

const EXCEPTIONS_FILE = join(__dirname, '..', DEFAULT_EXCEPTIONS_FILE);
/** A fixed day, so that the exceptions' expiry never makes a run fail. */
const TODAY = '2026-01-01';

/** Synthesizes into `outdir`; `progress` receives synth's phases as they start. */
function synth(definition: PlatformAppDefinition, release: unknown, outdir: string, progress?: (phase: string) => void): RenderedObject[] {
  const output = synthesize(definition, { release, exceptionsFile: EXCEPTIONS_FILE, today: TODAY, ...(progress ? { progress } : {}) });
  writeTree(outdir, output.files);
  return output.objects;
}

/** Milliseconds from the start of synth's verification phase to the start of the next phase. */
function verificationPhaseMs(phases: readonly { phase: string; at: bigint }[]): number {
  const at = phases.findIndex(({ phase }) => phase.startsWith('verifying '));
  if (at < 0 || at + 1 >= phases.length)
    throw new Error(`no verification phase among synth's phases: ${phases.map((p) => p.phase).join(', ')}`);
  return Number(phases[at + 1].at - phases[at].at) / 1e6;
}

function verify(objects: readonly RenderedObject[]): void {
  const exceptions = readExceptions(EXCEPTIONS_FILE, exceptableRuleIds());
  const report = verifyManifests(
    objects.map((o) => ({ manifest: o.manifest, file: o.path, cluster: o.cluster })),
    { exceptions, today: TODAY },
  );
  const failure = verificationError(report);
  if (failure) throw failure;
}

function floor(objects: readonly RenderedObject[], outdir: string): void {
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
  // `platform`: the platform's own spec and release.yaml; a number: a generated platform of that many services.
  const n = nArg === 'platform' ? nArg : Number(nArg);
  if (!(n === 'platform' || n >= 1) || !arg)
    throw new Error('usage: node build/bench.js once <services|platform> <outdir> | verify|measure <services|platform> <repetitions>');
  const release = n === 'platform' ? readDataFile(join(__dirname, '..', 'release.yaml')) : generateRelease(n);
  const definition: PlatformAppDefinition =
    n === 'platform' ? platformApp : { ...platformApp, defaultSpec: generateSpec(n), defaultSpecSource: `bench spec (${n} services)` };
  if (mode === 'once') {
    let objects: RenderedObject[] = [];
    const phases: { phase: string; at: bigint }[] = [];
    const synthMs = timed(
      () => (objects = synth(definition, release, arg, (phase) => phases.push({ phase, at: process.hrtime.bigint() }))),
    );
    const maxRssMiB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
    console.log(JSON.stringify({ n, objects: objects.length, synthMs, verifyInSynthMs: verificationPhaseMs(phases), maxRssMiB }));
    return;
  }
  const reps = Number(arg);
  if (!(reps >= 1)) throw new Error(`repetitions: ${arg}`);
  if (mode === 'verify') {
    // The objects as synth renders them, before anything has verified in this process.
    const { objects } = renderApp(buildPlatformApp(validatePlatform(definition.defaultSpec, release)));
    const verifyColdMs = timed(() => verify(objects));
    const verifyMs = Array.from({ length: reps }, () => timed(() => verify(objects)));
    console.log(JSON.stringify({ n, objects: objects.length, verifyColdMs, verifyMs }));
    return;
  }
  if (mode !== 'measure') throw new Error(`unknown mode ${mode}`);
  const tmp = mkdtempSync(join(process.env.ALP_BENCH_DIR ?? tmpdir(), 'alp-bench-'));
  let run = 0;
  const fresh = () => join(tmp, `out-${run++}`); // a new, absent outdir for every run
  try {
    // A warm-up run whose manifests feed the floor; with a single repetition (the large sizes,
    // where a run takes minutes and start-up costs are lost in the noise) it is the timed run.
    const synthMs: number[] = [];
    const floorMs: number[] = [];
    let objects: RenderedObject[] = [];
    const first = timed(() => (objects = synth(definition, release, fresh())));
    if (reps === 1) synthMs.push(first);
    floor(objects, fresh()); // the floor's warm-up
    for (let i = 0; i < reps; i++) {
      if (reps > 1) synthMs.push(timed(() => synth(definition, release, fresh())));
      floorMs.push(timed(() => floor(objects, fresh())));
    }
    console.log(JSON.stringify({ n, objects: objects.length, synthMs, floorMs }));
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

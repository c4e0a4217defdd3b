import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import * as yaml from 'js-yaml';
import { validatePlatform } from '../../platform/spec/validate';
import { REPO_ROOT } from '../helpers/manifests';
import { callersOf, platformInvariantProblems } from '../helpers/platform-invariants';
import { copyRepository } from '../helpers/repository';

// The README's "Adding a service", step by step, on a copy of the repository: its spec entry and
// its release.yaml line are taken from the README, so the README stays true. Then `alp synth`,
// `alp verify`, and the platform's invariants over the new dist/ (the same checks that
// invariants.test.ts runs on the committed dist/).

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The fenced block after the README's `<!-- adding-a-service:<name> -->` marker, unindented. */
function readmeSnippet(name: string): string {
  const found = new RegExp(`<!-- adding-a-service:${name} -->\\n( *)\`\`\`\\w+\\n([\\s\\S]*?)\\n *\`\`\``).exec(README);
  if (!found) throw new Error(`README.md has no snippet after <!-- adding-a-service:${name} -->`);
  const [, indent, body] = found;
  return body
    .split('\n')
    .map((line) => line.slice(indent.length))
    .join('\n');
}

/** `text` with `insert` placed at the one index `at` finds; fails when it finds none. */
function insertAt(text: string, at: number, insert: string, what: string): string {
  if (at < 0) throw new Error(`cannot ${what}: the file no longer has the expected shape`);
  return text.slice(0, at) + insert + text.slice(at);
}

/** Step 1 and 2: the entry appended to `services`, its name appended to its callers' dependencies. */
function addToSpec(source: string, entry: string, name: string, callers: readonly string[]): string {
  const indented = entry
    .split('\n')
    .map((line) => (line === '' ? line : `    ${line}`))
    .join('\n');
  let spec = insertAt(source, source.lastIndexOf('  ],\n};'), `${indented}\n`, 'append to services');
  for (const caller of callers) {
    const entryAt = spec.indexOf(`service('${caller}',`);
    const listAt = spec.indexOf('services: [', entryAt);
    spec = insertAt(spec, entryAt < 0 ? -1 : spec.indexOf(']', listAt), `, '${name}'`, `add ${name} to ${caller}'s dependencies`);
  }
  return spec;
}

/** Step 3: the image line under each colour's `images:`. */
function addToRelease(source: string, line: string): string {
  const added = source.replace(/^( {4}images:\n)/gm, `$1      ${line}\n`);
  if (added.split(line).length !== 3) throw new Error('release.yaml no longer has one images: list per colour');
  return added;
}

/** The `platformSpec` a spec file exports, read as `alp` reads it (the types are dropped). */
function loadSpec(file: string): unknown {
  const code = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'cjs' }).code;
  const module = { exports: {} as any };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports.platformSpec;
}

describe("adding a service the README's way |", () => {
  const entry = readmeSnippet('spec');
  const imageLine = readmeSnippet('release');
  const name = /service\('([a-z0-9-]+)'/.exec(entry)![1];
  // The README's step 2: the api-gateway calls the new service.
  const callers = ['api-gateway'];
  let copy: string;
  let synth: { status: number | null; stderr: string };
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/alp.js', ...args], { cwd: copy, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const model = () =>
    validatePlatform(loadSpec(join(copy, 'charts', 'platform-spec.ts')), yaml.load(readFileSync(join(copy, 'release.yaml'), 'utf8')));

  beforeAll(() => {
    // GIVEN a copy of the repository, with the README's three edits
    copy = mkdtempSync(join(tmpdir(), 'alp-add-service-'));
    copyRepository(copy);
    const specFile = join(copy, 'charts', 'platform-spec.ts');
    writeFileSync(specFile, addToSpec(readFileSync(specFile, 'utf8'), entry, name, callers));
    writeFileSync(join(copy, 'release.yaml'), addToRelease(readFileSync(join(copy, 'release.yaml'), 'utf8'), imageLine));
    // WHEN step 4: npm run synth
    synth = run('synth');
  }, 60_000);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  test('alp synth accepts the new spec and writes dist/', () => {
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: '' });
  });

  test('alp verify finds no error in the new dist/', () => {
    const verify = run('verify', '--format', 'json');
    expect(JSON.parse(verify.stdout).findings.filter((f: any) => f.severity === 'error')).toEqual([]);
    expect(verify.status).toBe(0);
  }, 30_000);

  test('the spec holds the new service and its place in the graph; every invariant of the platform holds for it', () => {
    const added = model();
    expect(added.spec.services.find((s) => s.name === name)!.dependsOn.services).toEqual(['learning-engine']);
    expect(callersOf(added, name)).toEqual(callers);
    expect(platformInvariantProblems(added, join(copy, 'dist'))).toEqual([]);
  });

  test('each Helm chart lists its image and its replica bounds in both colours', () => {
    const image = imageLine.split(': ')[1];
    for (const chart of ['alp-primary', 'alp-dr']) {
      const values: any = yaml.load(readFileSync(join(copy, 'dist', 'helm', chart, 'values.yaml'), 'utf8'));
      expect([chart, values.colors.blue.images[name], values.colors.green.images[name]]).toEqual([chart, image, image]);
      for (const color of ['blue', 'green']) {
        expect([chart, color, values.colors[color].autoscaling[name]]).toEqual([chart, color, { minReplicas: 2, maxReplicas: 4 }]);
      }
    }
  });
});

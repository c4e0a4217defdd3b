import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './helpers/manifests';

// The layering rules of .dependency-cruiser.cjs (run by `npm run lint`), proven on small trees of
// fixture files laid out like the repository, so that a rule that stops matching fails here.

const DEPCRUISE = join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** A reported import (`from` → `to`), or the modules of a reported cycle. */
type Violation =
  { readonly rule: string; readonly from: string; readonly to: string } | { readonly rule: string; readonly cycle: string[] };

/** The lib/ areas from the bottom up, as the README's Layout section states them (siblings share an entry). */
function readmeLibOrder(): string[][] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const list = /Inside `lib\/` an area imports only\s+areas above it in the list \(([^)]*)\)/.exec(readme)![1];
  return list.split('←').map((entry) => entry.split('/').map((area) => area.trim().replace(/`/g, '')));
}

/** Runs dependency-cruiser with the repository's config over a tree of fixture files (path → source). */
function depcruise(files: Record<string, string>, outputType: 'json' | 'err'): { status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'alp-layering-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "module": "commonjs" } }\n');
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    const roots = [...new Set(Object.keys(files).map((path) => path.split('/')[0]))];
    const args = [DEPCRUISE, '--config', join(REPO_ROOT, '.dependency-cruiser.cjs'), '--output-type', outputType, ...roots];
    const run = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
    if (run.stdout === '') throw new Error(`dependency-cruiser printed nothing: ${run.stderr}`);
    return { status: run.status, stdout: run.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The violations dependency-cruiser reports on a tree of fixture files, in a stable order. */
function violations(files: Record<string, string>): Violation[] {
  const report = JSON.parse(depcruise(files, 'json').stdout);
  return report.summary.violations
    .map((v: any): Violation => {
      if (v.cycle === undefined) return { rule: v.rule.name, from: v.from, to: v.to };
      return { rule: v.rule.name, cycle: [...new Set([v.from, ...v.cycle.map((c: any) => c.name)])].sort() };
    })
    .sort(byContent);
}

const exportFrom = (...modules: string[]) =>
  modules.map((m, i) => `export { value as value${i} } from '${m}';\n`).join('') + 'export const value = 1;\n';
const byContent = (a: Violation, b: Violation) => JSON.stringify(a).localeCompare(JSON.stringify(b));

describe('layering (.dependency-cruiser.cjs) |', () => {
  test("the README's order names every lib/ area once", () => {
    const areas = readdirSync(join(REPO_ROOT, 'lib'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(readmeLibOrder().flat().sort()).toEqual(areas.sort());
  });

  test("a lib/ area may import exactly the areas below it in the README's order", () => {
    // GIVEN every area importing every other area, and a module of its own area
    const order = readmeLibOrder();
    const rank = new Map(order.flatMap((entry, i) => entry.map((area): [string, number] => [area, i])));
    const areas = [...rank.keys()];
    const files: Record<string, string> = {};
    for (const area of areas) {
      files[`lib/${area}/own.ts`] = exportFrom();
      files[`lib/${area}/mod.ts`] = exportFrom('./own', ...areas.filter((other) => other !== area).map((other) => `../${other}/own`));
    }
    // WHEN
    const reported = violations(files);
    // THEN exactly the imports of an area of the same entry or a later one are reported
    const expected = areas.flatMap((from) =>
      areas
        .filter((to) => to !== from && rank.get(to)! >= rank.get(from)!)
        .map((to) => ({ rule: `lib-layer-${order[rank.get(from)!].join('-')}`, from: `lib/${from}/mod.ts`, to: `lib/${to}/own.ts` })),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(reported).toEqual(expected.sort(byContent));
  });

  test('a wrong-way import fails the check as `npm run lint` runs it: lib/core importing lib/policy', () => {
    const files = { 'lib/core/errors.ts': exportFrom('../policy/verify'), 'lib/policy/verify.ts': exportFrom() };
    expect(violations(files)).toEqual([{ rule: 'lib-layer-core', from: 'lib/core/errors.ts', to: 'lib/policy/verify.ts' }]);
    // The lint script's output type (err) sets the exit status.
    const lint = depcruise(files, 'err');
    expect(lint.status).not.toBe(0);
    expect(lint.stdout).toContain('error lib-layer-core: lib/core/errors.ts → lib/policy/verify.ts');
  });

  test('the one-way imports between main.ts, charts/, platform/ and lib/ pass', () => {
    const lint = depcruise(
      {
        'main.ts': exportFrom('./charts/app', './platform/cli'),
        'charts/app.ts': exportFrom('../platform/cli', '../lib'),
        'platform/cli.ts': exportFrom('../lib/output/render', '../lib'),
        'lib/index.ts': exportFrom('./core/errors', './output/render'),
        'lib/output/render.ts': exportFrom('../core/errors'),
        'lib/core/errors.ts': exportFrom(),
        'test/render.test.ts': exportFrom('../lib/output/render', '../platform/cli', '../charts/app', './helpers'),
        'test/helpers.ts': exportFrom(),
      },
      'err',
    );
    expect(lint.stdout).toContain('no dependency violations found');
    expect(lint.status).toBe(0);
  });

  test('lib/ importing the app, platform/ importing charts/, shipped code importing tests, an area importing the barrel fail', () => {
    const reported = violations({
      'main.ts': exportFrom(),
      'charts/app.ts': exportFrom(),
      'platform/cli.ts': exportFrom('../charts/app', '../main', '../test/helpers'),
      'lib/index.ts': exportFrom(),
      'lib/core/errors.ts': exportFrom('../../platform/cli', '../../charts/app', '../../main'),
      'lib/output/render.ts': exportFrom('..'),
      'test/helpers.ts': exportFrom(),
    });
    expect(reported).toEqual(
      [
        { rule: 'lib-not-to-app', from: 'lib/core/errors.ts', to: 'platform/cli.ts' },
        { rule: 'lib-not-to-app', from: 'lib/core/errors.ts', to: 'charts/app.ts' },
        { rule: 'lib-not-to-app', from: 'lib/core/errors.ts', to: 'main.ts' },
        { rule: 'lib-not-to-own-index', from: 'lib/output/render.ts', to: 'lib/index.ts' },
        { rule: 'platform-not-to-charts', from: 'platform/cli.ts', to: 'charts/app.ts' },
        { rule: 'platform-not-to-charts', from: 'platform/cli.ts', to: 'main.ts' },
        { rule: 'production-not-to-test', from: 'platform/cli.ts', to: 'test/helpers.ts' },
      ].sort(byContent),
    );
  });

  test('an import cycle fails, also through a type-only import', () => {
    const reported = violations({
      'lib/core/a.ts': exportFrom('./b'),
      'lib/core/b.ts': exportFrom('./a'),
      'platform/spec.ts': "import type { Settings } from './settings';\nexport type Spec = { settings: Settings };\n",
      'platform/settings.ts': "import { Spec } from './spec';\nexport type Settings = { spec?: Spec };\nexport const value = 1;\n",
    });
    expect(reported).toEqual(
      [
        { rule: 'no-circular', cycle: ['lib/core/a.ts', 'lib/core/b.ts'] },
        { rule: 'no-circular', cycle: ['platform/settings.ts', 'platform/spec.ts'] },
      ].sort(byContent),
    );
  });
});

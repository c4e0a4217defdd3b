// dependency-cruiser: the one-way layering of the repository (README, "Layout"), run by `npm run lint`
// and proven by test/layering.test.ts.
//   charts/ and main.ts → platform/ → lib/;  inside lib/ an area imports only areas below it.
'use strict';

/**
 * The lib/ areas from the bottom up: an area may import only areas of an earlier entry. Areas of
 * one entry are siblings and import none of each other. The README's Layout section states the
 * same order (test/layering.test.ts compares them).
 */
const LIB_LAYERS = [
  ['core'],
  ['autoscaling'],
  ['workload'],
  ['network'],
  ['rbac', 'security'],
  ['data'],
  ['monitoring'],
  ['delivery'],
  ['policy'],
  ['output'],
];

/** One rule per entry: its areas must not import their own entry or any later one. */
function libLayerRules() {
  return LIB_LAYERS.map((areas, rank) => {
    const notBelow = LIB_LAYERS.slice(rank).flat();
    return {
      name: `lib-layer-${areas.join('-')}`,
      comment: `lib/{${areas.join(',')}} may import only the lib/ areas below it: ${LIB_LAYERS.slice(0, rank).flat().join(', ') || 'none'}`,
      severity: 'error',
      from: { path: `^lib/(${areas.join('|')})/` },
      // $1 is the importing area: a file may import its own area.
      to: { path: `^lib/(${notBelow.join('|')})/`, pathNot: '^lib/$1/' },
    };
  });
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A module must not depend on itself through other modules (include order decides what it sees).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-not-to-app',
      comment: 'lib/ is the reusable library: it never imports the platform, its charts or the entry point.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(platform/|charts/|main\\.ts$)' },
    },
    {
      name: 'lib-not-to-own-index',
      comment: "lib/index.ts is the package's public API: the areas import each other's modules, never the barrel above them.",
      severity: 'error',
      from: { path: '^lib/[^/]+/' },
      to: { path: '^lib/index\\.ts$' },
    },
    {
      name: 'platform-not-to-charts',
      comment: 'platform/ is built from lib/ only; charts/ and main.ts are built from platform/.',
      severity: 'error',
      from: { path: '^platform/' },
      to: { path: '^(charts/|main\\.ts$)' },
    },
    {
      name: 'production-not-to-test',
      comment: 'No shipped code imports the tests or their helpers.',
      severity: 'error',
      from: { path: '^(lib|platform|charts)/|^main\\.ts$' },
      to: { path: '^test/' },
    },
    ...libLayerRules(),
  ],
  options: {
    // Packages are not cruised: their own cycles are not ours, and following them is most of the time.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build|coverage|imports)/' },
    // Type-only imports count: a type from a higher layer ties the layers as much as a value does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};

#!/usr/bin/env node
// Launcher of the `alp` command. It runs a bundle of main.ts in build/ so that no run pays for
// type-checking or transpiling; the bundle is rebuilt with esbuild (about 0.3 s) only when a
// source file is newer than it. Type-checking is `npm run typecheck`, part of `npm test`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bundle = path.join(root, 'build', 'alp.js');
const sources = ['main.ts', 'lib', 'charts', 'imports', 'package-lock.json'];

function newestSourceMtime() {
  let newest = 0;
  const visit = (file) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    } else if (stat.mtimeMs > newest) {
      newest = stat.mtimeMs;
    }
  };
  for (const source of sources) visit(path.join(root, source));
  return newest;
}

function bundleIsFresh() {
  const stat = fs.statSync(bundle, { throwIfNoEntry: false });
  return stat !== undefined && stat.mtimeMs >= newestSourceMtime();
}

function buildBundle() {
  const esbuild = require('esbuild');
  // Build to a private file and rename it into place, so that concurrent runs never load a
  // half-written bundle.
  const staging = `${bundle}.${process.pid}.tmp`;
  esbuild.buildSync({
    entryPoints: [path.join(root, 'main.ts')],
    outfile: staging,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    // No source map: loading one costs ~45 ms per run, and the bundle is not minified, so a
    // stack trace still names the functions.
    logLevel: 'error',
  });
  fs.renameSync(staging, bundle);
}

if (!bundleIsFresh()) buildBundle();
require(bundle);

// Loads a TypeScript entry point of this repository as a CommonJS bundle in build/ (git-ignored),
// rebuilding it with esbuild only when a source file is newer than the bundle. Used by the `alp`
// launcher and the cdk8s validation plugin, so that no run type-checks or transpiles, and with a
// V8 code cache (compile-cache.js), so that no run compiles what the previous one did.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SOURCES = ['main.ts', 'lib', 'platform', 'charts', 'imports', 'package-lock.json', 'bin/bundle.js'];
const EXTERNAL_PACKAGES = ['esbuild', 're2-wasm', 'ajv', 'ajv/*', 'ajv-formats', 'ajv-formats/*'];

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
  for (const source of SOURCES) visit(path.join(root, source));
  return newest;
}

/**
 * Requires the bundle of `entry` (relative to the repository root), written to
 * `build/<name>.js`, building it first when it is missing or older than any source.
 */
function loadBundle(entry, name) {
  require('./compile-cache'); // the bundle and its packages from V8's code cache
  const bundle = path.join(root, 'build', `${name}.js`);
  const stat = fs.statSync(bundle, { throwIfNoEntry: false });
  if (stat === undefined || stat.mtimeMs < newestSourceMtime()) {
    const esbuild = require(require.resolve('esbuild', { paths: [root] }));
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    // Build to a private file and rename it into place, so that concurrent runs never load a
    // half-written bundle.
    const staging = `${bundle}.${process.pid}.tmp`;
    try {
      buildOnce(esbuild, entry, staging);
    } catch (e) {
      fs.rmSync(staging, { force: true });
      throw e.errors ? new SourceError(e.errors) : e;
    }
    fs.renameSync(staging, bundle);
  }
  return require(bundle);
}

/** esbuild's errors in the TypeScript sources (syntax errors), one line each: `file:line:column: message`. */
class SourceError extends Error {
  constructor(errors) {
    const lines = errors.map((error) => {
      const where = error.location ? `${error.location.file}:${error.location.line}:${error.location.column + 1}: ` : '';
      return `${where}${error.text}`;
    });
    super(lines.join('\n'));
    this.name = 'SourceError';
    this.lines = lines;
  }
}

function buildOnce(esbuild, entry, staging) {
  esbuild.buildSync({
    entryPoints: [path.join(root, entry)],
    outfile: staging,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Packages are bundled too: resolving and reading hundreds of small module files costs
    // ~70 ms per run. Left outside: esbuild (a native binary), re2-wasm (loads its .wasm beside
    // itself), and Ajv, which only objects the quick schema check cannot vouch for need: loaded
    // from node_modules then, it adds nothing to the bundle every run reads.
    external: EXTERNAL_PACKAGES,
    // No source map: loading one costs ~45 ms per run, and the bundle is not minified, so a
    // stack trace still names the functions.
    // Silent: a syntax error is reported by the caller as one line per error (SourceError).
    logLevel: 'silent',
    absWorkingDir: root,
  });
}

module.exports = { loadBundle, SourceError, EXTERNAL_PACKAGES };

#!/usr/bin/env node
// Builds the npm package into build/package/ (git-ignored): lib/ and the imports/ bindings it
// uses, compiled by `tsc -p tsconfig.build.json` to JavaScript and .d.ts, plus imports/schemas/
// and imports/validators/ (the schemas and the quick check's prepared schemas), which
// lib/policy/schema.ts reads at run time from ../../imports/ beside lib/policy/. The compile is incremental (build/package.tsbuildinfo), so a build with
// nothing changed takes seconds; outputs whose source is gone are removed so that a renamed
// module never ships twice.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'build', 'package');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

// Compiled files (x.js, x.d.ts) whose x.ts no longer exists.
for (const file of [...filesUnder(join(out, 'lib')), ...readdirSync(join(out, 'imports')).map((f) => join(out, 'imports', f))]) {
  const source = join(root, relative(out, file)).replace(/(\.d)?\.ts$|\.js$/, '.ts');
  if (/\.(js|d\.ts)$/.test(file) && !existsSync(source)) rmSync(file);
}

for (const data of ['schemas', 'validators']) {
  rmSync(join(out, 'imports', data), { recursive: true, force: true });
  cpSync(join(root, 'imports', data), join(out, 'imports', data), { recursive: true });
}

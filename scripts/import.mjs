#!/usr/bin/env node
// Regenerates imports/ (cdk8s CRD bindings) from the `imports` list in cdk8s.yaml.
// Each CRD is taken from a local copy under ALP_CRD_DIR (default ../shared/crds) when one
// exists, found by the upstream file name, and otherwise from the upstream URL itself.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import yaml from 'js-yaml';

const root = resolve(import.meta.dirname, '..');
const crdDir = resolve(root, process.env.ALP_CRD_DIR ?? '../shared/crds');
const outDir = join(root, 'imports');

// Istio's upstream location is a bundle; its local copies are split per CRD.
const localNameOverrides = {
  peerauthentication: 'peerauthentications.security.istio.io.yaml',
  authorizationpolicy: 'authorizationpolicies.security.istio.io.yaml',
};

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

const localFiles = listFiles(crdDir);
const { imports } = yaml.load(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
const sources = imports.map((entry) => {
  const [module, url] = entry.split(':=');
  const wanted = localNameOverrides[module] ?? basename(url);
  const local = localFiles.find((file) => basename(file) === wanted);
  return `${module}:=${local ?? url}`;
});

rmSync(outDir, { recursive: true, force: true });
const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');
for (const source of sources) {
  console.log(`import ${source.replace(root + '/', '')}`);
  execFileSync(cdk8s, ['import', source, '--language', 'typescript', '--no-check-upgrade', '--output', outDir], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
console.log(`wrote ${readdirSync(outDir).length} modules to imports/`);

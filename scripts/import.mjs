#!/usr/bin/env node
// Regenerates imports/ (cdk8s CRD bindings) from the `imports` list in cdk8s.yaml.
// Each CRD is taken from a local copy under ALP_CRD_DIR (default ../shared/crds) when one
// exists, found by the upstream file name, and otherwise from the upstream URL itself.
//
// It also writes imports/schemas/, the JSON schemas that lib/policy/schema.ts validates
// manifests against (generated data, committed like the bindings):
// - `<group>_<kind>_<version>.json`: the `openAPIV3Schema` of each served version of each CRD,
//   once for the versions that have the same one (named after the first of them);
// - `index.json`: the schema file of each CRD kind, by `<apiVersion> <kind>`;
// - `gateway.networking.k8s.io_ReferenceGrant_v1beta1.json`: from @kubernetes-models/gateway-api,
//   since no ReferenceGrant CRD is imported;
// - `kubernetes-1.28.json`: the Kubernetes v1.28 definitions (the file `cdk8s import k8s@1.28.0`
//   reads), from ALP_K8S_SCHEMA (default ../shared/k8s-schema/v1.28/_definitions.json) or upstream.
// Descriptions are dropped (documentation only) and keys are sorted, so the output is small and
// stable; nothing else is changed.
//
// Last, imports/validators/: each schema file's JSON Schema as the quick check reads it
// (<schema>.jsonl, see lib/policy/schema-json.ts). Deterministic: the same schemas give the same
// files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import esbuild from 'esbuild';
import yaml from 'js-yaml';

const root = resolve(import.meta.dirname, '..');
const crdDir = resolve(root, process.env.ALP_CRD_DIR ?? '../shared/crds');
const k8sSchemaFile = resolve(root, process.env.ALP_K8S_SCHEMA ?? '../shared/k8s-schema/v1.28/_definitions.json');
const k8sSchemaUrl =
  'https://raw.githubusercontent.com/cdk8s-team/cdk8s/749720900394df4dde7b71e3678e96b889ff6202/kubernetes-schemas/v1.28.0/_definitions.json';
const outDir = join(root, 'imports');
const schemaDir = join(outDir, 'schemas');

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
const cdk8sConfig = join(root, 'cdk8s.yaml');
const cdk8sConfigText = readFileSync(cdk8sConfig, 'utf8');
const { imports } = yaml.load(cdk8sConfigText);
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
// `cdk8s import <source>` adds the source to cdk8s.yaml: keep the upstream URLs only (a local copy's
// path means nothing on another machine).
writeFileSync(cdk8sConfig, cdk8sConfigText);
console.log(`wrote ${readdirSync(outDir).length} modules to imports/`);

// ---- JSON schemas for lib/policy/schema.ts ----

async function readSource(location) {
  if (!/^https?:\/\//.test(location)) return readFileSync(location, 'utf8');
  const response = await fetch(location);
  if (!response.ok) throw new Error(`GET ${location}: HTTP ${response.status}`);
  return response.text();
}

/** Drops `description` from every schema node (not from property maps, where it may be a field name). */
function stripDescriptions(node) {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' && typeof value === 'string') continue;
    if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, stripDescriptions(child)]));
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = stripDescriptions(value);
    } else {
      out[key] = value; // data such as enum, default, example, x-kubernetes-validations
    }
  }
  return out;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

const written = new Map(); // file -> text
const schemaIndex = {}; // `<apiVersion> <kind>` -> file
/** Writes the schema of `apiVersion`/`kind` to `file`, or indexes the file of `sameAs` when it holds the same schema. */
function writeSchema(file, schema, { apiVersion, kind, sameAs = [] } = {}) {
  const text = JSON.stringify(sortKeys(stripDescriptions(schema))) + '\n';
  const shared = sameAs.find((other) => written.get(other) === text);
  if (!shared) {
    writeFileSync(join(schemaDir, file), text);
    written.set(file, text);
  }
  if (kind) schemaIndex[`${apiVersion} ${kind}`] = shared ?? file;
}

mkdirSync(schemaDir, { recursive: true });
const seen = new Set();
for (const source of sources) {
  const [module, location] = source.split(':=');
  if (seen.has(source)) continue;
  seen.add(source);
  let crds = yaml.loadAll(await readSource(location)).filter((doc) => doc?.kind === 'CustomResourceDefinition');
  // A bundle (Istio's upstream file) holds many CRDs: keep the one the module is named after.
  if (crds.length > 1) crds = crds.filter((crd) => crd.spec.names.kind.toLowerCase() === module);
  if (crds.length === 0) throw new Error(`${location}: no CustomResourceDefinition for module ${module}`);
  for (const crd of crds) {
    const { group, names } = crd.spec;
    const files = [];
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const file = `${group}_${names.kind}_${version.name}.json`;
      writeSchema(file, version.schema.openAPIV3Schema, { apiVersion: `${group}/${version.name}`, kind: names.kind, sameAs: files });
      files.push(file);
    }
  }
}

// ReferenceGrant: @kubernetes-models/gateway-api keeps each schema as a JSON literal,
// `const schema = {...};`, in its CommonJS model file.
const referenceGrantFile = 'gateway.networking.k8s.io_ReferenceGrant_v1beta1.json';
if (!written.has(referenceGrantFile)) {
  const require = createRequire(import.meta.url);
  const model = readFileSync(require.resolve('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1/ReferenceGrant'), 'utf8');
  const literal = /^const schema = (\{[\s\S]*?^\});$/m.exec(model);
  if (!literal) throw new Error('@kubernetes-models/gateway-api: ReferenceGrant schema literal not found');
  writeSchema(referenceGrantFile, JSON.parse(literal[1]), { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant' });
}

const k8sDefinitions = JSON.parse(await readSource(existsSync(k8sSchemaFile) ? k8sSchemaFile : k8sSchemaUrl));
writeSchema('kubernetes-1.28.json', k8sDefinitions);

// ---- The schema index and the quick check's prepared schemas, for lib/policy/schema.ts ----

// The generator is TypeScript (shared with validation): bundle it for this script.
const generator = join(root, 'build', 'schema-json.generator.js');
esbuild.buildSync({
  entryPoints: [join(root, 'lib', 'policy', 'schema-json.ts')],
  outfile: generator,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'error',
});
const { preparedSchemaFiles, preparedSchemaSource, SCHEMA_INDEX } = createRequire(import.meta.url)(generator);
const index = Object.fromEntries(
  Object.keys(schemaIndex)
    .sort()
    .map((id) => [id, schemaIndex[id]]),
);
writeFileSync(join(schemaDir, SCHEMA_INDEX), JSON.stringify(index, null, 2) + '\n');
console.log(`wrote ${written.size} schemas (${Object.keys(index).length} CRD kinds, the Kubernetes definitions) to imports/schemas/`);
const preparedDir = join(outDir, 'validators');
mkdirSync(preparedDir, { recursive: true });
const prepared = preparedSchemaFiles(readdirSync(schemaDir));
for (const file of prepared) writeFileSync(join(preparedDir, file), preparedSchemaSource(schemaDir, file.replace(/\.jsonl$/, '.json')));
console.log(`wrote ${prepared.length} prepared schemas to imports/validators/`);

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import type { DataValidationCxt, RegExpEngine } from 'ajv/dist/types';
import { fullFormats } from 'ajv-formats/dist/formats';

/** One way in which a manifest does not match its schema. */
export interface SchemaProblem {
  /** The object, as `<kind>/<namespace>/<name>`, or `<kind>/<name>` when it has no namespace. */
  readonly object: string;
  /** The offending field, e.g. `spec.template.spec.containers[0].image`; `''` for the whole object. */
  readonly path: string;
  /** What is wrong, e.g. `must be integer`, `is required`, `unknown field`. */
  readonly message: string;
}

/**
 * Validates a Kubernetes manifest (a plain JSON object) against the schema of its apiVersion and kind.
 *
 * Schemas come from `imports/schemas/` (written by `scripts/import.mjs`): the Kubernetes v1.28
 * definitions for core kinds and the `openAPIV3Schema` of each imported CRD. Beyond JSON Schema,
 * it reports what the API server would reject or silently drop: unknown fields (structural
 * pruning; strict field validation for core kinds) and duplicate entries in `x-kubernetes-list-type`
 * `map`/`set` lists. A `null` property counts as unset, as on the API server. CEL rules
 * (`x-kubernetes-validations`) and the API server's hand-written checks are not evaluated.
 *
 * Synchronous. Each kind's validator is compiled on first use (up to ~0.3 s) and then cached.
 *
 * @returns the problems found, `[]` when the manifest is valid. An unknown apiVersion/kind is itself
 *   a problem, `no schema for <apiVersion> <kind>`.
 */
export function validateSchema(manifest: any): SchemaProblem[] {
  const object = objectLabel(manifest);
  const data = withoutNulls(manifest);
  const validate = validatorFor(manifest?.apiVersion, manifest?.kind, data);
  if (!validate) return [{ object, path: '', message: `no schema for ${manifest?.apiVersion} ${manifest?.kind}` }];
  if (validate(data)) return [];
  const problems = (validate.errors ?? []).filter((error) => !insideJunctor(error)).map((error) => ({ object, ...toProblem(error, data) }));
  return problems.filter((p, i) => problems.findIndex((q) => q.path === p.path && q.message === p.message) === i);
}

const K8S_SCHEMA = 'kubernetes-1.28';
const OBJECT_META = `${K8S_SCHEMA}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
// The regular expression the API server quotes when it rejects a quantity.
const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const validators = new Map<string, ValidateFunction | undefined>();
let ajvInstance: Ajv | undefined;
let schemaDirectory: string | undefined;
let coreKinds: Map<string, string> | undefined; // `<apiVersion> <kind>` -> definition name

const key = (apiVersion: string, kind: string) => `${apiVersion} ${kind}`;

const crdSchemas = new Map<string, any>();

/**
 * The validator for a kind. A CRD's validator is compiled for the shape of the object (which
 * fields it has, at every depth): compiling a whole CRD schema costs far more than validating
 * (ClusterSecretStore lists every secret provider, ApplicationSet every generator), while objects
 * of one kind mostly share a shape. Pruning keeps every check on the fields present, and an
 * unknown field is still an unknown field.
 */
function validatorFor(apiVersion: unknown, kind: unknown, data: unknown): ValidateFunction | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const crd = crdSchema(apiVersion, kind);
  const id = crd === undefined ? key(apiVersion, kind) : `${key(apiVersion, kind)} ${shapeOf(data)}`;
  if (!validators.has(id)) validators.set(id, crd === undefined ? compileCore(apiVersion, kind) : compileCrd(pruneToShape(crd, [data])));
  return validators.get(id);
}

/** The CRD's schema for `apiVersion`/`kind` as imported, or undefined for core kinds. */
function crdSchema(apiVersion: string, kind: string): any {
  const id = key(apiVersion, kind);
  if (!crdSchemas.has(id)) {
    const [, group, version] = /^(?:([a-z0-9.-]+)\/)?([a-z0-9]+)$/.exec(apiVersion) ?? [];
    const crdFile = group && /^[A-Za-z0-9]+$/.test(kind) ? join(schemaDir(), `${group}_${kind}_${version}.json`) : undefined;
    crdSchemas.set(id, crdFile && existsSync(crdFile) ? JSON.parse(readFileSync(crdFile, 'utf8')) : undefined);
  }
  return crdSchemas.get(id);
}

/** A key for the fields an object has at every depth (array items merged), values left out. */
function shapeOf(data: unknown): string {
  if (Array.isArray(data)) return `[${[...new Set(data.map(shapeOf))].sort().join('|')}]`;
  if (data === null || typeof data !== 'object') return '';
  return `{${Object.keys(data).sort().map((k) => `${JSON.stringify(k)}:${shapeOf((data as any)[k])}`).join(',')}}`;
}

/**
 * A copy of a structural schema keeping, under `properties`, only the fields that some sample
 * has (recursively, with array items and map values as samples). Fields a sample has that the
 * schema does not list stay unknown, and `required` stays whole, so no finding is lost.
 */
function pruneToShape(node: any, samples: unknown[]): any {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const out: any = { ...node };
  const objects = samples.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object' && !Array.isArray(d));
  if (node.properties) {
    out.properties = {};
    for (const [name, sub] of Object.entries<any>(node.properties)) {
      const present = objects.filter((o) => name in o).map((o) => o[name]);
      if (present.length > 0) out.properties[name] = pruneToShape(sub, present);
    }
  }
  if (node.items && typeof node.items === 'object') {
    out.items = pruneToShape(node.items, samples.filter(Array.isArray).flat());
  }
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.additionalProperties = pruneToShape(node.additionalProperties, objects.flatMap((o) => Object.values(o)));
  }
  for (const junctor of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(node[junctor])) out[junctor] = node[junctor].map((branch: any) => pruneToShape(branch, samples));
  }
  return out;
}

function compileCrd(crd: any): ValidateFunction {
  const ajv = getAjv();
  {
    const schema = structuredClone(crd);
    schema.type = 'object';
    schema.properties = {
      ...schema.properties,
      // Every object has these, and Istio's schemas list only spec and status.
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: OBJECT_META },
      // Written by controllers, not by manifests: not checked (and cheaper to compile).
      status: {},
    };
    toJsonSchema(schema);
    shareRepeats(schema);
    return ajv.compile(schema);
  }
}

function compileCore(apiVersion: string, kind: string): ValidateFunction | undefined {
  const ajv = getAjv();
  const definition = coreKinds!.get(key(apiVersion, kind));
  return definition ? ajv.compile({ $ref: `${K8S_SCHEMA}#/definitions/${definition}` }) : undefined;
}

function getAjv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const ajv = new Ajv({
    allErrors: true,
    // The schemas are upstream's, generated and checked at import time: checking them against
    // the meta-schema again on every compile would cost more than the validation itself.
    validateSchema: false,
    inlineRefs: false, // keeps shareRepeats' $defs shared
    strictTypes: false, // union types (int-or-string) and formats under anyOf are normal in Kubernetes schemas
    code: { regExp, optimize: false }, // compiling dominates: each kind is validated a few hundred times at most
    // The formats the API server checks; int32/int64/double are not range-checked there.
    formats: { 'date-time': fullFormats['date-time'], byte: fullFormats.byte, ipv4: fullFormats.ipv4, ipv6: fullFormats.ipv6, int32: true, int64: true, double: true },
  });
  // Kubernetes extensions that carry no check of their own here (x-kubernetes-validations is CEL).
  ajv.addVocabulary([
    'example',
    'x-kubernetes-group-version-kind',
    'x-kubernetes-int-or-string',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-patch-merge-key',
    'x-kubernetes-patch-strategy',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-unions',
    'x-kubernetes-validations',
  ]);
  ajv.addKeyword({ keyword: 'x-kubernetes-list-type', type: 'array', schemaType: 'string', errors: true, validate: validateListType });

  const core = JSON.parse(readFileSync(join(schemaDir(), `${K8S_SCHEMA}.json`), 'utf8'));
  coreKinds = new Map();
  for (const [name, definition] of Object.entries<any>(core.definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      coreKinds.set(key(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, gvk.kind), name);
    }
    // Free-form in Go (RawExtension, FieldsV1, Patch), so not closed by toJsonSchema.
    if (definition.type === 'object' && !definition.properties) definition['x-kubernetes-preserve-unknown-fields'] = true;
  }
  core.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].pattern = QUANTITY_PATTERN;
  toJsonSchema(core);
  ajv.addSchema(core, K8S_SCHEMA);
  return (ajvInstance = ajv);
}

/** Where `imports/schemas/` is: this file is in lib/policy/ in the sources and in build/ once bundled. */
function schemaDir(): string {
  schemaDirectory ??= [resolve(__dirname, '../../imports/schemas'), resolve(__dirname, '../imports/schemas')].find((dir) => existsSync(dir));
  if (!schemaDirectory) throw new Error(`imports/schemas/ not found from ${__dirname}; run 'npm run import'`);
  return schemaDirectory;
}

/**
 * Rewrites a Kubernetes structural schema, in place, into plain JSON Schema:
 * int-or-string and `nullable` become union types, and objects that neither declare
 * `additionalProperties` nor preserve unknown fields are closed, since the API server
 * drops (CRDs) or rejects (core kinds) fields they don't list.
 */
function toJsonSchema(node: any): void {
  for (const junctor of ['anyOf', 'oneOf']) {
    // `anyOf: [{type: integer}, {type: string}]` and the like: one union type gives one clear error.
    const branches = node[junctor];
    if (Array.isArray(branches) && branches.every((b) => Object.keys(b).length === 1 && typeof b.type === 'string')) {
      node.type = branches.map((b: any) => b.type);
      delete node[junctor];
    }
  }
  if (node['x-kubernetes-int-or-string']) node.type = ['integer', 'string'];
  if (node.nullable === true && node.type !== undefined) {
    node.type = [...[node.type].flat(), 'null'];
    if (node.enum) node.enum = [...node.enum, null];
  }
  delete node.nullable;
  if ([node.type].flat().includes('object') && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    node.additionalProperties = false;
  }
  for (const [holder, slot] of subschemaSlots(node)) toJsonSchema(holder[slot]);
}

/**
 * Moves subschemas that occur more than once into `$defs`, so that Ajv compiles each once:
 * ApplicationSet repeats the Application template in every generator (compiles in 0.1 s, not 1.5 s).
 */
function shareRepeats(root: any): void {
  const counts = new Map<string, number>();
  const count = (node: any): void => {
    const json = JSON.stringify(node);
    if (json.length >= 500) counts.set(json, (counts.get(json) ?? 0) + 1);
    for (const [holder, slot] of subschemaSlots(node)) count(holder[slot]);
  };
  const names = new Map<string, string>();
  const defs: Record<string, unknown> = {};
  const share = (node: any): void => {
    for (const [holder, slot] of subschemaSlots(node)) {
      const json = JSON.stringify(holder[slot]);
      if ((counts.get(json) ?? 0) < 2) {
        share(holder[slot]);
        continue;
      }
      if (!names.has(json)) {
        names.set(json, `shared${names.size}`);
        defs[names.get(json)!] = holder[slot];
        share(holder[slot]);
      }
      holder[slot] = { $ref: `#/$defs/${names.get(json)}` };
    }
  };
  count(root);
  share(root);
  root.$defs = defs;
}

/** Where a schema node holds subschemas, as [holder, key] pairs so that they can be replaced. */
function subschemaSlots(node: any): [any, string | number][] {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
  const slots: [any, string | number][] = [];
  for (const map of ['properties', 'definitions', '$defs']) for (const name of Object.keys(node[map] ?? {})) slots.push([node[map], name]);
  for (const slot of ['items', 'additionalProperties', 'not']) if (typeof node[slot] === 'object') slots.push([node, slot]);
  for (const junctor of ['allOf', 'anyOf', 'oneOf']) (node[junctor] ?? []).forEach((_: unknown, i: number) => slots.push([node[junctor], i]));
  return slots;
}

/** Patterns are Go RE2: JavaScript's RegExp where it accepts them, RE2 itself (WebAssembly) otherwise, e.g. for `(?i)`. */
const regExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // Loaded only when needed: it compiles a WebAssembly module (~20 ms).
      const { RE2 } = require('re2-wasm');
      return new RE2(pattern, 'u');
    }
  },
  { code: 'RegExp' },
);

/** Entries of a `map` list must differ in their keys, and those of a `set` list must differ, as the API server checks. */
function validateListType(listType: string, items: unknown[], parent: any, context?: DataValidationCxt): boolean {
  if (listType !== 'map' && listType !== 'set') return true;
  const keys: string[] = listType === 'map' ? parent['x-kubernetes-list-map-keys'] ?? [] : [];
  const seen = new Set<string>();
  const errors: Partial<ErrorObject>[] = [];
  items.forEach((item: any, index) => {
    const id = JSON.stringify(listType === 'map' ? keys.map((k) => item?.[k]) : item);
    if (seen.has(id)) {
      const entry = listType === 'map' ? `entry (${keys.filter((k) => item?.[k] !== undefined).map((k) => `${k}: ${JSON.stringify(item[k])}`).join(', ')})` : `value ${id}`;
      errors.push({ keyword: 'x-kubernetes-list-type', instancePath: `${context?.instancePath ?? ''}/${index}`, params: {}, message: `duplicate ${entry}` });
    }
    seen.add(id);
  });
  (validateListType as any).errors = errors;
  return errors.length === 0;
}

/** Errors from inside an anyOf/oneOf/not branch are noise: the junctor's own error is reported. */
function insideJunctor(error: ErrorObject): boolean {
  return /(?<!\/properties)\/((anyOf|oneOf)\/\d+|not)\//.test(error.schemaPath);
}

function toProblem(error: ErrorObject, data: unknown): { path: string; message: string } {
  const at = (extra?: string) => formatPath(error.instancePath, data, extra);
  switch (error.keyword) {
    case 'required':
      return { path: at(error.params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { path: at(error.params.additionalProperty), message: 'unknown field' };
    case 'type':
      return { path: at(), message: `must be ${[error.params.type].flat().join(' or ')}` };
    case 'enum':
      return { path: at(), message: `must be one of ${error.params.allowedValues.filter((v: unknown) => v !== null).map((v: unknown) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path: at(), message: error.message ?? error.keyword };
  }
}

/** `/spec/containers/0/image` -> `spec.containers[0].image`; arrays are told apart from maps by the data itself. */
function formatPath(instancePath: string, data: any, extra?: string): string {
  const segments = instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let path = '';
  let node = data;
  for (const segment of segments) {
    if (Array.isArray(node)) path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
    node = node?.[segment];
  }
  return path;
}

/** A deep copy without null-valued properties: the API server treats them as unset. */
function withoutNulls(value: any): any {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

function objectLabel(manifest: any): string {
  const { namespace, name } = manifest?.metadata ?? {};
  return [manifest?.kind, namespace, name].filter((part) => part !== undefined && part !== '').join('/');
}

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { QuickCheck, quickCheck, RefResolver } from './schema-check';
import {
  coreValidatorSchema,
  crdJsonSchema,
  K8S_SCHEMA,
  key,
  parsePreparedSchema,
  PreparedSchema,
  preparedSchemaFile,
  SCHEMA_INDEX,
} from './schema-json';

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
 * Synchronous. A quick walk of the schema (schema-check.ts) vouches for most valid objects (for
 * every object of a valid synth); the others go to Ajv, which is loaded and compiles the kind's
 * validator on first use (see validatorFor) and finds and words the problems.
 *
 * @returns the problems found, `[]` when the manifest is valid. An unknown apiVersion/kind is itself
 *   a problem, `no schema for <apiVersion> <kind>`.
 */
export function validateSchema(manifest: any): SchemaProblem[] {
  if (useQuickCheck && quicklyConforms(manifest)) return [];
  const object = objectLabel(manifest);
  const data = withoutNulls(manifest);
  const validate = validatorFor(manifest?.apiVersion, manifest?.kind, data);
  if (!validate) return [{ object, path: '', message: `no schema for ${manifest?.apiVersion} ${manifest?.kind}` }];
  if (validate(data)) return [];
  const problems = (validate.errors ?? []).filter((error) => !insideJunctor(error)).map((error) => ({ object, ...toProblem(error, data) }));
  return problems.filter((p, i) => problems.findIndex((q) => q.path === p.path && q.message === p.message) === i);
}

const validators = new Map<string, ValidateFunction | undefined>();
let ajvInstance: Ajv | undefined;
let schemaDirectory: string | undefined;
let coreKinds: Map<string, string> | undefined; // `<apiVersion> <kind>` -> definition name
let crdKinds: Readonly<Record<string, string>> | undefined; // `<apiVersion> <kind>` -> schema file name (SCHEMA_INDEX)

const crdSchemaContents = new Map<string, any>();

/**
 * The validator for a kind, compiled by Ajv on first use and cached: only for objects the quick
 * check cannot vouch for, so a valid synth compiles none.
 *
 * A core kind's validator checks its whole definition. A CRD's is compiled for the shape of the
 * object (which fields it has, at every depth): compiling a whole CRD schema costs far more than
 * validating (ClusterSecretStore lists every secret provider, ApplicationSet every generator),
 * while objects of one kind mostly share a shape. Pruning keeps every check on the fields present,
 * and an unknown field is still an unknown field. Versions of a CRD that share a schema share
 * their validators.
 */
function validatorFor(apiVersion: unknown, kind: unknown, data: unknown): ValidateFunction | undefined {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const crdFile = crdSchemaFile(apiVersion, kind);
  const id = crdFile === undefined ? key(apiVersion, kind) : `${crdFile} ${shapeOf(data)}`;
  if (!validators.has(id)) {
    validators.set(id, crdFile === undefined ? compileCore(apiVersion, kind) : compileCrd(pruneToShape(crdSchema(crdFile), [data])));
  }
  return validators.get(id);
}

let useQuickCheck = true;

/** For tests: whether the quick check may vouch for an object (the default), or Ajv judges every object. */
export function useQuickSchemaCheck(use: boolean): void {
  useQuickCheck = use;
}

/** `#/definitions/<name>` in the Kubernetes definitions, or `kubernetes-1.28#/definitions/<name>` from a CRD. */
const DEFINITION_REF = new RegExp(`^(?:${K8S_SCHEMA.replace(/\./g, '\\.')})?#/definitions/([^/~]+)$`);
const SHARED_REF = /^#\/\$defs\/([^/~]+)$/;

const quickChecks = new Map<string, QuickCheck | undefined>();

/**
 * Whether the quick check vouches for a manifest (null properties count as unset, as for Ajv in
 * validateSchema) against the schema of its kind, as prepared at import time
 * (imports/validators/<schema file>.jsonl, see PreparedSchema). Exported for tests.
 */
export function quicklyConforms(manifest: any): boolean {
  const apiVersion: unknown = manifest?.apiVersion;
  const kind: unknown = manifest?.kind;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return false;
  const id = key(apiVersion, kind);
  if (!quickChecks.has(id)) quickChecks.set(id, quickCheckOf(apiVersion, kind));
  const check = quickChecks.get(id);
  return check !== undefined && check(manifest);
}

let kubernetes: PreparedSchema | null | undefined;

/**
 * The quick check of a kind. References resolve to the Kubernetes definitions and, in a CRD's
 * schema, to its own `$defs`.
 */
function quickCheckOf(apiVersion: string, kind: string): QuickCheck | undefined {
  kubernetes ??= preparedSchema(`${K8S_SCHEMA}.json`) ?? null;
  const core = kubernetes;
  if (core?.kinds === undefined) return undefined;
  const definition: RefResolver = (ref) => {
    const name = DEFINITION_REF.exec(ref)?.[1];
    return name === undefined ? undefined : core.definition(name);
  };
  const crdFile = crdSchemaFile(apiVersion, kind);
  if (crdFile === undefined) {
    const id = key(apiVersion, kind);
    return Object.hasOwn(core.kinds, id) ? quickCheck(core.definition(core.kinds[id]), definition) : undefined;
  }
  const crd = preparedSchema(crdFile);
  if (crd?.schema === undefined) return undefined;
  return quickCheck(crd.schema, (ref) => {
    const name = SHARED_REF.exec(ref)?.[1];
    return name === undefined ? definition(ref) : crd.definition(name);
  });
}

/** A schema file's prepared schema (written by `npm run import`), or undefined when there is none. */
function preparedSchema(schemaFile: string): PreparedSchema | undefined {
  const path = join(schemaDir(), '..', 'validators', preparedSchemaFile(schemaFile));
  return existsSync(path) ? parsePreparedSchema(readFileSync(path, 'utf8')) : undefined;
}

/**
 * The file name in imports/schemas/ of the CRD's schema for `apiVersion`/`kind` (from SCHEMA_INDEX,
 * where versions with the same schema share a file), or undefined for core and unknown kinds.
 */
function crdSchemaFile(apiVersion: string, kind: string): string | undefined {
  crdKinds ??= readSchemaIndex();
  const id = key(apiVersion, kind);
  return Object.hasOwn(crdKinds, id) ? crdKinds[id] : undefined;
}

function readSchemaIndex(): Record<string, string> {
  const path = join(schemaDir(), SCHEMA_INDEX);
  if (!existsSync(path)) throw new Error(`imports/schemas/${SCHEMA_INDEX} not found in ${schemaDir()}; run 'npm run import'`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

function crdSchema(file: string): any {
  if (!crdSchemaContents.has(file)) crdSchemaContents.set(file, JSON.parse(readFileSync(join(schemaDir(), file), 'utf8')));
  return crdSchemaContents.get(file);
}

/** A key for the fields an object has at every depth (array items merged), values left out. */
function shapeOf(data: unknown): string {
  if (Array.isArray(data)) return `[${[...new Set(data.map(shapeOf))].sort().join('|')}]`;
  if (data === null || typeof data !== 'object') return '';
  return `{${Object.keys(data)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${shapeOf((data as any)[k])}`)
    .join(',')}}`;
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
    out.additionalProperties = pruneToShape(
      node.additionalProperties,
      objects.flatMap((o) => Object.values(o)),
    );
  }
  for (const junctor of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(node[junctor])) out[junctor] = node[junctor].map((branch: any) => pruneToShape(branch, samples));
  }
  return out;
}

function compileCrd(crd: any): ValidateFunction {
  return getAjv().compile(crdJsonSchema(crd));
}

function compileCore(apiVersion: string, kind: string): ValidateFunction | undefined {
  const ajv = getAjv();
  const definition = coreKinds!.get(key(apiVersion, kind));
  return definition ? ajv.compile(coreValidatorSchema(definition)) : undefined;
}

function getAjv(): Ajv {
  // Loaded on first use: Ajv is needed only for objects the quick check cannot vouch for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above); an import would load Ajv on every synth
  const { createAjv }: typeof import('./schema-ajv') = require('./schema-ajv');
  if (!ajvInstance) ({ ajv: ajvInstance, coreKinds } = createAjv(schemaDir()));
  return ajvInstance;
}

/** Where `imports/schemas/` is: this file is in lib/policy/ in the sources and in build/ once bundled. */
function schemaDir(): string {
  schemaDirectory ??= [resolve(__dirname, '../../imports/schemas'), resolve(__dirname, '../imports/schemas')].find((dir) =>
    existsSync(dir),
  );
  if (!schemaDirectory) throw new Error(`imports/schemas/ not found from ${__dirname}; run 'npm run import'`);
  return schemaDirectory;
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
      return {
        path: at(),
        message: `must be one of ${error.params.allowedValues
          .filter((v: unknown) => v !== null)
          .map((v: unknown) => JSON.stringify(v))
          .join(', ')}`,
      };
    default:
      return { path: at(), message: error.message ?? error.keyword };
  }
}

/** `/spec/containers/0/image` -> `spec.containers[0].image`; arrays are told apart from maps by the data itself. */
function formatPath(instancePath: string, data: any, extra?: string): string {
  const segments = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
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

/** The value without null-valued properties (the API server treats them as unset): itself when it has none, else a copy. */
function withoutNulls(value: any): any {
  return hasNullProperty(value) ? copyWithoutNulls(value) : value;
}

function hasNullProperty(value: any): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasNullProperty(item)) return true;
    return false;
  }
  for (const k in value) {
    const v = value[k];
    if (v === null || (typeof v === 'object' && hasNullProperty(v))) return true;
  }
  return false;
}

/** A deep copy without null-valued properties. */
function copyWithoutNulls(value: any): any {
  if (Array.isArray(value)) return value.map(copyWithoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, copyWithoutNulls(v)]),
  );
}

function objectLabel(manifest: any): string {
  const { namespace, name } = manifest?.metadata ?? {};
  return [manifest?.kind, namespace, name].filter((part) => part !== undefined && part !== '').join('/');
}

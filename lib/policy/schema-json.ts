/**
 * The JSON Schemas that manifests are validated against, as plain data: the Kubernetes v1.28
 * definitions and each CRD's `openAPIV3Schema` (from imports/schemas/), rewritten from Kubernetes
 * structural schemas into JSON Schema. Both validators use them: Ajv (schema-ajv.ts, schema.ts)
 * and the quick check (schema-check.ts), so that the two judge the same schemas. `npm run import`
 * (scripts/import.mjs) writes the quick check's prepared schemas with preparedSchemaSource.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const K8S_SCHEMA = 'kubernetes-1.28';
export const OBJECT_META = `${K8S_SCHEMA}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
// The regular expression the API server quotes when it rejects a quantity.
const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** The key of a kind, `<apiVersion> <kind>`. */
export const key = (apiVersion: string, kind: string): string => `${apiVersion} ${kind}`;

/** The formats the API server checks (as ajv-formats' `fullFormats` define them). */
export const CHECKED_FORMATS = ['date-time', 'byte', 'ipv4', 'ipv6'] as const;
/** Formats that are only annotations: int32/int64/double are not range-checked by the API server. */
export const UNCHECKED_FORMATS = ['int32', 'int64', 'double'] as const;
/**
 * Keywords of Kubernetes' OpenAPI schemas that carry no check of their own here (annotations;
 * x-kubernetes-validations is CEL, which the API server evaluates). `x-kubernetes-list-type` is
 * not among them: it is checked.
 */
export const KUBERNETES_ANNOTATION_KEYWORDS = [
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
] as const;

/**
 * The Kubernetes v1.28 definitions from `schemaDir`, as JSON Schema (a fresh copy on every call),
 * and the definition of each core kind, by `<apiVersion> <kind>`.
 */
export function kubernetesDefinitions(schemaDir: string): { core: any; coreKinds: Map<string, string> } {
  const core = JSON.parse(readFileSync(join(schemaDir, `${K8S_SCHEMA}.json`), 'utf8'));
  for (const definition of Object.values<any>(core.definitions)) {
    // Free-form in Go (RawExtension, FieldsV1, Patch), so not closed by toJsonSchema.
    if (definition.type === 'object' && !definition.properties) definition['x-kubernetes-preserve-unknown-fields'] = true;
  }
  core.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].pattern = QUANTITY_PATTERN;
  toJsonSchema(core);
  return { core, coreKinds: coreKindsOf(core) };
}

/** The definition of each core kind, by `<apiVersion> <kind>`, in the Kubernetes definitions. */
function coreKindsOf(core: any): Map<string, string> {
  const coreKinds = new Map<string, string>();
  for (const [name, definition] of Object.entries<any>(core.definitions)) {
    for (const gvk of definition['x-kubernetes-group-version-kind'] ?? []) {
      coreKinds.set(key(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, gvk.kind), name);
    }
  }
  return coreKinds;
}

/**
 * The JSON Schema of a CRD's objects, from its `openAPIV3Schema` (left unchanged): the schema
 * with apiVersion, kind and metadata (the v1.28 ObjectMeta, by `$ref` to `kubernetes-1.28`),
 * and status unchecked, since controllers write it, not manifests; repeated subschemas are
 * shared in `$defs`.
 *
 * With `split` (the quick check's prepared schemas), large subschemas outside anyOf/oneOf/not
 * move to `$defs` as well, so that the quick check parses each only when an object has such a
 * field (ClusterSecretStore lists dozens of providers, a manifest uses one). Subschemas under
 * anyOf/oneOf/not stay where they are.
 */
export function crdJsonSchema(crd: any, options: { split?: boolean } = {}): any {
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
  if (options.split) splitLarge(schema);
  return schema;
}

/** Subschemas of at least this many characters (as JSON) are split off by splitLarge. */
const SPLIT_SIZE = 4000;

/** Moves large subschemas that are not under a junctor into `$defs` (see crdJsonSchema). */
function splitLarge(root: any): void {
  let count = 0;
  const visit = (node: any): void => {
    for (const [holder, slot] of subschemaSlots(node)) {
      if (holder === node.$defs || typeof slot === 'number') continue; // $defs are visited from the root; junctor branches stay
      if (slot === 'not') continue;
      const child = holder[slot];
      if (child === null || typeof child !== 'object' || child.$ref !== undefined) continue;
      visit(child);
      if (JSON.stringify(child).length >= SPLIT_SIZE) {
        const name = `split${count++}`;
        root.$defs[name] = child;
        holder[slot] = { $ref: `#/$defs/${name}` };
      }
    }
  };
  const shared = Object.values(root.$defs);
  visit(root);
  for (const def of shared) visit(def);
}

/** The JSON Schema to compile for a core kind's definition. */
export const coreValidatorSchema = (definition: string): any => ({ $ref: `${K8S_SCHEMA}#/definitions/${definition}` });

/**
 * The file of imports/schemas/ that maps each CRD kind, `<apiVersion> <kind>`, to its schema file
 * there. Versions of a CRD with the same schema (Gateway API and Istio serve v1 and v1beta1) map to
 * one file, named after the first of them.
 */
export const SCHEMA_INDEX = 'index.json';

/** The file of imports/validators/ that holds a schema file's prepared schema: its name, with `.jsonl`. */
export const preparedSchemaFile = (schemaFile: string): string => schemaFile.replace(/\.json$/, '.jsonl');

/** The files of imports/validators/ for the files of imports/schemas/: each schema file's prepared schema, sorted. */
export function preparedSchemaFiles(schemaFiles: readonly string[]): string[] {
  return schemaFiles
    .filter((f) => f.endsWith('.json') && f !== SCHEMA_INDEX)
    .sort()
    .map(preparedSchemaFile);
}

/**
 * A schema file's JSON Schema as the quick check reads it: the Kubernetes definitions, or a CRD's
 * schema as Ajv compiles it (crdJsonSchema with `split`), whose definitions (`#/definitions/`,
 * `#/$defs/`) are parsed when first referenced. A run then parses only what its objects reach:
 * the few hundred KB of schemas otherwise cost more than checking the objects.
 */
export interface PreparedSchema {
  /** A CRD's schema, without its `$defs`; undefined for the Kubernetes definitions. */
  readonly schema?: unknown;
  /** For the Kubernetes definitions: the definition of each kind, by `<apiVersion> <kind>`. */
  readonly kinds?: Readonly<Record<string, string>>;
  /** A definition by name, parsed on first use (the same object every time), or undefined. */
  definition(name: string): unknown;
}

/**
 * The text of a prepared schema file for a schema file of imports/schemas/, in JSON Lines: a
 * header `{schema?, kinds?, definitions: [names]}`, then each definition on a line of its own, in
 * the header's order (which also keeps diffs of imports/ readable).
 */
export function preparedSchemaSource(schemaDir: string, schemaFile: string): string {
  let header: { schema?: unknown; kinds?: Record<string, string>; definitions: string[] };
  let definitions: Record<string, unknown>;
  if (schemaFile === `${K8S_SCHEMA}.json`) {
    const { core, coreKinds } = kubernetesDefinitions(schemaDir);
    definitions = core.definitions;
    header = { kinds: Object.fromEntries([...coreKinds].sort(([a], [b]) => (a < b ? -1 : 1))), definitions: Object.keys(definitions) };
  } else {
    const { $defs, ...schema } = crdJsonSchema(JSON.parse(readFileSync(join(schemaDir, schemaFile), 'utf8')), { split: true });
    definitions = $defs;
    header = { schema, definitions: Object.keys(definitions) };
  }
  return [header, ...header.definitions.map((name) => definitions[name])].map((line) => `${JSON.stringify(line)}\n`).join('');
}

/** Reads the text of a prepared schema file (see preparedSchemaSource). */
export function parsePreparedSchema(text: string): PreparedSchema {
  const lines = text.split('\n');
  const header = JSON.parse(lines[0]);
  const lineOf = new Map<string, number>(header.definitions.map((name: string, i: number) => [name, i + 1]));
  const parsed = new Map<string, unknown>();
  return {
    schema: header.schema,
    kinds: header.kinds,
    definition(name) {
      const line = lineOf.get(name);
      if (line === undefined) return undefined;
      if (!parsed.has(name)) parsed.set(name, JSON.parse(lines[line]));
      return parsed.get(name);
    },
  };
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
export function subschemaSlots(node: any): [any, string | number][] {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
  const slots: [any, string | number][] = [];
  for (const map of ['properties', 'definitions', '$defs']) for (const name of Object.keys(node[map] ?? {})) slots.push([node[map], name]);
  for (const slot of ['items', 'additionalProperties', 'not']) if (typeof node[slot] === 'object') slots.push([node, slot]);
  for (const junctor of ['allOf', 'anyOf', 'oneOf'])
    (node[junctor] ?? []).forEach((_: unknown, i: number) => slots.push([node[junctor], i]));
  return slots;
}

/**
 * The Ajv set-up shared by schema validation at run time (lib/policy/schema.ts) and by the
 * validators precompiled at import time (scripts/import.mjs writes imports/validators/ with
 * Ajv's standalone code): one place for the options and the Kubernetes keywords, so both give
 * the very same errors. The schemas themselves come from schema-json.ts, which also prepares
 * them for the quick check (schema-check.ts).
 *
 * Everything that compiled code refers to is written as source text (`code`), so that a
 * standalone module needs nothing from lib/: formats come from ajv-formats, RE2 from re2-wasm.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Ajv from 'ajv';
import type { KeywordCxt } from 'ajv';
import { _, Name, strConcat, stringify } from 'ajv/dist/compile/codegen';
import { _Code } from 'ajv/dist/compile/codegen/code';
import N from 'ajv/dist/compile/names';
import type { RegExpEngine } from 'ajv/dist/types';
import { fullFormats } from 'ajv-formats/dist/formats';
import {
  CHECKED_FORMATS,
  CORE_VALIDATORS,
  coreValidatorSchema,
  crdJsonSchema,
  crdValidatorModule,
  K8S_SCHEMA,
  KUBERNETES_ANNOTATION_KEYWORDS,
  kubernetesDefinitions,
  preparedSchemaFile,
  preparedSchemaSource,
  UNCHECKED_FORMATS,
} from './schema-json';

/**
 * Patterns are Go RE2: JavaScript's RegExp where it accepts them, RE2 itself (WebAssembly) otherwise,
 * e.g. for `(?i)`. RE2 is loaded only when such a pattern is first tested: it compiles a WebAssembly
 * module (~20 ms).
 */
const REGEXP_SOURCE = `(pattern, flags) => {
  try {
    return new RegExp(pattern, flags);
  } catch {
    let re2;
    // Ajv tells patterns apart by toString().
    return { source: pattern, toString: () => "/" + pattern + "/u", test: (s) => (re2 ??= new (require("re2-wasm").RE2)(pattern, "u")).test(s) };
  }
}`;

/**
 * Entries of a `map` list must differ in their keys, and those of a `set` list must differ, as the
 * API server checks. Returns the errors (Ajv's shape), or null.
 */
const LIST_TYPE_ERRORS_SOURCE = `(items, listType, keys, instancePath, schemaPath) => {
  let errors = null;
  const seen = new Set();
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const id = JSON.stringify(listType === "map" ? keys.map((k) => item?.[k]) : item);
    if (seen.has(id)) {
      const entry = listType === "map" ? "entry (" + keys.filter((k) => item?.[k] !== undefined).map((k) => k + ": " + JSON.stringify(item[k])).join(", ") + ")" : "value " + id;
      (errors ??= []).push({ instancePath: instancePath + "/" + index, schemaPath, keyword: "x-kubernetes-list-type", params: {}, message: "duplicate " + entry });
    }
    seen.add(id);
  }
  return errors;
}`;

const evaluate = (source: string): any => new Function('require', `return (${source});`)(require);

const regExp: RegExpEngine = Object.assign(evaluate(REGEXP_SOURCE), { code: REGEXP_SOURCE });
const listTypeErrors = evaluate(LIST_TYPE_ERRORS_SOURCE);

/**
 * A new Ajv with the Kubernetes keywords and the v1.28 definitions added as `kubernetes-1.28`.
 * With `standalone`, it keeps the generated source (for `ajv/dist/standalone`) and optimizes it,
 * since the code is generated once and run often.
 */
export function createAjv(schemaDir: string, options: { standalone?: boolean } = {}): { ajv: Ajv; coreKinds: Map<string, string> } {
  const standalone = options.standalone === true;
  // Loaded on first use (~25 ms): a synth with precompiled validators never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (measured, see above); an import would load Ajv with this module
  const AjvClass: typeof Ajv = require('ajv').default;
  const ajv = new AjvClass({
    allErrors: true,
    // The schemas are upstream's, generated and checked at import time: checking them against
    // the meta-schema again on every compile would cost more than the validation itself.
    validateSchema: false,
    inlineRefs: false, // keeps shareRepeats' $defs shared
    strictTypes: false, // union types (int-or-string) and formats under anyOf are normal in Kubernetes schemas
    // At run time compiling dominates (each kind is validated a few hundred times at most);
    // precompiled code is optimized.
    code: standalone
      ? { regExp, source: true, lines: true, optimize: true, formats: _`require("ajv-formats/dist/formats").fullFormats` }
      : { regExp, optimize: false },
    formats: {
      ...Object.fromEntries(CHECKED_FORMATS.map((f) => [f, fullFormats[f]])),
      ...Object.fromEntries(UNCHECKED_FORMATS.map((f) => [f, true])),
    },
  });
  ajv.addVocabulary([...KUBERNETES_ANNOTATION_KEYWORDS]);
  ajv.addKeyword({ keyword: 'x-kubernetes-list-type', type: 'array', schemaType: 'string', code: listTypeCode });

  const { core, coreKinds } = kubernetesDefinitions(schemaDir);
  ajv.addSchema(core, K8S_SCHEMA);
  return { ajv, coreKinds };
}

/** Duplicate entries of `map` and `set` lists, one error each (see LIST_TYPE_ERRORS_SOURCE). */
function listTypeCode(cxt: KeywordCxt): void {
  const { gen, data, schema, parentSchema, it } = cxt;
  if (schema !== 'map' && schema !== 'set') return;
  const keys: string[] = schema === 'map' ? (parentSchema['x-kubernetes-list-map-keys'] ?? []) : [];
  const fn = gen.scopeValue('func', { key: 'listTypeErrors', ref: listTypeErrors, code: new _Code(LIST_TYPE_ERRORS_SOURCE) });
  const instancePath = strConcat(N.instancePath, it.errorPath);
  const errors: Name = gen.const(
    'listErrors',
    _`${fn}(${data}, ${schema}, ${stringify(keys)}, ${instancePath}, ${`${it.errSchemaPath}/x-kubernetes-list-type`})`,
  );
  gen.if(_`${errors} !== null`, () => {
    gen.assign(N.vErrors, _`${N.vErrors} === null ? ${errors} : ${N.vErrors}.concat(${errors})`).assign(N.errors, _`${N.vErrors}.length`);
  });
}

/**
 * The core kinds whose validators are precompiled (the workload, networking, RBAC and policy
 * kinds manifests use); any other core kind is compiled on first use.
 */
export const PRECOMPILED_CORE_KINDS: readonly string[] = [
  'v1 ConfigMap',
  'v1 Endpoints',
  'v1 LimitRange',
  'v1 Namespace',
  'v1 PersistentVolume',
  'v1 PersistentVolumeClaim',
  'v1 Pod',
  'v1 ResourceQuota',
  'v1 Secret',
  'v1 Service',
  'v1 ServiceAccount',
  'apps/v1 DaemonSet',
  'apps/v1 Deployment',
  'apps/v1 ReplicaSet',
  'apps/v1 StatefulSet',
  'autoscaling/v2 HorizontalPodAutoscaler',
  'batch/v1 CronJob',
  'batch/v1 Job',
  'networking.k8s.io/v1 Ingress',
  'networking.k8s.io/v1 IngressClass',
  'networking.k8s.io/v1 NetworkPolicy',
  'policy/v1 PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1 ClusterRole',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1 Role',
  'rbac.authorization.k8s.io/v1 RoleBinding',
  'scheduling.k8s.io/v1 PriorityClass',
  'storage.k8s.io/v1 StorageClass',
];

const HEADER = '// Generated by scripts/import.mjs (Ajv standalone code, see lib/policy/schema-ajv.ts). Do not edit.\n';

/**
 * The source of the precompiled validator module `file` (CORE_VALIDATORS or a CRD's), from the
 * schemas in `schemaDir`. Deterministic: the same schemas and code give the same text.
 */
export function validatorModuleSource(schemaDir: string, file: string): string {
  if (file.endsWith('.jsonl')) return preparedSchemaSource(schemaDir, file.replace(/\.jsonl$/, '.json'));
  // Loaded here only: nothing at run time needs the generator.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: only the import script generates validator modules
  const standaloneCode: typeof import('ajv/dist/standalone').default = require('ajv/dist/standalone').default;
  const { ajv, coreKinds } = createAjv(schemaDir, { standalone: true });
  if (file === CORE_VALIDATORS) {
    const refs: Record<string, string> = {};
    PRECOMPILED_CORE_KINDS.forEach((kind, i) => {
      const definition = coreKinds.get(kind);
      if (!definition) throw new Error(`${K8S_SCHEMA}: no definition of ${kind}`);
      ajv.addSchema(coreValidatorSchema(definition), `core${i}`);
      refs[kind] = `core${i}`;
    });
    return HEADER + standaloneCode(ajv, refs) + '\n';
  }
  const crd = JSON.parse(readFileSync(join(schemaDir, file.replace(/\.js$/, '.json')), 'utf8'));
  return HEADER + standaloneCode(ajv, ajv.compile(crdJsonSchema(crd, { split: true }))) + '\n';
}

/**
 * The files of imports/validators/ for the schema files of imports/schemas/: CORE_VALIDATORS, a
 * module per CRD schema, and each schema file's JSON Schema as prepared for validation (for the
 * quick check, see schema-json.ts).
 */
export function validatorModules(schemaFiles: readonly string[]): string[] {
  const schemas = schemaFiles.filter((f) => f.endsWith('.json')).sort();
  return [
    CORE_VALIDATORS,
    ...schemas.filter((f) => f !== `${K8S_SCHEMA}.json`).map(crdValidatorModule),
    ...schemas.map(preparedSchemaFile),
  ];
}

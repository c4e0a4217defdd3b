/**
 * The Ajv set-up of schema validation (lib/policy/schema.ts): the options and the Kubernetes
 * keywords. Loaded only when the quick check (schema-check.ts) cannot vouch for an object, which
 * a valid synth never needs. The schemas themselves come from schema-json.ts.
 */
import type Ajv from 'ajv';
import type { KeywordCxt } from 'ajv';
import { _, Name, strConcat, stringify } from 'ajv/dist/compile/codegen';
import N from 'ajv/dist/compile/names';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import { fullFormats } from 'ajv-formats/dist/formats';
import { CHECKED_FORMATS, K8S_SCHEMA, KUBERNETES_ANNOTATION_KEYWORDS, kubernetesDefinitions, UNCHECKED_FORMATS } from './schema-json';

/**
 * Patterns are Go RE2: JavaScript's RegExp where it accepts them, RE2 itself (WebAssembly) otherwise,
 * e.g. for `(?i)`. RE2 is loaded only when such a pattern is first tested: it compiles a WebAssembly
 * module (~20 ms).
 */
function goRegExp(pattern: string, flags: string): RegExpLike {
  try {
    return new RegExp(pattern, flags);
  } catch {
    let re2: RegExpLike | undefined;
    const test = (s: string): boolean => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above): most patterns never need RE2
      re2 ??= new (require('re2-wasm') as typeof import('re2-wasm')).RE2(pattern, 'u');
      return re2.test(s);
    };
    // Ajv tells patterns apart by toString().
    return { source: pattern, toString: () => `/${pattern}/u`, test } as RegExpLike;
  }
}

/**
 * The engine as Ajv takes it. Ajv reads `code` only to write standalone modules, which nothing
 * here does: validators are compiled in memory.
 */
const regExp: RegExpEngine = Object.assign(goRegExp, { code: 'goRegExp' });

/** An error of Ajv's shape for a duplicate entry of an `x-kubernetes-list-type` list. */
interface ListTypeError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: 'x-kubernetes-list-type';
  readonly params: Record<string, never>;
  readonly message: string;
}

/**
 * Entries of a `map` list must differ in their keys, and those of a `set` list must differ, as the
 * API server checks. Returns the errors (Ajv's shape), or null. Called by the compiled validators.
 */
function listTypeErrors(items: unknown[], listType: 'map' | 'set', keys: string[], instancePath: string, schemaPath: string) {
  let errors: ListTypeError[] | null = null;
  const seen = new Set<string>();
  for (let index = 0; index < items.length; index++) {
    const item: any = items[index];
    const id = JSON.stringify(listType === 'map' ? keys.map((k) => item?.[k]) : item);
    if (seen.has(id)) {
      const entry =
        listType === 'map'
          ? `entry (${keys
              .filter((k) => item?.[k] !== undefined)
              .map((k) => `${k}: ${JSON.stringify(item[k])}`)
              .join(', ')})`
          : `value ${id}`;
      (errors ??= []).push({
        instancePath: `${instancePath}/${index}`,
        schemaPath,
        keyword: 'x-kubernetes-list-type',
        params: {},
        message: `duplicate ${entry}`,
      });
    }
    seen.add(id);
  }
  return errors;
}

/** A new Ajv with the Kubernetes keywords and the v1.28 definitions added as `kubernetes-1.28`. */
export function createAjv(schemaDir: string): { ajv: Ajv; coreKinds: Map<string, string> } {
  // Loaded on first use (~25 ms): a synth whose objects the quick check vouches for never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (measured, see above); an import would load Ajv with this module
  const AjvClass: typeof Ajv = require('ajv').default;
  const ajv = new AjvClass({
    allErrors: true,
    // The schemas are upstream's, generated and checked at import time: checking them against
    // the meta-schema again on every compile would cost more than the validation itself.
    validateSchema: false,
    inlineRefs: false, // keeps shareRepeats' $defs shared
    strictTypes: false, // union types (int-or-string) and formats under anyOf are normal in Kubernetes schemas
    // Compiling dominates (each kind is validated a few times at most, and only when the quick
    // check cannot vouch for an object): no optimization pass.
    code: { regExp, optimize: false },
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

/** Duplicate entries of `map` and `set` lists, one error each (see listTypeErrors). */
function listTypeCode(cxt: KeywordCxt): void {
  const { gen, data, schema, parentSchema, it } = cxt;
  if (schema !== 'map' && schema !== 'set') return;
  const keys: string[] = schema === 'map' ? (parentSchema['x-kubernetes-list-map-keys'] ?? []) : [];
  const fn = gen.scopeValue('func', { key: 'listTypeErrors', ref: listTypeErrors });
  const instancePath = strConcat(N.instancePath, it.errorPath);
  const errors: Name = gen.const(
    'listErrors',
    _`${fn}(${data}, ${schema}, ${stringify(keys)}, ${instancePath}, ${`${it.errSchemaPath}/x-kubernetes-list-type`})`,
  );
  gen.if(_`${errors} !== null`, () => {
    gen.assign(N.vErrors, _`${N.vErrors} === null ? ${errors} : ${N.vErrors}.concat(${errors})`).assign(N.errors, _`${N.vErrors}.length`);
  });
}

/**
 * A quick check that a value certainly conforms to a JSON Schema (one of schema-json.ts), with no
 * code to generate, load or compile: each schema node becomes a small closure on first use.
 * Schema validation (schema.ts) runs it first and asks Ajv only when it cannot vouch for an
 * object, so that a valid platform never loads Ajv nor compiles a validator (compiling a kind's
 * validator costs far more than checking its objects).
 *
 * It is sound but not complete: `true` means Ajv would report nothing; `false` means "ask Ajv",
 * which then finds the problems and words them. Hence a keyword it does not know, a `$ref` it
 * cannot resolve, an enum value that is an object and a pattern JavaScript cannot compile (RE2
 * only) all give `false`. `oneOf` and `not` also need the opposite verdict, "certainly invalid"
 * (certainlyFails), given only for the simplest keywords: enough for the "provider or not"
 * `oneOf` of Istio's AuthorizationPolicy. Every check follows Ajv's semantics for the options in
 * schema-ajv.ts; test/policy/schema-check.test.ts compares the two on every shipped manifest
 * and on mutations of them.
 */
import { fullFormats } from 'ajv-formats/dist/formats';
import { CHECKED_FORMATS, KUBERNETES_ANNOTATION_KEYWORDS, UNCHECKED_FORMATS } from './schema-json';

/** Resolves a `$ref` to its schema, or undefined when it cannot. */
export type RefResolver = (ref: string) => unknown;

/** Whether a value certainly conforms (see the module comment); `false` means "not known". */
export type QuickCheck = (data: unknown) => boolean;

/** Keywords that check nothing, as for Ajv (annotations, vocabulary added in schema-ajv.ts, containers of definitions). */
const ANNOTATIONS = new Set<string>(['$defs', 'default', 'definitions', 'description', 'title', ...KUBERNETES_ANNOTATION_KEYWORDS]);
/** Keywords checked here. */
const CHECKED = new Set([
  '$ref',
  'additionalProperties',
  'anyOf',
  'enum',
  'format',
  'items',
  'maxItems',
  'maxLength',
  'maxProperties',
  'maximum',
  'minItems',
  'minLength',
  'minProperties',
  'minimum',
  'not',
  'oneOf',
  'pattern',
  'properties',
  'required',
  'type',
  'x-kubernetes-list-type',
]);

const NOT_KNOWN: QuickCheck = () => false;
const ANYTHING: QuickCheck = () => true;

/** The check of each schema node, compiled once: core definitions are shared by every kind. */
const compiled = new WeakMap<object, QuickCheck>();

/**
 * The quick check of `schema`. Its `$ref`s are resolved with `resolveRef` on first use; a node
 * is compiled once, so every resolver must resolve a node's references alike (schema.ts resolves
 * `#/definitions/` to the Kubernetes definitions and `#/$defs/` within a CRD's own schema).
 * A property whose value is `null` counts as unset, as on the API server (schema.ts drops them
 * before Ajv validates); `null` items of arrays are values.
 */
export function quickCheck(schema: unknown, resolveRef: RefResolver): QuickCheck {
  if (schema === true) return ANYTHING;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return NOT_KNOWN;
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compile(schema as Record<string, any>, resolveRef);
    compiled.set(schema, check);
  }
  return check;
}

/** A check that compiles `schema` when first called, so that only the parts a manifest uses are compiled. */
function lazily(schema: unknown, resolveRef: RefResolver): QuickCheck {
  let check: QuickCheck | undefined;
  return (data) => (check ??= quickCheck(schema, resolveRef))(data);
}

function compile(s: Record<string, any>, resolveRef: RefResolver): QuickCheck {
  if (!known(s)) return NOT_KNOWN;
  const checks: QuickCheck[] = [];
  if (s.type !== undefined) {
    const types = typeMask([s.type].flat());
    checks.push((data) => (types & typeOf(data)) !== 0);
  }
  if (s.enum !== undefined) {
    const values: unknown[] = s.enum;
    // Only scalars are compared here (Ajv compares objects deeply).
    checks.push((data) => (data === null || typeof data !== 'object') && values.includes(data));
  }
  if (s.$ref !== undefined) {
    const ref: string = s.$ref;
    let target: QuickCheck | undefined;
    checks.push((data) => (target ??= quickCheck(resolveRef(ref), resolveRef))(data));
  }
  if (s.anyOf !== undefined) {
    const branches: QuickCheck[] = s.anyOf.map((branch: unknown) => lazily(branch, resolveRef));
    checks.push((data) => branches.some((branch) => branch(data)));
  }
  if (s.not !== undefined) checks.push((data) => certainlyFails(s.not, data, resolveRef));
  if (s.oneOf !== undefined) {
    const branches: unknown[] = s.oneOf;
    // Exactly one branch: that one certainly conforms and every other certainly fails.
    checks.push((data) => {
      const matching = branches.filter((branch) => quickCheck(branch, resolveRef)(data));
      return matching.length === 1 && branches.every((branch) => branch === matching[0] || certainlyFails(branch, data, resolveRef));
    });
  }
  const forString = stringCheck(s);
  const forNumber = numberCheck(s);
  const forArray = arrayCheck(s, resolveRef);
  const forObject = objectCheck(s, resolveRef);
  if (forString || forNumber || forArray || forObject) {
    // Keywords about one type apply to values of that type only, as in JSON Schema.
    checks.push((data) => {
      if (typeof data === 'string') return forString === undefined || forString(data);
      if (typeof data === 'number') return forNumber === undefined || forNumber(data);
      if (data === null || typeof data !== 'object') return true;
      if (Array.isArray(data)) return forArray === undefined || forArray(data);
      return forObject === undefined || forObject(data as Record<string, unknown>);
    });
  }
  if (checks.length === 0) return ANYTHING;
  if (checks.length === 1) return checks[0];
  return (data) => {
    for (const check of checks) if (!check(data)) return false;
    return true;
  };
}

/** Whether every keyword of the node is known here, and known in the forms handled. */
function known(s: Record<string, any>): boolean {
  return (
    Object.keys(s).every((k) => CHECKED.has(k) || ANNOTATIONS.has(k))
    // Ajv reads `data.<field>`, which finds Object.prototype's members; the pass over the data's own fields here would not.
    && Object.keys(s.properties ?? {}).every((name) => !(name in Object.prototype))
    && (s.items === undefined || (typeof s.items === 'object' && !Array.isArray(s.items)))
    && (s.format === undefined
      || (CHECKED_FORMATS as readonly string[]).includes(s.format)
      || (UNCHECKED_FORMATS as readonly string[]).includes(s.format))
    && [s.anyOf, s.oneOf, s.required, s.enum].every((list) => list === undefined || Array.isArray(list))
  );
}

const TYPE_BITS: Record<string, number> = { string: 1, number: 2, integer: 4, boolean: 8, null: 16, array: 32, object: 64 };

/** The bits of the JSON types listed (an unknown type name matches nothing). */
function typeMask(types: string[]): number {
  let mask = 0;
  for (const type of types) mask |= TYPE_BITS[type] ?? 0;
  return mask;
}

/** The type bits of a value: an integer is a number too; a non-finite number is neither. */
function typeOf(data: unknown): number {
  switch (typeof data) {
    case 'string':
      return TYPE_BITS.string;
    case 'number':
      return Number.isInteger(data) ? TYPE_BITS.number | TYPE_BITS.integer : Number.isFinite(data) ? TYPE_BITS.number : 0;
    case 'boolean':
      return TYPE_BITS.boolean;
    case 'object':
      return data === null ? TYPE_BITS.null : Array.isArray(data) ? TYPE_BITS.array : TYPE_BITS.object;
    default:
      return 0;
  }
}

function stringCheck(s: Record<string, any>): ((data: string) => boolean) | undefined {
  const { minLength, maxLength } = s;
  const pattern = s.pattern === undefined ? undefined : compiledPattern(s.pattern);
  const format = s.format !== undefined && (CHECKED_FORMATS as readonly string[]).includes(s.format) ? formatCheck(s.format) : undefined;
  if (minLength === undefined && maxLength === undefined && s.pattern === undefined && format === undefined) return undefined;
  return (data) => {
    // A code point is one or two UTF-16 units: count them only when that can matter.
    if (minLength !== undefined && (data.length < minLength || (data.length < 2 * minLength && codePoints(data) < minLength))) return false;
    if (maxLength !== undefined && data.length > maxLength && codePoints(data) > maxLength) return false;
    if (s.pattern !== undefined && (pattern === undefined || !pattern.test(data))) return false;
    return format === undefined || format(data);
  };
}

/** A format of ajv-formats' `fullFormats`, as Ajv applies it: a RegExp, a function, or an object with `validate`. */
function formatCheck(name: string): (data: string) => boolean {
  const format: any = fullFormats[name as (typeof CHECKED_FORMATS)[number]];
  const check = format instanceof RegExp || typeof format === 'function' ? format : format.validate;
  return check instanceof RegExp ? (data) => check.test(data) : (data) => check(data) === true;
}

/** Lengths count code points, as Ajv's (and the API server's) do. */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return count;
}

/** The pattern as Ajv compiles it (`u` flag), or undefined when only RE2 can (schema-ajv.ts falls back to it). */
function compiledPattern(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined;
  }
}

function numberCheck(s: Record<string, any>): ((data: number) => boolean) | undefined {
  const { minimum, maximum } = s;
  if (minimum === undefined && maximum === undefined) return undefined;
  return (data) => (minimum === undefined || data >= minimum) && (maximum === undefined || data <= maximum);
}

function arrayCheck(s: Record<string, any>, resolveRef: RefResolver): ((data: unknown[]) => boolean) | undefined {
  const { minItems, maxItems } = s;
  const items = s.items === undefined ? undefined : lazily(s.items, resolveRef);
  const listType = s['x-kubernetes-list-type'];
  const unique = listType === 'map' || listType === 'set';
  const keys: string[] = s['x-kubernetes-list-map-keys'] ?? [];
  if (minItems === undefined && maxItems === undefined && items === undefined && !unique) return undefined;
  return (data) => {
    if (minItems !== undefined && data.length < minItems) return false;
    if (maxItems !== undefined && data.length > maxItems) return false;
    if (items !== undefined) for (const item of data) if (!items(item)) return false;
    return !unique || distinct(data, listType === 'map' ? keys : undefined);
  };
}

/**
 * Whether the entries differ in their `keys` (a `map` list) or as a whole (a `set`), compared as
 * schema-ajv.ts does. Only scalars are compared here: Ajv compares objects after dropping their
 * null properties.
 */
function distinct(data: unknown[], keys: string[] | undefined): boolean {
  const seen = new Set<string>();
  for (const item of data) {
    const values = keys === undefined ? [item] : keys.map((k) => (typeOf(item) === TYPE_BITS.object ? (item as any)[k] : undefined));
    if (values.some((v) => v !== null && typeof v === 'object')) return false;
    const id = JSON.stringify(values);
    if (seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}

function objectCheck(s: Record<string, any>, resolveRef: RefResolver): ((data: Record<string, unknown>) => boolean) | undefined {
  const { minProperties, maxProperties } = s;
  const required: string[] | undefined = s.required;
  const properties = new Map<string, QuickCheck>(
    Object.entries<unknown>(s.properties ?? {}).map(([name, sub]) => [name, lazily(sub, resolveRef)]),
  );
  const additional: QuickCheck | boolean =
    s.additionalProperties === undefined || typeof s.additionalProperties === 'boolean'
      ? s.additionalProperties !== false
      : lazily(s.additionalProperties, resolveRef);
  if (required === undefined && properties.size === 0 && additional === true && minProperties === undefined && maxProperties === undefined)
    return undefined;
  return (data) => {
    if (required !== undefined) for (const name of required) if (data[name] === undefined || data[name] === null) return false;
    // One pass over the object's own fields (fewer than the schema lists, mostly): a listed field
    // is checked against its schema, any other against additionalProperties.
    let count = 0;
    for (const name in data) {
      const value = data[name];
      if (value === null) continue; // unset
      count++;
      const check = properties.get(name);
      if (check !== undefined) {
        if (value !== undefined && !check(value)) return false;
      } else if (additional === false || (additional !== true && !additional(value))) {
        return false;
      }
    }
    return (minProperties === undefined || count >= minProperties) && (maxProperties === undefined || count <= maxProperties);
  };
}

/**
 * Whether `data` certainly does not conform to `schema`: one of its keywords fails for sure.
 * Only `type`, `enum`, `required`, `anyOf` and `not` are judged; anything else gives `false`.
 */
function certainlyFails(schema: unknown, data: unknown, resolveRef: RefResolver): boolean {
  if (schema === false) return true;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return false;
  const s = schema as Record<string, any>;
  if (s.type !== undefined && (typeMask([s.type].flat()) & typeOf(data)) === 0) return true;
  if (Array.isArray(s.enum) && (data === null || typeof data !== 'object') && !s.enum.includes(data)) return true;
  if (
    Array.isArray(s.required)
    && typeOf(data) === TYPE_BITS.object
    && s.required.some((name: string) => (data as any)[name] === undefined || (data as any)[name] === null)
  )
    return true;
  if (Array.isArray(s.anyOf) && s.anyOf.every((branch: unknown) => certainlyFails(branch, data, resolveRef))) return true;
  return s.not !== undefined && quickCheck(s.not, resolveRef)(data);
}

import { join } from 'node:path';
import { quicklyConforms, useQuickSchemaCheck, validateSchema } from '../../lib/policy/schema';
import { quickCheck, RefResolver } from '../../lib/policy/schema-check';
import { readManifests } from '../../lib/policy/verify';

const DIST = join(__dirname, '..', '..', 'dist', 'manifests');
const noRefs: RefResolver = () => undefined;
/** The quick check's verdict on `data` against a fresh copy of `schema` (nodes are compiled once each). */
const verdict = (schema: unknown, data: unknown, resolveRef: RefResolver = noRefs) => quickCheck(structuredClone(schema), resolveRef)(data);

/** The problems Ajv alone reports, without the quick check. */
function ajvProblems(manifest: unknown) {
  useQuickSchemaCheck(false);
  try {
    return validateSchema(manifest);
  } finally {
    useQuickSchemaCheck(true);
  }
}

describe('quick schema check: each keyword', () => {
  test.each([
    ['string', 'a', true],
    ['string', 1, false],
    ['integer', 3, true],
    ['integer', 3.5, false],
    ['number', 3.5, true],
    ['number', Infinity, false],
    ['boolean', false, true],
    ['object', {}, true],
    ['object', [], false],
    ['array', [], true],
    ['null', null, true],
    ['object', null, false],
  ])('type %s with %j: %s', (type, data, expected) => {
    expect(verdict({ type }, data)).toBe(expected);
  });

  test('a union type accepts each of its types and nothing else', () => {
    const schema = { type: ['integer', 'string'] };
    expect([verdict(schema, 1), verdict(schema, '25%'), verdict(schema, true), verdict(schema, 1.5)]).toEqual([true, true, false, false]);
  });

  test('enum: scalars are compared; an object is left to Ajv', () => {
    const schema = { enum: ['Always', 'Never', null] };
    expect([
      verdict(schema, 'Never'),
      verdict(schema, null),
      verdict(schema, 'Sometimes'),
      verdict({ enum: [{ a: 1 }] }, { a: 1 }),
    ]).toEqual([true, true, false, false]);
  });

  test('required, properties and closed objects; a null property counts as unset', () => {
    const schema = {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, port: { type: 'integer' } },
      additionalProperties: false,
    };
    expect(verdict(schema, { name: 'a', port: 80 })).toBe(true);
    expect(verdict(schema, { name: 'a', port: null })).toBe(true);
    expect(verdict(schema, { port: 80 })).toBe(false);
    expect(verdict(schema, { name: null })).toBe(false);
    expect(verdict(schema, { name: 'a', port: '80' })).toBe(false);
    expect(verdict(schema, { name: 'a', prot: 80 })).toBe(false);
    expect(verdict(schema, { name: 'a', prot: null })).toBe(true);
  });

  test('additionalProperties as a schema checks the fields not listed', () => {
    const schema = { type: 'object', additionalProperties: { type: 'string' } };
    expect([verdict(schema, { a: 'x' }), verdict(schema, { a: 1 })]).toEqual([true, false]);
  });

  test('lengths count code points, as Ajv does', () => {
    const emoji = '\u{1F600}'; // two UTF-16 units, one code point
    expect([verdict({ maxLength: 1 }, emoji), verdict({ minLength: 2 }, emoji), verdict({ minLength: 1, maxLength: 2 }, 'abc')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  test('pattern with the u flag; a pattern only RE2 compiles is left to Ajv', () => {
    expect([
      verdict({ pattern: '^[a-z]+$' }, 'abc'),
      verdict({ pattern: '^[a-z]+$' }, 'aBc'),
      verdict({ pattern: '(?i)^abc$' }, 'abc'),
    ]).toEqual([true, false, false]);
  });

  test('the formats the API server checks; int32 is an annotation', () => {
    expect(verdict({ format: 'date-time' }, '2026-11-25T10:00:00Z')).toBe(true);
    expect(verdict({ format: 'date-time' }, '2026-11-25')).toBe(false);
    expect(verdict({ format: 'byte' }, 'aGVsbG8=')).toBe(true);
    expect(verdict({ format: 'byte' }, 'not base64!')).toBe(false);
    expect([
      verdict({ format: 'ipv4' }, '10.0.0.1'),
      verdict({ format: 'ipv4' }, '10.0.0.256'),
      verdict({ format: 'ipv6' }, '::1'),
    ]).toEqual([true, false, true]);
    expect(verdict({ type: 'integer', format: 'int32' }, 2 ** 40)).toBe(true);
    expect(verdict({ format: 'uuid' }, 'x')).toBe(false);
  });

  test('bounds of numbers, arrays and objects', () => {
    expect([verdict({ minimum: 1, maximum: 3 }, 1), verdict({ minimum: 1, maximum: 3 }, 4), verdict({ minimum: 1 }, 0)]).toEqual([
      true,
      false,
      false,
    ]);
    expect([verdict({ minItems: 1, maxItems: 2 }, [1]), verdict({ minItems: 1 }, []), verdict({ maxItems: 1 }, [1, 2])]).toEqual([
      true,
      false,
      false,
    ]);
    expect([
      verdict({ minProperties: 1, maxProperties: 1 }, { a: 1 }),
      verdict({ maxProperties: 1 }, { a: 1, b: 2 }),
      verdict({ minProperties: 1 }, { a: null }),
    ]).toEqual([true, false, false]);
  });

  test('items, and duplicates in map and set lists', () => {
    const map = {
      type: 'array',
      items: { type: 'object' },
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
    };
    expect(
      verdict(map, [
        { containerPort: 80, protocol: 'TCP' },
        { containerPort: 80, protocol: 'UDP' },
      ]),
    ).toBe(true);
    expect(
      verdict(map, [
        { containerPort: 80, protocol: 'TCP' },
        { containerPort: 80, protocol: 'TCP', name: 'x' },
      ]),
    ).toBe(false);
    expect(verdict(map, [1])).toBe(false);
    const set = { type: 'array', 'x-kubernetes-list-type': 'set' };
    expect([verdict(set, ['a', 'b']), verdict(set, ['a', 'a']), verdict(set, [{ a: 1 }])]).toEqual([true, false, false]);
    expect(verdict({ type: 'array', 'x-kubernetes-list-type': 'atomic' }, ['a', 'a'])).toBe(true);
  });

  test('anyOf, and the oneOf/not of Istio: either a provider or no provider', () => {
    expect([
      verdict({ anyOf: [{ type: 'string' }, { minimum: 5 }] }, 7),
      verdict({ anyOf: [{ type: 'string' }, { type: 'boolean' }] }, 7),
    ]).toEqual([true, false]);
    const istio = { type: 'object', oneOf: [{ not: { anyOf: [{ required: ['provider'] }] } }, { required: ['provider'] }] };
    expect([verdict(istio, { action: 'ALLOW' }), verdict(istio, { provider: { name: 'x' } })]).toEqual([true, true]);
    expect(verdict({ oneOf: [{ type: 'integer' }, { type: 'number' }] }, 1)).toBe(false);
    expect(verdict({ not: { pattern: '^a' } }, 'b')).toBe(false); // "certainly fails" is not judged for patterns
  });

  test('$ref: resolved on first use; a reference that does not resolve is left to Ajv', () => {
    const definitions: Record<string, unknown> = { Port: { type: 'integer' } };
    const resolve: RefResolver = (ref) => definitions[ref.replace('#/definitions/', '')];
    expect([
      verdict({ $ref: '#/definitions/Port' }, 80, resolve),
      verdict({ $ref: '#/definitions/Port' }, 'http', resolve),
      verdict({ $ref: '#/definitions/Nope' }, 80, resolve),
    ]).toEqual([true, false, false]);
  });

  test('a keyword it does not know is left to Ajv, as are fields named like Object.prototype members', () => {
    expect([
      verdict({ multipleOf: 2 }, 4),
      verdict({ properties: { constructor: { type: 'string' } } }, {}),
      verdict({ 'x-kubernetes-validations': [{ rule: 'self > 1' }] }, 0),
    ]).toEqual([false, false, true]);
  });
});

describe('quick schema check against Ajv', () => {
  const manifests = readManifests(DIST).manifests.map((m) => m.manifest as any);

  test('vouches for every shipped manifest, so a synth of the platform never loads Ajv; Ajv agrees that they are valid', () => {
    // WHEN
    const vouched = manifests.filter((m) => quicklyConforms(m));
    // THEN
    expect(manifests.length).toBeGreaterThan(600);
    expect(vouched.length).toBe(manifests.length);
    expect(manifests.flatMap(ajvProblems)).toEqual([]);
  });

  test('never vouches for a manifest Ajv finds problems in: 4000 mutations of the shipped manifests give the same problems with and without it', () => {
    // GIVEN a deterministic stream of mutations (wrong types, unknown and missing fields, bad
    // enum, pattern and format values, nulls, duplicate list entries, out-of-range numbers)
    const random = seededRandom(20261125);
    let invalid = 0;
    let vouched = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const manifest = structuredClone(manifests[Math.floor(random() * manifests.length)]);
      const described = mutate(manifest, random);
      // WHEN
      const withQuickCheck = validateSchema(manifest);
      const ajvOnly = ajvProblems(manifest);
      // THEN
      if (JSON.stringify(withQuickCheck) !== JSON.stringify(ajvOnly)) disagreements.push(`${described}: ${JSON.stringify(ajvOnly)}`);
      if (ajvOnly.length > 0) invalid++;
      if (quicklyConforms(manifest)) {
        vouched++;
        if (ajvOnly.length > 0) disagreements.push(`vouched for ${described}`);
      }
    }
    expect(disagreements).toEqual([]);
    // The mutations are meaningful: many are invalid, and many valid ones are still vouched for.
    expect(invalid).toBeGreaterThan(1500);
    expect(vouched).toBeGreaterThan(1000);
  });
});

/** A small deterministic PRNG (mulberry32), so that the mutations are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Replacement values that break one rule or another: types, patterns, formats, enums, ranges. */
const ODD_VALUES: unknown[] = [
  '',
  'Not A Name!',
  '1 core',
  '10.0.0.256',
  '2026-13-45',
  -1,
  0,
  1.5,
  70000,
  true,
  null,
  [],
  {},
  ['x', 'x'],
  { unexpected: 1 },
  'x'.repeat(300),
];

/** Applies one random change to `manifest` (in place) and describes it. */
function mutate(manifest: any, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  // A random place: walk down a few levels.
  const path: (string | number)[] = [];
  let parent: any = manifest;
  for (let depth = 0; depth < 12; depth++) {
    const keys: (string | number)[] = Array.isArray(parent) ? parent.map((_: unknown, i: number) => i) : Object.keys(parent);
    if (keys.length === 0) break;
    const next = pick(keys);
    const child = parent[next];
    if (child === null || typeof child !== 'object' || random() < 0.2) {
      path.push(next);
      break;
    }
    path.push(next);
    parent = child;
  }
  const last = path[path.length - 1];
  const holder = path.slice(0, -1).reduce((node: any, k) => node[k], manifest);
  const where = `${manifest.kind}/${manifest.metadata?.name} ${path.join('.')}`;
  switch (pick(['replace', 'replace', 'unknown', 'delete', 'duplicate'])) {
    case 'replace': {
      const value = pick(ODD_VALUES);
      holder[last] = structuredClone(value);
      return `${where} = ${JSON.stringify(value)}`;
    }
    case 'unknown':
      if (Array.isArray(holder)) break;
      holder.unexpectedField = 'x';
      return `${where}: unknown sibling`;
    case 'delete':
      if (Array.isArray(holder)) holder.splice(Number(last), 1);
      else delete holder[last];
      return `${where} deleted`;
    case 'duplicate':
      if (!Array.isArray(holder)) break;
      holder.push(structuredClone(holder[Number(last)]));
      return `${where} duplicated`;
  }
  return `${where} unchanged`;
}

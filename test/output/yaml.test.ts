import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { toYaml } from '../../lib/output/yaml';

/** What toYaml must produce, byte for byte: js-yaml with the settings the writer has always used. */
const reference = (value: unknown) => yaml.dump(value, { lineWidth: -1, noRefs: true, quotingType: '"', noCompatMode: true });

const TRICKY_STRINGS = [
  '',
  ' ',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  'NO',
  'true',
  'True',
  'TRUE',
  'false',
  'null',
  'Null',
  'NULL',
  '~',
  '0',
  '1',
  '-1',
  '+1',
  '007',
  '0x1F',
  '0o17',
  '0b101',
  '1_000',
  '1.5',
  '-1.5',
  '.5',
  '1e3',
  '1E-3',
  '.inf',
  '-.Inf',
  '.NaN',
  'NaN',
  'Infinity',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '12:30',
  '1:20:30',
  '<<',
  '=',
  ' leading space',
  'trailing space ',
  '\tleading tab',
  'a: b',
  'a:b',
  'a :b',
  'a #b',
  'a#b',
  '#comment',
  'key:',
  ':colon',
  '-',
  '- item',
  '-dash',
  '?',
  '? q',
  '[a]',
  '{a}',
  'a, b',
  'a,b',
  '*ref',
  '&anchor',
  '!tag',
  '|',
  '>',
  "'single'",
  '"double"',
  '%percent',
  '@at',
  '`tick',
  'multi\nline',
  'multi\nline\n',
  'multi\nline\n\n',
  '\nleading newline',
  '  indented\nlines',
  'a\n  b\n',
  '\n',
  '\n\n',
  'trailing\n ',
  'tab\there',
  'bell\u0007',
  'nul\u0000',
  'del\u007f',
  'nbsp\u00a0x',
  'bom\ufeffx',
  'line sep\u2028x',
  'ünïcödé',
  '日本語',
  'emoji 😀',
  '\ud800 lone surrogate',
  'x'.repeat(2000),
  'http://example.com/path?q=1#frag',
  'registry.example.com/app:1.0.0@sha256:abc',
  'sum(rate(x[5m])) by (le) > 0.5',
  '{{ .Values.image }}',
  "it's",
  'say "hi"',
  'back\\slash',
  'C:\\path',
];

function tricky(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'tricky', labels: Object.fromEntries(TRICKY_STRINGS.slice(0, 40).map((s, i) => [`k${i}`, s])) },
    data: Object.fromEntries(TRICKY_STRINGS.map((s, i) => [s === '' ? 'empty' : `${i}-${s.slice(0, 30)}`, s])),
    keys: Object.fromEntries(TRICKY_STRINGS.filter((s) => !s.includes('\n') && s.length < 1000).map((s) => [s, 1])),
    list: TRICKY_STRINGS,
    nested: [
      [TRICKY_STRINGS[40], [TRICKY_STRINGS[41], { a: 'multi\nline', b: [] }]],
      { deep: { deeper: { text: 'a\nb\n', list: [{ x: 'y\nz' }] } } },
    ],
    numbers: [0, -0, 1, -1, 1.5, -2.25, 1e21, 1e-7, 123456789012, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, 0.1 + 0.2],
    scalars: [true, false, null, undefined, {}, [], [{}], [[]], { a: {} }, { a: [] }],
    withUndefined: { a: undefined, b: 1, c: undefined },
    onlyUndefined: { a: undefined },
  };
}

describe('toYaml |', () => {
  test('matches js-yaml byte for byte on tricky strings, keys, numbers and nesting', () => {
    // GIVEN
    const doc = tricky();
    // WHEN / THEN
    expect(toYaml(doc)).toEqual(reference(doc));
  });

  test.each(TRICKY_STRINGS.map((s) => [JSON.stringify(s).slice(0, 40), s]))(
    'matches js-yaml for %s as value, key, list item, and deep',
    (_, s) => {
      // GIVEN
      const docs: unknown[] = [s, [s], { [s]: s }, { a: { b: [{ c: s, d: [s] }] } }, [[s]]];
      // WHEN / THEN
      for (const doc of docs) expect(toYaml(doc)).toEqual(reference(doc));
    },
  );

  test('matches js-yaml on top-level scalars and empty collections', () => {
    for (const doc of [null, true, 1, -0, 1.5, 'x', '', {}, [], 'a\nb'] as unknown[]) expect(toYaml(doc)).toEqual(reference(doc));
  });

  test('falls back to js-yaml for values that are not JSON (a Date, a key with a line break)', () => {
    // GIVEN
    const docs = [{ when: new Date(0) }, { 'two\nlines': 1 }, { ['k'.repeat(1100)]: 1 }];
    // WHEN / THEN
    for (const doc of docs) expect(toYaml(doc)).toEqual(reference(doc));
  });

  test('throws as js-yaml does on a function', () => {
    expect(() => toYaml({ f: () => 1 })).toThrow(/unacceptable kind of an object to dump/);
  });

  test('matches js-yaml on every manifest of dist/ (read back and dumped again)', () => {
    // GIVEN
    const root = join(__dirname, '..', '..', 'dist');
    const files: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = join(dir, entry);
        if (statSync(full).isDirectory()) visit(full);
        else if (full.endsWith('.yaml')) files.push(full);
      }
    };
    for (const dir of ['manifests', 'argocd', 'cluster']) visit(join(root, dir)); // not Helm templates
    // WHEN / THEN
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const doc of yaml.loadAll(text)) expect(toYaml(doc)).toEqual(reference(doc));
    }
  });

  test('matches js-yaml on random JSON documents', () => {
    // GIVEN a deterministic pseudo-random generator
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 4 || r < 0.4) return pick<unknown>([...TRICKY_STRINGS.slice(0, 90), 0, 1.25, -3, true, null]);
      if (r < 0.7)
        return Object.fromEntries(
          Array.from({ length: Math.floor(random() * 4) }, () => [pick(TRICKY_STRINGS.slice(0, 70)), value(depth + 1)]),
        );
      return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    };
    // WHEN / THEN
    for (let i = 0; i < 300; i++) {
      const doc = value(0);
      expect(toYaml(doc)).toEqual(reference(doc));
    }
  });
});

test('toYaml matches js-yaml on random short strings of YAML-significant characters', () => {
  // GIVEN
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const chars = ' :#-?\'"\\{}[],&*!|>%@`=~._0123456789eExXoObB+ntrufalsyNTFLYa\n\tü';
  const strings = Array.from({ length: 20000 }, () =>
    Array.from({ length: Math.floor(random() * 7) }, () => chars[Math.floor(random() * chars.length)]).join(''),
  );
  // WHEN / THEN
  for (let i = 0; i < strings.length; i += 100) {
    const doc = { list: strings.slice(i, i + 50), map: Object.fromEntries(strings.slice(i + 50, i + 100).map((s) => [s, s])) };
    expect(toYaml(doc)).toEqual(reference(doc));
  }
});

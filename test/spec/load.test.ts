import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { errorOf, REPO_ROOT } from '../helpers/manifests';
import { readDataFile, readReleaseFile, RELEASE_FILE_LIMITS, SPEC_FILE_LIMITS } from '../../platform';

describe('readDataFile and readReleaseFile read bounded inputs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alp-load-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A file in the test's folder with `text`; its path. */
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  /** A file of `bytes` bytes (sparse: nothing is written). */
  const sized = (name: string, bytes: number) => {
    const path = file(name, '');
    truncateSync(path, bytes);
    return path;
  };

  /** A YAML "billion laughs" document: ten levels of nine aliases each, 9^10 values. */
  const aliasBomb = () => {
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    return `${lines.join('\n')}\n`;
  };

  test('the limits', () => {
    expect(SPEC_FILE_LIMITS).toEqual({ maxBytes: 4 * 1024 * 1024, maxNodes: 1_000_000, maxDepth: 32 });
    expect(RELEASE_FILE_LIMITS).toEqual({ maxBytes: 1024 * 1024, maxNodes: 100_000, maxDepth: 16 });
  });

  test('the committed release.yaml reads as it parses', () => {
    const path = join(REPO_ROOT, 'release.yaml');
    expect(readReleaseFile(path)).toEqual(yaml.load(readFileSync(path, 'utf8')));
  });

  test('a 51 MiB release.yaml is refused by its size, before it is read', () => {
    const path = sized('huge-release.yaml', 51 * 1024 * 1024);
    const started = performance.now();
    expect(errorOf(() => readReleaseFile(path))).toBe(
      `${path}: is 51 MiB, over the limit of 1 MiB for this input; split it or check that it is the right file`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test.each([
    ['a release file of 2 MiB', 'release.yaml', 2 * 1024 * 1024, readReleaseFile, 'is 2 MiB, over the limit of 1 MiB'],
    ['a spec file of 5 MiB', 'spec.yaml', 5 * 1024 * 1024, readDataFile, 'is 5 MiB, over the limit of 4 MiB'],
    ['a spec file (JSON) of 5 MiB', 'spec.json', 5 * 1024 * 1024, readDataFile, 'is 5 MiB, over the limit of 4 MiB'],
  ])('%s is refused', (_, name, bytes, read, what) => {
    const path = sized(`big-${name}`, bytes);
    expect(errorOf(() => read(path))).toBe(`${path}: ${what} for this input; split it or check that it is the right file`);
  });

  test('a 3 MiB spec file is within its limit', () => {
    const path = file('padded-spec.yaml', `name: alp\n${'#'.repeat(3 * 1024 * 1024)}\n`);
    expect(readDataFile(path)).toEqual({ name: 'alp' });
  });

  test('a YAML alias bomb of under 500 bytes is refused in milliseconds', () => {
    const text = aliasBomb();
    expect(Buffer.byteLength(text)).toBeLessThan(500);
    const path = file('bomb-release.yaml', text);
    const started = performance.now();
    expect(errorOf(() => readReleaseFile(path))).toBe(
      `${path}: expands to more than 100,000 values (YAML aliases count once per use), over the input limit; write the values out or remove repeated aliases`,
    );
    expect(errorOf(() => readDataFile(file('bomb-spec.yaml', text)))).toBe(
      `${join(dir, 'bomb-spec.yaml')}: expands to more than 1,000,000 values (YAML aliases count once per use), over the input limit; write the values out or remove repeated aliases`,
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('nesting deeper than the limit is refused, naming where', () => {
    const deep = (levels: number) => `${Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n')} end\n`;
    const path = file('deep-release.yaml', deep(20));
    expect(errorOf(() => readReleaseFile(path))).toBe(
      `${path}: 'k0.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15' nests deeper than 16 levels, over the input limit; flatten the structure`,
    );
    expect(readDataFile(file('deep-spec.yaml', deep(20)))).toBeDefined();
  });

  test.each([
    ['YAML', 'release.yaml', 'regions:\n  primary:\n    activeColor: blue\n  __proto__:\n    activeColor: green\n'],
    ['JSON', 'release.json', '{"regions": {"primary": {"activeColor": "blue"}, "__proto__": {"activeColor": "green"}}}'],
  ])('a __proto__ key in %s is refused', (_, name, text) => {
    const path = file(name, text);
    expect(errorOf(() => readReleaseFile(path))).toBe(
      `${path}: 'regions.__proto__' is not an allowed key (JavaScript's prototype property); remove it`,
    );
    expect(({} as any).activeColor).toBeUndefined();
  });

  test.each([
    [
      'an unclosed flow sequence in YAML',
      'release.yaml',
      'regions:\n  primary: { activeColor: blue\ncolors: []\n',
      ':3:1: is not valid YAML: missed comma between flow collection entries; fix the syntax at that position',
    ],
    [
      'a duplicated key in YAML',
      'release.yaml',
      'regions: {}\nregions: {}\n',
      ':2:1: is not valid YAML: duplicated mapping key; fix the syntax at that position',
    ],
    [
      'a missing comma in JSON',
      'spec.json',
      '{\n  "name": "alp"\n  "regions": []\n}\n',
      ':3:3: is not valid JSON: missed comma between flow collection entries; fix the syntax at that position',
    ],
  ])('%s is reported as file:line:column', (_, name, text, expected) => {
    const path = file(`syntax-${name}`, text);
    expect(errorOf(() => readDataFile(path))).toBe(`${path}${expected}`);
  });

  test('a missing file is named', () => {
    const path = join(dir, 'missing.yaml');
    expect(errorOf(() => readReleaseFile(path))).toBe(`${path}: cannot read the file (ENOENT); check that it exists and is readable`);
  });
});

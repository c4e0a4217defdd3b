import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { PlacedChart, renderApp, writeTree } from '../../lib';
import { errorOf } from '../helpers/manifests';

describe('writeTree |', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'alp-write-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  test('replaces the directory: new files written, stale files gone, no staging left behind', () => {
    // GIVEN
    const out = join(scratch, 'dist');
    mkdirSync(join(out, 'manifests', 'old'), { recursive: true });
    writeFileSync(join(out, 'manifests', 'old', 'stale.yaml'), 'stale');
    // WHEN
    writeTree(
      out,
      new Map([
        ['manifests/a/b.yaml', 'b\n'],
        ['reports/r.md', 'r\n'],
      ]),
    );
    // THEN
    expect(readFileSync(join(out, 'manifests', 'a', 'b.yaml'), 'utf8')).toBe('b\n');
    expect(existsSync(join(out, 'manifests', 'old'))).toBe(false);
    expect(readdirSync(scratch)).toEqual(['dist']);
  });

  test('writes nothing when the directory already holds exactly these files', () => {
    // GIVEN
    const out = join(scratch, 'dist');
    const files = new Map([['manifests/a/b.yaml', 'b\n']]);
    expect(writeTree(out, files)).toBe(true);
    const before = statSync(join(out, 'manifests', 'a', 'b.yaml')).mtimeMs;
    // WHEN / THEN
    expect(writeTree(out, files)).toBe(false);
    expect(statSync(join(out, 'manifests', 'a', 'b.yaml')).mtimeMs).toBe(before);
    expect(writeTree(out, new Map([['manifests/a/b.yaml', 'changed\n']]))).toBe(true);
  });

  test('fails without touching the directory when a file cannot be written', () => {
    // GIVEN
    const out = join(scratch, 'dist');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.yaml'), 'keep');
    // WHEN a path is both a file and a directory
    expect(() =>
      writeTree(
        out,
        new Map([
          ['a', 'file'],
          ['a/b', 'nested'],
        ]),
      ),
    ).toThrow();
    // THEN
    expect(readFileSync(join(out, 'keep.yaml'), 'utf8')).toBe('keep');
    expect(readdirSync(scratch)).toEqual(['dist']);
  });
});

describe('renderApp |', () => {
  test('fails when two objects would be written to the same file', () => {
    const app = Testing.app();
    const chart = new PlacedChart(app, 'Blue', { region: 'primary', component: 'blue' });
    new k8s.KubeConfigMap(chart, 'One', { metadata: { name: 'settings', namespace: 'a' } });
    new k8s.KubeConfigMap(chart, 'Two', { metadata: { name: 'settings', namespace: 'b' } });
    expect(errorOf(() => renderApp(app))).toBe(
      'objects collide in the output tree\n  - Blue/Two: writes manifests/primary/blue/configmap-settings.yaml, which Blue/One writes too; give one of them another name',
    );
  });

  test('fails when a chart has no place in the output tree', () => {
    const app = new App();
    new Chart(app, 'Loose');
    expect(errorOf(() => renderApp(app))).toBe('Loose: is a Chart without a place in dist/; use PlacedChart with a region and a component');
  });

  test('reports every deferred validation error at once, with construct paths', () => {
    const app = Testing.app();
    const chart = new PlacedChart(app, 'Blue', { region: 'primary', component: 'blue' });
    chart.node.addValidation({ validate: () => ['first problem'] });
    new k8s.KubeConfigMap(chart, 'Settings', { metadata: { name: 'settings' } }).node.addValidation({ validate: () => ['second problem'] });
    expect(errorOf(() => renderApp(app))).toBe('validation failed\n  - [Blue] first problem\n  - [Blue/Settings] second problem');
  });
});

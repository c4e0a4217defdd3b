import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { renderHelmChart, writeTree } from '../../lib';
import { formatSchemaJson } from '../../lib/output/helm/chart';
import { escapeActions, renderTemplate, scalarDifferences } from '../../lib/output/helm/template';
import { runHelm } from '../helpers/helm';

const configMap = (data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { ...(labels ? { labels } : {}), name: 'rules', namespace: 'alp-monitoring' },
  data,
});

describe('renderTemplate', () => {
  test('escapes text that looks like a template action', () => {
    expect(escapeActions('summary: {{ $labels.pod }} is down')).toBe('summary: {{ "{{" }} $labels.pod {{ "}}" }} is down');
  });

  test('a field from the values becomes an action in place of the literal; everything else stays as dist/ has it', () => {
    const text = renderTemplate({
      manifest: configMap({ image: 'a:1', mode: 'x' }),
      fieldValue: (path) => (path.join('.') === 'data.image' ? '.Values.image | quote' : undefined),
    });
    expect(text).toBe(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rules\n  namespace: alp-monitoring\ndata:\n  image: {{ .Values.image | quote }}\n  mode: x\n',
    );
  });

  test('an alternative of the same shape becomes a ternary on the fields that differ', () => {
    const text = renderTemplate({
      manifest: configMap({ to: 'alp-blue', port: '80' }),
      alternative: { when: 'eq .Values.activeColor "green"', manifest: configMap({ to: 'alp-green', port: '80' }) },
    });
    expect(text).toContain('  to: {{ ternary "alp-green" "alp-blue" (eq .Values.activeColor "green") | toJson }}\n  port: "80"\n');
  });

  test('an alternative of another shape makes the whole object an if/else', () => {
    const text = renderTemplate({
      manifest: configMap({ a: '1' }),
      alternative: { when: '.Values.x', manifest: configMap({ a: '1', b: '2' }) },
    });
    expect(text.startsWith('{{- if .Values.x }}\napiVersion: v1\n')).toBe(true);
    expect(text).toContain('  b: "2"\n{{- else }}\napiVersion: v1\n');
    expect(text.endsWith('  a: "1"\n{{- end }}\n')).toBe(true);
  });

  test('extra labels join the labels map, or add one where the object has none', () => {
    expect(renderTemplate({ manifest: configMap({}, { app: 'x' }), extraLabels: '.Values.extraLabels' })).toContain(
      '  labels:\n    app: x\n{{- with .Values.extraLabels }}{{- toYaml . | nindent 4 }}{{- end }}\n  name: rules\n',
    );
    expect(renderTemplate({ manifest: configMap({}), extraLabels: '.Values.extraLabels' })).toContain(
      'metadata:\n  name: rules\n  namespace: alp-monitoring\n{{- with .Values.extraLabels }}\n  labels:{{- toYaml . | nindent 4 }}{{- end }}\n',
    );
  });

  test('a condition wraps the object', () => {
    expect(renderTemplate({ manifest: configMap({}), condition: '.Values.monitoring.enabled' })).toMatch(
      /^\{\{- if \.Values\.monitoring\.enabled \}\}\napiVersion: v1\n[^]*\{\{- end \}\}\n$/,
    );
  });

  test('refuses an object that contains its placeholder text', () => {
    expect(() => renderTemplate({ manifest: configMap({ a: 'ALPHELMFIELD0Z' }) })).toThrow(
      'ConfigMap/rules: contains the reserved text ALPHELM',
    );
  });
});

describe('scalarDifferences', () => {
  test('lists the scalar fields that differ, by path', () => {
    expect(scalarDifferences({ a: [{ b: 1 }, { b: 2 }], c: 'x' }, { a: [{ b: 1 }, { b: 3 }], c: 'y' })).toEqual([
      { path: ['a', 1, 'b'], value: 2, alternative: 3 },
      { path: ['c'], value: 'x', alternative: 'y' },
    ]);
  });

  test.each([
    ['a field only one has', { a: 1 }, { a: 1, b: 2 }],
    ['lists of different lengths', { a: [1] }, { a: [1, 2] }],
    ['an object against a scalar', { a: { b: 1 } }, { a: 1 }],
  ])('is undefined for %s', (_, a, b) => {
    expect(scalarDifferences(a, b)).toBeUndefined();
  });
});

test('formatSchemaJson keeps short values on one line', () => {
  expect(
    formatSchemaJson({ type: 'object', properties: { a: { type: 'string', pattern: `^${'x'.repeat(100)}$` }, b: { type: 'integer' } } }),
  ).toBe(
    `{\n  "type": "object",\n  "properties": {\n    "a": {\n      "type": "string",\n      "pattern": "^${'x'.repeat(100)}$"\n    },\n    "b": {"type":"integer"}\n  }\n}`,
  );
});

describe('a generated chart, rendered by the real helm', () => {
  const tricky = configMap(
    {
      alert: '{{ $labels.pod }} in {{$labels.namespace}} is down }}}',
      percent: '100% of %s',
      quoted: '"yes"',
      multiline: 'line one\nline two {{ x }}\n',
    },
    { app: 'x' },
  );
  const dir = mkdtempSync(join(tmpdir(), 'alp-helm-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const files = renderHelmChart({
    name: 'unit',
    version: '1.2.3',
    appVersion: '1.2.3',
    description: 'A chart for the test.',
    values: { enabled: true, port: '80', extraLabels: {} },
    valuesSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, port: { type: 'string' }, extraLabels: { type: 'object' } },
    },
    valueDocs: [
      { key: 'enabled', description: 'Render the ConfigMap | or not.' },
      { key: 'port', description: 'The port.' },
    ],
    templates: new Map([
      [
        'config/configmap-rules.yaml',
        {
          manifest: tricky,
          condition: '.Values.enabled',
          extraLabels: '.Values.extraLabels',
          fieldValue: (path: readonly (string | number)[]) =>
            path.join('.') === 'data.percent' ? 'printf "100%% of %s" .Values.port | quote' : undefined,
        },
      ],
    ]),
  });
  writeTree(join(dir, 'unit'), files);

  test('Chart.yaml and the README values table', () => {
    expect(yaml.load(files.get('Chart.yaml')!)).toEqual({
      apiVersion: 'v2',
      name: 'unit',
      description: 'A chart for the test.',
      type: 'application',
      version: '1.2.3',
      appVersion: '1.2.3',
    });
    expect(files.get('README.md')).toContain(
      '| Key | Type | Default | Description |\n|---|---|---|---|\n| `enabled` | boolean | `true` | Render the ConfigMap \\| or not. |\n| `port` | string | `"80"` | The port. |\n',
    );
  });

  test('renders action-like text, quotes and line breaks unchanged, and values where they are used', () => {
    const result = runHelm(['template', 'unit', join(dir, 'unit'), '--set-string', 'port=8080', '--set', 'extraLabels.team=a']);
    expect(result.stderr).toBe('');
    const rendered = yaml.load(result.stdout) as any;
    expect(rendered).toEqual({
      ...tricky,
      metadata: { ...tricky.metadata, labels: { app: 'x', team: 'a' } },
      data: { ...tricky.data, percent: '100% of 8080' },
    });
  });

  test('the condition leaves the object out', () => {
    const result = runHelm(['template', 'unit', join(dir, 'unit'), '--set', 'enabled=false']);
    expect(result.status).toBe(0);
    expect(yaml.loadAll(result.stdout).filter(Boolean)).toEqual([]);
  });
});

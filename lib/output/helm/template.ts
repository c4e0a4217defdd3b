import { toYaml } from '../yaml';

/** A field's place in a manifest: keys and list indexes, e.g. `['spec', 'replicas']`. */
export type FieldPath = readonly (string | number)[];

/** How one object becomes a Helm template. */
export interface TemplateSource {
  /** The object as the chart's default values render it. */
  readonly manifest: any;
  /**
   * The Go template pipeline that renders a scalar field from the values, or undefined to keep
   * the literal. Asked for every scalar field. The pipeline must print one YAML scalar, e.g.
   * `index .Values.images "api" | quote` or `.Values.replicas | int`. `path` is valid during the
   * call only (copy it to keep it).
   * @default - every field literal
   */
  readonly fieldValue?: (path: FieldPath, value: unknown) => string | undefined;
  /**
   * The object as rendered when the Go template condition `when` holds, e.g. the routes with
   * the other colour live. Fields that differ become a `ternary`; when the two differ in shape
   * (other fields or list lengths), the whole object is an if/else.
   * @default - no alternative
   */
  readonly alternative?: { readonly when: string; readonly manifest: any };
  /**
   * A Go template condition for rendering the object at all, e.g. `.Values.monitoring.enabled`.
   * @default - always rendered
   */
  readonly condition?: string;
  /**
   * A values map merged into `metadata.labels`, e.g. `.Values.extraLabels`.
   * @default - no extra labels
   */
  readonly extraLabels?: string;
}

const PLACEHOLDER = 'ALPHELMFIELD';
const LABELS_PLACEHOLDER = 'ALPHELMLABELS';

/**
 * Renders one object as a Helm template: YAML in the layout of `dist/manifests/`, with Go
 * template actions only where values are used. Text that looks like a template action (alert
 * annotations such as `{{ $labels.pod }}`) is escaped, so helm prints it unchanged.
 */
export function renderTemplate(source: TemplateSource): string {
  const body = source.alternative ? alternativeBody(source, source.alternative) : objectBody(source.manifest, source);
  return source.condition ? `{{- if ${source.condition} }}\n${body}{{- end }}\n` : body;
}

function alternativeBody(source: TemplateSource, alternative: { when: string; manifest: any }): string {
  const differences = scalarDifferences(source.manifest, alternative.manifest);
  if (differences === undefined) {
    return `{{- if ${alternative.when} }}\n${objectBody(alternative.manifest, source)}{{- else }}\n${objectBody(source.manifest, source)}{{- end }}\n`;
  }
  const choices = new Map(differences.map((d) => [pathKey(d.path), d]));
  const fieldValue = (path: FieldPath, value: unknown) => {
    const choice = choices.get(pathKey(path));
    if (choice) return `ternary ${goLiteral(choice.alternative)} ${goLiteral(choice.value)} (${alternative.when}) | toJson`;
    return source.fieldValue?.(path, value);
  };
  return objectBody(source.manifest, { ...source, fieldValue });
}

function objectBody(manifest: any, source: TemplateSource): string {
  const pipelines: string[] = [];
  const reserved = () => new Error(`${describe(manifest)}: contains the reserved text ALPHELM`);
  // One path array, extended and shortened as the walk goes: fieldValue reads it during its call only.
  const path: (string | number)[] = [];
  const substitute = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      return value.map((item, i) => {
        path.push(i);
        const out = substitute(item);
        path.pop();
        return out;
      });
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (key.includes('ALPHELM')) throw reserved();
        path.push(key);
        out[key] = substitute((value as Record<string, unknown>)[key]);
        path.pop();
      }
      return out;
    }
    if (typeof value === 'string' && value.includes('ALPHELM')) throw reserved();
    const pipeline = source.fieldValue?.(path, value);
    if (pipeline === undefined) return value;
    pipelines.push(pipeline);
    return `${PLACEHOLDER}${pipelines.length - 1}Z`;
  };
  const templated = substitute(manifest) as any;
  if (source.extraLabels) {
    // A marker key at the end of the labels map (or of metadata, when there are no labels) that
    // becomes a `with` block: no extra labels, no change.
    if (templated.metadata.labels) templated.metadata.labels[LABELS_PLACEHOLDER] = 'x';
    else templated.metadata[LABELS_PLACEHOLDER] = 'map';
  }
  let text = escapeActions(toYaml(templated));
  text = text.replace(new RegExp(`${PLACEHOLDER}(\\d+)Z`, 'g'), (_, i) => `{{ ${pipelines[Number(i)]} }}`);
  if (source.extraLabels) {
    text = text.replace(new RegExp(`^( *)${LABELS_PLACEHOLDER}: (x|map)\\n`, 'm'), (_, indent: string, where: string) =>
      where === 'x'
        ? `{{- with ${source.extraLabels} }}{{- toYaml . | nindent ${indent.length} }}{{- end }}\n`
        : `{{- with ${source.extraLabels} }}\n${indent}labels:{{- toYaml . | nindent ${indent.length + 2} }}{{- end }}\n`,
    );
  }
  return text;
}

/** `{{` and `}}` in literal text, printed by helm as themselves. */
export function escapeActions(text: string): string {
  return text.replace(/\{\{|\}\}/g, (braces) => `{{ "${braces}" }}`);
}

interface ScalarDifference {
  readonly path: FieldPath;
  readonly value: unknown;
  readonly alternative: unknown;
}

/**
 * The scalar fields in which `b` differs from `a`, or undefined when they differ in shape:
 * a field only one of them has, lists of different lengths, an object against a scalar.
 */
export function scalarDifferences(a: unknown, b: unknown, path: (string | number)[] = []): ScalarDifference[] | undefined {
  const isObject = (v: unknown) => v !== null && typeof v === 'object';
  if (isObject(a) !== isObject(b) || Array.isArray(a) !== Array.isArray(b)) return undefined;
  if (!isObject(a)) return a === b ? [] : [{ path, value: a, alternative: b }];
  const keysA = Object.keys(a as object);
  const keysB = Object.keys(b as object);
  if (keysA.length !== keysB.length || keysA.some((k) => !(k in (b as object)))) return undefined;
  const found: ScalarDifference[] = [];
  for (const key of keysA) {
    const inner = scalarDifferences((a as any)[key], (b as any)[key], [...path, Array.isArray(a) ? Number(key) : key]);
    if (inner === undefined) return undefined;
    found.push(...inner);
  }
  return found;
}

/** A scalar as a Go template literal. */
function goLiteral(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  throw new Error(`no Go template literal for ${JSON.stringify(value)}`);
}

const pathKey = (path: FieldPath) => JSON.stringify(path);
const describe = (manifest: any) => `${manifest?.kind}/${manifest?.metadata?.name}`;

/**
 * Blue/green parity: the two colours are the same set of objects, identical apart from the colour
 * itself (labels, namespaces, names that carry it), the images and the version (the version label,
 * and the OpenTelemetry resource attribute `service.version` that repeats it), and what an object
 * declares in its `alp-deploy.io/color-config` annotation (configuration staged on a colour).
 * Counterpart HorizontalPodAutoscalers that carry the same STANDBY_SCALING_ANNOTATION may also
 * differ as the floor it gives says: the idle one's minReplicas and scale-down window.
 */
import { COLORS, describeValue, isPlainObject, LABEL_COLOR, LABEL_VERSION, STANDBY_SCALING_ANNOTATION } from '../../core';
import { ANNOTATION_COLOR_CONFIG, COLOR_CONFIG_ASPECTS, ColorConfigAspect } from '../../core/labels';
import { ManifestObject, PolicyRule, statement } from '../findings';
import { PolicyContext } from './_context';
import { inputRule } from './_rule';

type Color = (typeof COLORS)[number];

/** How many differing fields one finding names. */
const SHOWN_DIFFERENCES = 3;

/** The colour token as a word of its own: `shop-blue`, `api-blue`, `primary/blue/` but not `bluebird`. */
const tokenPattern = (color: Color) => new RegExp(`(?<![A-Za-z0-9])${color}(?![A-Za-z0-9])`, 'g');
const TOKENS: Record<Color, RegExp> = { blue: tokenPattern('blue'), green: tokenPattern('green') };

/** `service.version=<v>` in OTEL_RESOURCE_ATTRIBUTES: the version label, as the workload's traces carry it. */
const SERVICE_VERSION = /(^|,)service\.version=[^,]*/g;

function neutral(text: string, color: Color): string {
  const versionless = text.includes('service.version=') ? text.replace(SERVICE_VERSION, '$1service.version={version}') : text;
  return versionless.includes(color) ? versionless.replace(TOKENS[color], '{color}') : versionless;
}

/** Whether a string value may differ between the colours: images and the version label. */
const free = (key: string | undefined) => key === 'image' || key === LABEL_VERSION;

/**
 * Whether a blue value equals a green value once the colour, images and version label are set
 * aside. The common case (identical colours) costs one walk and no copies.
 */
function equivalent(a: unknown, b: unknown, key?: string): boolean {
  if (a === b) return true;
  if (typeof a === 'string') return typeof b === 'string' && (free(key) || neutral(a, 'blue') === neutral(b, 'green'));
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equivalent(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    keys++;
    const other = k.includes('blue') ? k.replace(TOKENS.blue, 'green') : k;
    if (!Object.prototype.hasOwnProperty.call(y, other) || !equivalent(x[k], y[other], k)) return false;
  }
  for (const _ in y) keys--;
  return keys === 0;
}

/** The object with its colour, images and version label replaced by placeholders. */
function normalize(value: unknown, color: Color, key?: string): unknown {
  if (typeof value === 'string') {
    if (key === 'image') return '{image}';
    if (key === LABEL_VERSION) return '{version}';
    return neutral(value, color);
  }
  if (Array.isArray(value)) return value.map((v) => normalize(v, color));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[neutral(k, color)] = normalize(v, color, k);
    return out;
  }
  return value;
}

/** The fields of each `ANNOTATION_COLOR_CONFIG` aspect, as a path from the object, `*` for every item of a list. */
const ASPECT_FIELDS: Record<ColorConfigAspect, readonly (readonly string[])[]> = {
  env: [
    ['spec', 'template', 'spec', 'containers', '*', 'env'],
    ['spec', 'template', 'spec', 'initContainers', '*', 'env'],
  ],
  resources: [
    ['spec', 'template', 'spec', 'containers', '*', 'resources'],
    ['spec', 'template', 'spec', 'initContainers', '*', 'resources'],
  ],
  replicas: [['spec', 'replicas']],
  autoscaling: [
    ['spec', 'minReplicas'],
    ['spec', 'maxReplicas'],
    ['spec', 'behavior'],
  ],
  vaultKey: [
    ['spec', 'data', '*', 'remoteRef', 'key'],
    ['spec', 'dataFrom', '*', 'extract', 'key'],
  ],
};

/** The aspects an object declares in its `ANNOTATION_COLOR_CONFIG` annotation (unknown words are ignored). */
function declaredAspects(manifest: any): ColorConfigAspect[] {
  const value = manifest?.metadata?.annotations?.[ANNOTATION_COLOR_CONFIG];
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((a) => a.trim())
    .filter((a): a is ColorConfigAspect => (COLOR_CONFIG_ASPECTS as readonly string[]).includes(a));
}

/** A copy of the object without the annotation and the fields of `aspects`: what parity compares. */
function withoutDeclared(manifest: any, aspects: readonly ColorConfigAspect[]): any {
  const copy = structuredClone(manifest);
  delete copy.metadata?.annotations?.[ANNOTATION_COLOR_CONFIG];
  if (copy.metadata?.annotations && Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  const remove = (node: any, path: readonly string[]): void => {
    if (node === null || typeof node !== 'object') return;
    const [head, ...rest] = path;
    if (head === '*') {
      if (Array.isArray(node)) for (const item of node) remove(item, rest);
    } else if (rest.length === 0) {
      delete node[head];
    } else {
      remove(node[head], rest);
    }
  };
  for (const aspect of aspects) for (const path of ASPECT_FIELDS[aspect]) remove(copy, path);
  return copy;
}

/** The pair as parity compares it: with the aspects either object declares set aside. */
function comparable(blue: any, green: any): [any, any] {
  const aspects = [...new Set([...declaredAspects(blue), ...declaredAspects(green)])];
  const annotated = (m: any) => m?.metadata?.annotations?.[ANNOTATION_COLOR_CONFIG] !== undefined;
  if (aspects.length === 0 && !annotated(blue) && !annotated(green)) return [blue, green];
  return [withoutDeclared(blue, aspects), withoutDeclared(green, aspects)];
}

/** The first `limit` paths at which `a` and `b` differ, with both values. */
function differences(
  a: unknown,
  b: unknown,
  limit: number,
  path = '',
  out: { path: string; a: unknown; b: unknown }[] = [],
): { path: string; a: unknown; b: unknown }[] {
  if (out.length >= limit) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length) && out.length < limit; i++) differences(a[i], b[i], limit, `${path}[${i}]`, out);
  } else if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      if (out.length >= limit) break;
      const sub = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`;
      differences(a[k], b[k], limit, sub, out);
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push({ path: path || '(root)', a, b });
  }
  return out;
}

type Manifest = ManifestObject['manifest'];

/** An HPA's scale-down stabilization window, if it sets one. */
const scaleDownWindow = (hpa: Manifest): unknown => hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds;

/**
 * Two counterparts as parity compares them: when both are HorizontalPodAutoscalers with the same
 * STANDBY_SCALING_ANNOTATION and one is at the floor it gives (minReplicas the smaller of
 * `floorReplicas` and the other's, scale-down window `soakSeconds`), that one with the other's
 * minReplicas and window; otherwise both unchanged.
 */
function liveForms(a: Manifest, b: Manifest): [Manifest, Manifest] {
  const floor = a.metadata?.annotations?.[STANDBY_SCALING_ANNOTATION];
  const hpas = a.kind === 'HorizontalPodAutoscaler' && b.kind === 'HorizontalPodAutoscaler';
  if (!hpas || typeof floor !== 'string' || b.metadata?.annotations?.[STANDBY_SCALING_ANNOTATION] !== floor) return [a, b];
  let settings: { floorReplicas?: unknown; soakSeconds?: unknown };
  try {
    settings = JSON.parse(floor);
  } catch {
    return [a, b];
  }
  const atFloor = (idle: Manifest, live: Manifest) =>
    typeof live.spec?.minReplicas === 'number'
    && typeof settings.floorReplicas === 'number'
    && idle.spec?.minReplicas === Math.min(settings.floorReplicas, live.spec.minReplicas)
    && scaleDownWindow(idle) === settings.soakSeconds;
  const lifted = (idle: Manifest, live: Manifest): Manifest => {
    const { stabilizationWindowSeconds: _idle, ...scaleDown } = idle.spec.behavior.scaleDown;
    const window = scaleDownWindow(live);
    return {
      ...idle,
      spec: {
        ...idle.spec,
        minReplicas: live.spec.minReplicas,
        behavior: {
          ...idle.spec.behavior,
          scaleDown: window === undefined ? scaleDown : { ...scaleDown, stabilizationWindowSeconds: window },
        },
      },
    };
  };
  if (atFloor(b, a)) return [a, lifted(b, a)];
  if (atFloor(a, b)) return [lifted(a, b), b];
  return [a, b];
}

/** The folder of a file, `/`-separated (`primary/blue` for `primary/blue/deployment-api.yaml`), `''` for none. */
function folderOf(file: string | undefined): string {
  const slash = file === undefined ? -1 : file.lastIndexOf('/');
  return slash < 0 ? '' : file!.slice(0, slash);
}

/** The colour of each object: its own label, else that of its namespace when the namespace holds one colour only. */
function colorsOf(ctx: PolicyContext): Map<ManifestObject, Color> {
  const own = new Map<ManifestObject, Color>();
  const namespaceColors = new Map<string, Set<Color>>();
  for (const object of ctx.objects) {
    const color = object.manifest.metadata?.labels?.[LABEL_COLOR];
    if (!COLORS.includes(color)) continue;
    own.set(object, color);
    if (object.namespace) {
      const scope = ctx.scopeOf(object);
      if (!namespaceColors.has(scope)) namespaceColors.set(scope, new Set());
      namespaceColors.get(scope)!.add(color);
    }
  }
  for (const object of ctx.objects) {
    if (own.has(object) || !object.namespace) continue;
    const colors = namespaceColors.get(ctx.scopeOf(object));
    if (colors?.size === 1) own.set(object, [...colors][0]);
  }
  return own;
}

export const BLUEGREEN_PARITY = inputRule(
  {
    id: 'BLUEGREEN-PARITY',
    severity: 'error',
    title: 'Blue and green are identical apart from colour, images and staged configuration',
    rationale: 'Switching traffic must change only which colour serves it; any other difference is an untested change going live.',
    source: 'Platform rule (blue/green deployment: a colour differs only in its colour label and images)',
    fix: 'Build both colours from the same spec; put per-colour differences only in what a colour stages (images, and configuration declared in the color-config annotation).',
  },
  (ctx, report, skip) => {
    const colors = colorsOf(ctx);
    const present = new Set(colors.values());
    if (present.size < 2) {
      skip(
        present.size === 0
          ? `no object is labelled ${LABEL_COLOR}: blue or green`
          : `only ${[...present][0]} objects are in the manifests; parity needs both colours`,
      );
      return;
    }
    // Where each colour has objects: cluster, folder and namespace, colour set aside. A missing
    // counterpart is reported only where the other colour has objects: when its folder or
    // namespace is not in the input at all, the object is judged where both are.
    const scopeOf = (object: ManifestObject, color: Color) =>
      `${neutral(object.cluster, color)}\n${neutral(folderOf(object.file), color)}\n${neutral(object.namespace, color)}`;
    const scopes: Record<Color, Set<string>> = { blue: new Set(), green: new Set() };
    for (const [object, color] of colors) scopes[color].add(scopeOf(object, color));
    let unjudged = 0;
    const groups = new Map<string, Record<Color, ManifestObject[]>>();
    for (const [object, color] of colors) {
      // Counterparts share cluster, file (per-colour folders), kind, namespace and name, colour set aside.
      const key = `${neutral(object.cluster, color)}\n${neutral(object.file ?? '', color)}\n${object.group}\n${object.kind}\n${neutral(object.namespace, color)}\n${neutral(object.name, color)}`;
      if (!groups.has(key)) groups.set(key, { blue: [], green: [] });
      groups.get(key)![color].push(object);
    }
    for (const { blue, green } of groups.values()) {
      for (let i = 0; i < Math.max(blue.length, green.length); i++) {
        const [b, g] = [blue[i], green[i]];
        if (!b || !g) {
          const [have, haveColor, missing] = b ? [b, 'blue' as const, 'green' as const] : [g, 'green' as const, 'blue' as const];
          if (!scopes[missing].has(scopeOf(have, haveColor))) {
            unjudged++;
            continue;
          }
          report(have, statement(`has no ${missing} counterpart; both colours must have the same objects`));
          continue;
        }
        const [blueSide, greenSide] = comparable(...liveForms(b.manifest, g.manifest));
        if (equivalent(blueSide, greenSide)) continue;
        const found = differences(normalize(blueSide, 'blue'), normalize(greenSide, 'green'), SHOWN_DIFFERENCES + 1);
        if (found.length === 0) continue;
        const shown = found
          .slice(0, SHOWN_DIFFERENCES)
          .map((d) => `'${d.path}' (blue: ${describeValue(d.a)}, green: ${describeValue(d.b)})`);
        const more = found.length > SHOWN_DIFFERENCES ? ' and more' : '';
        report(
          b,
          statement(
            `differs from its green counterpart ${g.label} at ${shown.join(', ')}${more}; only the colour, images, version label and the configuration staged on a colour (annotation ${ANNOTATION_COLOR_CONFIG}) may differ`,
            found[0].path,
          ),
        );
      }
    }
    if (unjudged > 0) {
      skip(
        `${unjudged === 1 ? '1 object has' : `${unjudged} objects have`} no counterpart because the other colour's folder or namespace is not in the manifests: judged where both colours are`,
      );
    }
  },
);

/** The blue/green rules. */
export const BLUE_GREEN_RULES: readonly PolicyRule[] = [BLUEGREEN_PARITY];

import { App } from 'cdk8s';
import {
  applyArgoSyncPolicy,
  ChartValueDoc,
  Color,
  COLORS,
  FieldPath,
  LABEL_NAME,
  parseImage,
  RenderedObject,
  renderApp,
  renderHelmChart,
  TemplateSource,
} from '../lib';
import { LABEL_VERSION } from '../lib/core/labels';
import { DNS_SUBDOMAIN } from '../lib/core/validation';
import { version as packageVersion } from '../package.json';
import { ColorChart } from './color-chart';
import { EdgeChart } from './edge-chart';
import {
  ClusterPlacement,
  clusterPlacements,
  colorState,
  MAX_SERVICE_REPLICAS,
  MIN_SERVICE_REPLICAS,
  PlatformModel,
  ReleaseState,
} from '../platform';
import { versionLabel } from '../lib/core/image';
import { scalarDifferences } from '../lib/output/helm/template';

const REPOSITORY = '[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*';
const TAG = ':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '@sha256:[a-f0-9]{64}';
/** The rule on the platform's own images (platform/spec/validate.ts) in RE2: pinned by a digest, with or without a tag. */
const PINNED_IMAGE = {
  type: 'string',
  pattern: `^${REPOSITORY}(${TAG})?${DIGEST}$`,
  description: 'An image pinned by digest: <repository>[:<tag>]@sha256:<64 hex digits>.',
};
/** A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
const LABEL_KEY = `^(${DNS_SUBDOMAIN.source.slice(1, -1)}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`;
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
/** How the README shows a default that comes from the release state: repeating it would change the README with every release. */
const RELEASE_STATE = 'from `release.yaml` (see values.yaml)';

/** A rendered object's Kubernetes JSON, typed as lib/output's RenderedObject types it (untyped: any kind of object). */
type Manifest = RenderedObject['manifest'];

const HELPERS = `{{/*
The app.kubernetes.io/version label of an image reference: its tag, else "sha256-" and the
first 12 digits of its digest (as alp-deploy's versionLabel computes it).
*/}}
{{- define "alp.versionLabel" -}}
{{- $name := first (splitList "@" .) -}}
{{- $last := last (splitList "/" $name) -}}
{{- if contains ":" $last -}}
{{- last (splitList ":" $last) | trunc 63 -}}
{{- else -}}
{{- printf "sha256-%s" (last (splitList "@sha256:" .) | trunc 12) -}}
{{- end -}}
{{- end -}}

{{/*
A service's HPA minReplicas in a colour, from (list .Values "<colour>" "<service>"): the value
colors.<colour>.autoscaling.<service>.minReplicas; fails when it exceeds that colour's maxReplicas
(JSON Schema cannot compare two values, so the schema checks each alone).
*/}}
{{- define "alp.minReplicas" -}}
{{- $color := index . 1 -}}
{{- $service := index . 2 -}}
{{- $range := index (index . 0) "colors" $color "autoscaling" $service -}}
{{- $at := printf "colors.%s.autoscaling.%s" $color $service -}}
{{- if gt (int $range.minReplicas) (int $range.maxReplicas) -}}
{{- fail (printf "%s.minReplicas (%d) must not exceed %s.maxReplicas (%d); lower minReplicas or raise maxReplicas" $at (int $range.minReplicas) $at (int $range.maxReplicas)) -}}
{{- end -}}
{{- $range.minReplicas -}}
{{- end -}}
`;

/**
 * `helm/<cluster>/`: one Helm chart per cluster (per region with namespace-per-color),
 * holding the same objects as the cluster's folders under `manifests/`. Operators can set the
 * live colour, each colour's images, autoscaling bounds and fixed replica counts, the
 * monitoring and mesh objects and extra labels; with the default values the chart renders exactly the committed manifests.
 */
export function platformHelmCharts(objects: readonly RenderedObject[], model: PlatformModel): Map<string, string> {
  const files = new Map<string, string>();
  const flipped = flippedObjects(model);
  for (const placement of clusterPlacements(model.spec)) {
    const chart = clusterChart(
      placement,
      objects.filter((o) => o.cluster === placement.cluster.name && o.path.startsWith('manifests/')),
      model,
      flipped,
    );
    for (const [path, content] of renderHelmChart(chart)) files.set(`helm/${chart.name}/${path}`, content);
  }
  return files;
}

/**
 * The objects that change with the live colour, rendered with the other colour live in every
 * region, by path: the edge objects of every cluster and, when the idle colour is kept at a
 * floor (`delivery.standby.mode: floor`), the colours' objects (their HPAs).
 */
function flippedObjects(model: PlatformModel): Map<string, Manifest> {
  const { spec, release } = model;
  // The regions keep their own colours' images and configuration (`regions.<r>.colors`): only the live colour changes.
  const flipped: ReleaseState = {
    ...release,
    regions: Object.fromEntries(
      Object.entries(release.regions).map(([name, r]) => [name, { ...r, activeColor: otherColor(r.activeColor) }]),
    ),
  };
  const app = new App();
  for (const placement of clusterPlacements(spec)) {
    new EdgeChart(app, `${placement.cluster.name}-edge`, { spec, release: flipped, placement });
    if (spec.delivery.standby.mode !== 'floor') continue;
    for (const color of placement.colors) {
      const props = { spec, release: flipped, region: placement.region, color, cluster: placement.cluster.name };
      new ColorChart(app, `${placement.cluster.name}-${color}`, props);
    }
  }
  applyArgoSyncPolicy(app);
  return new Map(renderApp(app).objects.map((o) => [o.path, o.manifest]));
}

function clusterChart(
  placement: ClusterPlacement,
  objects: readonly RenderedObject[],
  model: PlatformModel,
  flipped: Map<string, Manifest>,
) {
  const { spec, release } = model;
  const activeColor = release.regions[placement.region.name].activeColor;
  const standby = spec.delivery.standby.mode === 'floor' ? spec.delivery.standby : undefined;
  const services = spec.services.map((s) => s.name);
  const name = placement.cluster.name;
  const colors = placement.colors;
  const autoscaled = spec.services.filter((s) => s.autoscaling).map((s) => s.name);
  const fixed = spec.services.filter((s) => !s.autoscaling).map((s) => s.name);
  // With the idle colour at a floor, a colour's bounds are as it runs them when live (an idle colour's HPAs as they are when it is live).
  const liveForm = (o: RenderedObject): Manifest => (o.component === activeColor ? o.manifest : (flipped.get(o.path) ?? o.manifest));
  const colorImages = new Map(colors.map((c) => [c, colorState(release, placement.region.name, c).images]));
  const byColor = colorObjectIndex(objects);
  const values = {
    activeColor,
    colors: Object.fromEntries(
      colors.map((c) => [
        c,
        {
          images: Object.fromEntries(services.map((s) => [s, colorImages.get(c)?.[s]])),
          autoscaling: autoscalingValues(byColor, placement, c, autoscaled, liveForm),
          // Only with a service of a fixed replica count, so that charts without one have no empty map.
          ...(fixed.length > 0 ? { replicas: replicaValues(byColor, placement, c, fixed) } : {}),
        },
      ]),
    ),
    monitoring: { enabled: true },
    mesh: { enabled: true },
    extraLabels: {},
  };
  const usedLabelKeys = [...new Set(objects.flatMap((o) => Object.keys(o.manifest.metadata.labels ?? {})))].sort();
  const templates = chartTemplates(placement, objects, model, flipped, fixed, colorImages);
  return {
    name,
    version: packageVersion,
    appVersion: packageVersion,
    description: `The ${spec.name} platform in cluster ${placement.cluster.name} (region ${placement.region.name}, ${colors.join(' and ')}), as synthesized by alp-deploy.`,
    kubeVersion: '>=1.28.0-0',
    values,
    valuesSchema: valuesSchema(colors, services, usedLabelKeys, autoscaled, fixed),
    valueDocs: valueDocs(colors, services, autoscaled, fixed, standby?.floorReplicas),
    helpers: HELPERS,
    templates,
    readmeSections: usage(name, standby !== undefined),
  };
}

/**
 * The chart's templates by path below `templates/`: the cluster's manifests, with the edge objects
 * (and, with the idle colour at a floor, the colours' HPAs) that change with the live colour
 * written for both colours.
 */
function chartTemplates(
  placement: ClusterPlacement,
  objects: readonly RenderedObject[],
  model: PlatformModel,
  flippedByPath: Map<string, Manifest>,
  fixed: readonly string[],
  colorImages: ReadonlyMap<Color, Record<string, string>>,
): Map<string, TemplateSource> {
  const { release } = model;
  const imageValues = new Map([...colorImages].map(([color, images]) => [color, imageValueIndex(images)]));
  const fixedServices = new Set(fixed);
  const activeColor = release.regions[placement.region.name].activeColor;
  const templates = new Map<string, TemplateSource>();
  const prefix = `manifests/${placement.region.name}/`;
  const edgePrefix = `${prefix}${placement.componentOf('edge')}/`;
  const liveIs = (color: Color) => `eq .Values.activeColor "${color}"`;
  for (const object of objects) {
    const isEdge = object.component === placement.componentOf('edge');
    const flipped = flippedByPath.get(object.path);
    const changesWithColour = isEdge && flipped && JSON.stringify(flipped) !== JSON.stringify(object.manifest);
    // Written the same way whichever colour is live now, so that a switch changes values.yaml, not the templates.
    const [blueLive, greenLive] = activeColor === 'blue' ? [object.manifest, flipped] : [flipped, object.manifest];
    // An edge object only one colour being live has (a colour cluster's switch analyses).
    const onlyNow = isEdge && flipped === undefined;
    templates.set(object.path.slice(prefix.length), {
      manifest: changesWithColour ? blueLive : object.manifest,
      fieldValue: fieldValues(object, imageValues, fixedServices, standbyForms(object, model, activeColor, flippedByPath)),
      condition: joinConditions(conditionOf(object.manifest), onlyNow ? liveIs(activeColor) : undefined),
      alternative: changesWithColour ? { when: liveIs('green'), manifest: greenLive } : undefined,
      extraLabels: '.Values.extraLabels',
    });
  }
  const present = new Set(objects.map((o) => o.path));
  for (const [path, manifest] of flippedByPath) {
    if (!path.startsWith(edgePrefix) || present.has(path)) continue;
    templates.set(path.slice(prefix.length), {
      manifest,
      condition: joinConditions(conditionOf(manifest), liveIs(otherColor(activeColor))),
      extraLabels: '.Values.extraLabels',
    });
  }
  return templates;
}

/** The README's values table: the live colour, each colour's images, the replica bounds and the switches. */
function valueDocs(
  colors: readonly Color[],
  services: readonly string[],
  autoscaled: readonly string[],
  fixed: readonly string[],
  floorReplicas?: number,
): ChartValueDoc[] {
  return [
    {
      key: 'activeColor',
      shownDefault: RELEASE_STATE,
      description: `The colour that serves the live hosts: ${COLORS.join(' or ')}. The other colour answers on the preview hosts.`,
    },
    ...colors.flatMap((c) => colorValueDocs(c, services, autoscaled, fixed, floorReplicas)),
    {
      key: 'monitoring.enabled',
      description:
        'Render the Prometheus Operator objects (ServiceMonitors, PodMonitors, PrometheusRules, Probes, AlertmanagerConfigs), the Grafana dashboard ConfigMaps and the CloudNativePG PodMonitor. Turn off where the monitoring stack is not installed.',
    },
    {
      key: 'mesh.enabled',
      description:
        'Render the Istio objects (PeerAuthentications and AuthorizationPolicies). Turn off only where Istio is not installed: it removes mTLS and the mesh authorization.',
    },
    {
      key: 'extraLabels',
      description:
        "Labels added to every object's metadata (not to pod templates or selectors). The labels alp-deploy sets itself are refused.",
    },
  ];
}

/** The values table's rows of one colour: its images, its HPA bounds and its fixed replica counts. */
function colorValueDocs(
  c: Color,
  services: readonly string[],
  autoscaled: readonly string[],
  fixed: readonly string[],
  floorReplicas?: number,
): ChartValueDoc[] {
  const range = `${MIN_SERVICE_REPLICAS} to ${MAX_SERVICE_REPLICAS}`;
  return [
    ...services.map((s) => ({
      key: `colors.${c}.images.${s}`,
      shownDefault: RELEASE_STATE,
      description: `The image ${s} runs in the ${c} colour, pinned by digest (\`<repository>[:<tag>]@sha256:<digest>\`). Its tag (else the digest's start) becomes the app.kubernetes.io/version label.`,
    })),
    ...autoscaled.flatMap((s) => [
      {
        key: `colors.${c}.autoscaling.${s}.minReplicas`,
        description:
          floorReplicas === undefined
            ? `Fewest ${s} pods in the ${c} colour (its HPA's minReplicas); ${range}, at most maxReplicas.`
            : `Fewest ${s} pods in the ${c} colour while it is live (its HPA's minReplicas); ${range}, at most maxReplicas. While it is idle, the smaller of this and ${floorReplicas} (delivery.standby: floor).`,
      },
      {
        key: `colors.${c}.autoscaling.${s}.maxReplicas`,
        description: `Most ${s} pods in the ${c} colour (its HPA's maxReplicas); ${range}.`,
      },
    ]),
    ...fixed.map((s) => ({
      key: `colors.${c}.replicas.${s}`,
      description: `The fixed number of ${s} pods in the ${c} colour (its Deployment's replicas; it has no HPA); ${range}.`,
    })),
  ];
}

/** A cluster's HPAs by colour and target, and its Deployments by colour and name (`<colour> <name>`). */
interface ColorObjectIndex {
  readonly autoscalers: ReadonlyMap<string, RenderedObject[]>;
  readonly deployments: ReadonlyMap<string, RenderedObject[]>;
}

function colorObjectIndex(objects: readonly RenderedObject[]): ColorObjectIndex {
  const autoscalers = new Map<string, RenderedObject[]>();
  const deployments = new Map<string, RenderedObject[]>();
  const add = (index: Map<string, RenderedObject[]>, key: string, object: RenderedObject) => {
    const list = index.get(key);
    if (list) list.push(object);
    else index.set(key, [object]);
  };
  for (const o of objects) {
    if (o.manifest.kind === 'HorizontalPodAutoscaler') add(autoscalers, `${o.component} ${o.manifest.spec.scaleTargetRef.name}`, o);
    if (o.manifest.kind === 'Deployment') add(deployments, `${o.component} ${o.manifest.metadata.name}`, o);
  }
  return { autoscalers, deployments };
}

/**
 * Each service's HPA bounds in one colour of this cluster, as the colour runs them when live
 * (its own configuration: release.yaml may stage other bounds on one colour).
 */
function autoscalingValues(
  index: ColorObjectIndex,
  placement: ClusterPlacement,
  color: Color,
  services: readonly string[],
  liveForm: (o: RenderedObject) => Manifest,
) {
  const bounds: Record<string, { minReplicas: number; maxReplicas: number }> = {};
  for (const service of services) {
    const hpas = index.autoscalers.get(`${color} ${service}`) ?? [];
    if (hpas.length !== 1) {
      throw new Error(
        `cluster ${placement.cluster.name}: expected one HorizontalPodAutoscaler for ${service} in ${color}, found ${hpas.length}`,
      );
    }
    const live = liveForm(hpas[0]);
    bounds[service] = { minReplicas: live.spec.minReplicas, maxReplicas: live.spec.maxReplicas };
  }
  return bounds;
}

/** Each fixed-count service's Deployment replicas in one colour of this cluster. */
function replicaValues(index: ColorObjectIndex, placement: ClusterPlacement, color: Color, services: readonly string[]) {
  const counts: Record<string, number> = {};
  for (const service of services) {
    const deployments = index.deployments.get(`${color} ${service}`) ?? [];
    if (deployments.length !== 1 || typeof deployments[0].manifest.spec.replicas !== 'number') {
      throw new Error(
        `cluster ${placement.cluster.name}: expected one Deployment for ${service} in ${color} with a replica count, found ${deployments.length}`,
      );
    }
    counts[service] = deployments[0].manifest.spec.replicas;
  }
  return counts;
}

/** The fields of a colour's HPA that change when its colour goes live or idle (`delivery.standby.mode: floor`). */
const STANDBY_FIELDS = ['spec.minReplicas', 'spec.behavior.scaleDown.stabilizationWindowSeconds'];

/** A colour's HPA as it is with its colour live and idle, and the floor; undefined when the two are the same. */
interface StandbyForms {
  readonly live: Manifest;
  readonly idle: Manifest;
  readonly floorReplicas: number;
}

function standbyForms(
  object: RenderedObject,
  model: PlatformModel,
  activeColor: Color,
  flipped: Map<string, Manifest>,
): StandbyForms | undefined {
  const other = flipped.get(object.path);
  if (!COLORS.includes(object.component as Color) || !other) return undefined;
  const differing = (scalarDifferences(object.manifest, other) ?? [{ path: ['(shape)'] }]).map((d) => d.path.join('.'));
  if (differing.length === 0) return undefined;
  const unexpected = differing.filter((path) => object.manifest.kind !== 'HorizontalPodAutoscaler' || !STANDBY_FIELDS.includes(path));
  if (unexpected.length > 0) {
    throw new Error(
      `${object.path}: changes with the live colour at ${unexpected.join(', ')}; only an HPA's ${STANDBY_FIELDS.join(' and ')} may`,
    );
  }
  const live = object.component === activeColor;
  return {
    live: live ? object.manifest : other,
    idle: live ? other : object.manifest,
    floorReplicas: model.spec.delivery.standby.floorReplicas,
  };
}

/** A colour's images in a cluster, and the first service (in release order) that runs each image. */
interface ImageValues {
  readonly images: Record<string, string>;
  readonly serviceOf: ReadonlyMap<string, string>;
}

function imageValueIndex(images: Record<string, string>): ImageValues {
  const serviceOf = new Map<string, string>();
  for (const [service, image] of Object.entries(images)) if (!serviceOf.has(image)) serviceOf.set(image, service);
  return { images, serviceOf };
}

/** The values behind an object's fields: its colour's images and their version labels, HPA bounds and fixed replica counts, the CNPG PodMonitor switch. */
function fieldValues(
  object: RenderedObject,
  imageValues: ReadonlyMap<Color, ImageValues>,
  fixed: ReadonlySet<string>,
  standby?: StandbyForms,
) {
  const { manifest } = object;
  // The images the colour runs in this region: a stage with --region gives a region its own.
  const colorImages = imageValues.get(object.component as Color);
  const color = colorImages && (object.component as Color);
  const imageOf = (service: string) => `index .Values.colors.${color}.images ${JSON.stringify(service)}`;
  const service = manifest.metadata.labels?.[LABEL_NAME];
  const image =
    colorImages && manifest.kind === 'Deployment' && colorImages.images[service] ? parseImage(colorImages.images[service]) : undefined;
  const version = image && versionLabel(image);
  return (path: FieldPath, value: unknown): string | undefined => {
    const last = path[path.length - 1];
    if (color) {
      if (last === 'image' && typeof value === 'string') {
        const imageService = colorImages.serviceOf.get(value);
        if (imageService) return `${imageOf(imageService)} | quote`;
      }
      if (version && typeof value === 'string') {
        const versionOf = `include "alp.versionLabel" (${imageOf(service)})`;
        if (last === LABEL_VERSION && path[path.length - 2] === 'labels' && value === version) return `${versionOf} | quote`;
        // The OpenTelemetry resource attributes name the version too: `…,service.version=<version>,…`.
        const attribute = `service.version=${version}`;
        const at = last === 'value' && path[path.length - 3] === 'env' ? value.split(',').indexOf(attribute) : -1;
        if (at >= 0) {
          const format = value
            .split(',')
            .map((part, i) => (i === at ? 'service.version=%s' : part.replace(/%/g, '%%')))
            .join(',');
          return `printf ${JSON.stringify(format)} (${versionOf}) | quote`;
        }
      }
      const bound = manifest.kind === 'HorizontalPodAutoscaler' ? autoscalerField(manifest, path, color, standby) : undefined;
      if (bound) return bound;
      if (
        manifest.kind === 'Deployment'
        && fixed.has(manifest.metadata.name)
        && path.length === 2
        && path[0] === 'spec'
        && last === 'replicas'
      ) {
        return `index .Values.colors.${color}.replicas ${JSON.stringify(manifest.metadata.name)} | int`;
      }
    }
    if (
      manifest.apiVersion.startsWith('postgresql.cnpg.io/')
      && manifest.kind === 'Cluster'
      && path.join('.') === 'spec.monitoring.enablePodMonitor'
      && value === true
    ) {
      return '.Values.monitoring.enabled';
    }
    return undefined;
  };
}

/**
 * The values behind an HPA's fields: its colour's bounds and, with the idle colour at a floor, the
 * minimum and scale-down window that depend on whether its colour is live.
 */
function autoscalerField(manifest: Manifest, path: FieldPath, color: Color, standby?: StandbyForms): string | undefined {
  const field = path.join('.');
  const target = JSON.stringify(manifest.spec.scaleTargetRef.name);
  const live = `eq .Values.activeColor "${color}"`;
  if (field === 'spec.maxReplicas') return `index .Values.colors.${color}.autoscaling ${target} "maxReplicas" | int`;
  if (field === 'spec.minReplicas') {
    // minReplicas goes through the helper that refuses it above maxReplicas.
    const minReplicas = `include "alp.minReplicas" (list .Values "${color}" ${target}) | int`;
    // The idle colour's minimum is the floor, where lower.
    return standby ? `ternary (${minReplicas}) (min ${standby.floorReplicas} (${minReplicas})) (${live}) | int` : minReplicas;
  }
  if (standby && field === STANDBY_FIELDS[1]) {
    const window = (hpa: Manifest) => hpa.spec.behavior.scaleDown.stabilizationWindowSeconds;
    return `ternary ${window(standby.live)} ${window(standby.idle)} (${live}) | int`;
  }
  return undefined;
}

/** Both Go template conditions (either may be absent). */
function joinConditions(a: string | undefined, b: string | undefined): string | undefined {
  return a === undefined ? b : b === undefined ? a : `and (${a}) (${b})`;
}

function conditionOf(manifest: Manifest): string | undefined {
  const group = String(manifest.apiVersion).split('/')[0];
  if (group === 'monitoring.coreos.com' || (manifest.kind === 'ConfigMap' && manifest.metadata.labels?.grafana_dashboard !== undefined))
    return '.Values.monitoring.enabled';
  if (group.endsWith('.istio.io')) return '.Values.mesh.enabled';
  return undefined;
}

/**
 * The values' JSON Schema. Its size depends on the services and colours only, never on a value:
 * replica counts are a range (`MIN_SERVICE_REPLICAS` to `MAX_SERVICE_REPLICAS`), and minReplicas
 * against maxReplicas is checked by the template (`alp.minReplicas`).
 */
function valuesSchema(
  colors: readonly Color[],
  services: readonly string[],
  usedLabelKeys: readonly string[],
  autoscaled: readonly string[],
  fixed: readonly string[],
) {
  const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
    ...extra,
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'alp-deploy cluster chart values',
    ...object({
      activeColor: { type: 'string', enum: [...COLORS], description: 'The colour that serves the live hosts.' },
      colors: object(Object.fromEntries(colors.map((c) => [c, { $ref: '#/definitions/color' }]))),
      monitoring: object({ enabled: { type: 'boolean' } }),
      mesh: object({ enabled: { type: 'boolean' } }),
      extraLabels: {
        type: 'object',
        description: 'Labels added to every object; not the ones alp-deploy sets.',
        propertyNames: { pattern: LABEL_KEY, not: { enum: usedLabelKeys } },
        additionalProperties: { type: 'string', maxLength: 63, pattern: LABEL_VALUE },
      },
    }),
    definitions: {
      // Both colours run the same services: one definition, whatever each colour's values are.
      color: object({
        images: object(Object.fromEntries(services.map((s) => [s, { $ref: '#/definitions/pinnedImage' }]))),
        autoscaling: object(Object.fromEntries(autoscaled.map((s) => [s, { $ref: '#/definitions/replicaRange' }]))),
        ...(fixed.length > 0
          ? { replicas: object(Object.fromEntries(fixed.map((s) => [s, { $ref: '#/definitions/replicaCount' }]))) }
          : {}),
      }),
      pinnedImage: PINNED_IMAGE,
      replicaCount: { type: 'integer', minimum: MIN_SERVICE_REPLICAS, maximum: MAX_SERVICE_REPLICAS },
      // minReplicas above maxReplicas: JSON Schema cannot compare two values; the template refuses it.
      replicaRange: object({ minReplicas: { $ref: '#/definitions/replicaCount' }, maxReplicas: { $ref: '#/definitions/replicaCount' } }),
    },
  };
}

function usage(name: string, standbyFloor: boolean): string {
  const switched = standbyFloor ? "the routes and both colours' HPA floors change" : 'only the routes change';
  return `## Usage

\`\`\`sh
helm lint --strict dist/helm/${name}
helm template ${name} dist/helm/${name} > rendered.yaml                 # the committed manifests
helm template ${name} dist/helm/${name} --set activeColor=green         # ${switched}
helm install ${name} dist/helm/${name} --set extraLabels.team=learning  # or: helm upgrade --install
\`\`\`

Each colour has its own values under \`colors.<colour>\`: its images, its HPA bounds and its fixed
replica counts, as \`release.yaml\` stages them on one colour; to change a service in both colours,
set both. Objects carry their own namespaces; the release's namespace is not used. Argo CD syncs
\`dist/manifests/\` directly: the chart is for installs that go through Helm instead, and helm's
\`--set\` is where its values differ from the committed release state (\`release.yaml\`).
`;
}

const otherColor = (color: Color): Color => (color === 'blue' ? 'green' : 'blue');

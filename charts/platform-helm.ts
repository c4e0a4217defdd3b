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
import { EdgeChart } from './edge-chart';
import { ClusterPlacement, clusterPlacements, MAX_SERVICE_REPLICAS, MIN_SERVICE_REPLICAS, PlatformModel, ReleaseState } from '../platform';
import { versionLabel } from '../lib/core/image';

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
A service's HPA minReplicas, from (list .Values.autoscaling "<service>"); fails when it exceeds
the service's maxReplicas (JSON Schema cannot compare two values, so the schema checks each alone).
*/}}
{{- define "alp.minReplicas" -}}
{{- $service := index . 1 -}}
{{- $range := index (index . 0) $service -}}
{{- if gt (int $range.minReplicas) (int $range.maxReplicas) -}}
{{- fail (printf "autoscaling.%s.minReplicas (%d) must not exceed autoscaling.%s.maxReplicas (%d); lower minReplicas or raise maxReplicas" $service (int $range.minReplicas) $service (int $range.maxReplicas)) -}}
{{- end -}}
{{- $range.minReplicas -}}
{{- end -}}
`;

/**
 * `helm/<cluster>/`: one Helm chart per cluster (per region with namespace-per-color),
 * holding the same objects as the cluster's folders under `manifests/`. Operators can set the
 * live colour, each colour's images, autoscaling bounds, the monitoring and mesh objects and
 * extra labels; with the default values the chart renders exactly the committed manifests.
 */
export function platformHelmCharts(objects: readonly RenderedObject[], model: PlatformModel): Map<string, string> {
  const files = new Map<string, string>();
  const flippedEdge = flippedEdgeObjects(model);
  for (const placement of clusterPlacements(model.spec)) {
    const chart = clusterChart(
      placement,
      objects.filter((o) => o.cluster === placement.cluster.name && o.path.startsWith('manifests/')),
      model,
      flippedEdge,
    );
    for (const [path, content] of renderHelmChart(chart)) files.set(`helm/${chart.name}/${path}`, content);
  }
  return files;
}

/** The edge objects of every cluster with the other colour live in every region, by path. */
function flippedEdgeObjects(model: PlatformModel): Map<string, Manifest> {
  const { spec, release } = model;
  const flipped: ReleaseState = {
    ...release,
    regions: Object.fromEntries(Object.entries(release.regions).map(([name, r]) => [name, { activeColor: otherColor(r.activeColor) }])),
  };
  const app = new App();
  for (const placement of clusterPlacements(spec))
    new EdgeChart(app, `${placement.cluster.name}-edge`, { spec, release: flipped, placement });
  applyArgoSyncPolicy(app);
  return new Map(renderApp(app).objects.map((o) => [o.path, o.manifest]));
}

function clusterChart(
  placement: ClusterPlacement,
  objects: readonly RenderedObject[],
  model: PlatformModel,
  flippedEdge: Map<string, Manifest>,
) {
  const { spec, release } = model;
  const activeColor = release.regions[placement.region.name].activeColor;
  const services = spec.services.map((s) => s.name);
  const name = placement.cluster.name;
  const colors = placement.colors;
  const autoscaled = spec.services.filter((s) => s.autoscaling).map((s) => s.name);
  const fixed = spec.services.filter((s) => !s.autoscaling).map((s) => s.name);
  const autoscaling = autoscalingValues(objects, placement, autoscaled);
  const replicas = replicaValues(objects, placement, fixed);
  const values = {
    activeColor,
    colors: Object.fromEntries(
      colors.map((c) => [c, { images: Object.fromEntries(services.map((s) => [s, release.colors[c].images[s]])) }]),
    ),
    autoscaling,
    // Only with a service of a fixed replica count, so that charts without one keep their values.
    ...(fixed.length > 0 ? { replicas } : {}),
    monitoring: { enabled: true },
    mesh: { enabled: true },
    extraLabels: {},
  };
  const usedLabelKeys = [...new Set(objects.flatMap((o) => Object.keys(o.manifest.metadata.labels ?? {})))].sort();
  const templates = chartTemplates(placement, objects, release, flippedEdge, fixed);
  return {
    name,
    version: packageVersion,
    appVersion: packageVersion,
    description: `The ${spec.name} platform in cluster ${placement.cluster.name} (region ${placement.region.name}, ${colors.join(' and ')}), as synthesized by alp-deploy.`,
    kubeVersion: '>=1.28.0-0',
    values,
    valuesSchema: valuesSchema(colors, services, usedLabelKeys, autoscaled, fixed),
    valueDocs: valueDocs(colors, services, autoscaled, fixed),
    helpers: HELPERS,
    templates,
    readmeSections: usage(name),
  };
}

/**
 * The chart's templates by path below `templates/`: the cluster's manifests, with the edge objects
 * that change with the live colour written for both colours.
 */
function chartTemplates(
  placement: ClusterPlacement,
  objects: readonly RenderedObject[],
  release: ReleaseState,
  flippedEdge: Map<string, Manifest>,
  fixed: readonly string[],
): Map<string, TemplateSource> {
  const activeColor = release.regions[placement.region.name].activeColor;
  const templates = new Map<string, TemplateSource>();
  const prefix = `manifests/${placement.region.name}/`;
  const edgePrefix = `${prefix}${placement.componentOf('edge')}/`;
  const liveIs = (color: Color) => `eq .Values.activeColor "${color}"`;
  for (const object of objects) {
    const isEdge = object.component === placement.componentOf('edge');
    const flipped = flippedEdge.get(object.path);
    const changesWithColour = isEdge && flipped && JSON.stringify(flipped) !== JSON.stringify(object.manifest);
    // Written the same way whichever colour is live now, so that a switch changes values.yaml, not the templates.
    const [blueLive, greenLive] = activeColor === 'blue' ? [object.manifest, flipped] : [flipped, object.manifest];
    // An edge object only one colour being live has (a colour cluster's switch analyses).
    const onlyNow = isEdge && flipped === undefined;
    templates.set(object.path.slice(prefix.length), {
      manifest: changesWithColour ? blueLive : object.manifest,
      fieldValue: fieldValues(object, release, placement.colors, fixed),
      condition: joinConditions(conditionOf(object.manifest), onlyNow ? liveIs(activeColor) : undefined),
      alternative: changesWithColour ? { when: liveIs('green'), manifest: greenLive } : undefined,
      extraLabels: '.Values.extraLabels',
    });
  }
  const present = new Set(objects.map((o) => o.path));
  for (const [path, manifest] of flippedEdge) {
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
): ChartValueDoc[] {
  return [
    {
      key: 'activeColor',
      shownDefault: RELEASE_STATE,
      description: `The colour that serves the live hosts: ${COLORS.join(' or ')}. The other colour answers on the preview hosts.`,
    },
    ...colors.flatMap((c) =>
      services.map((s) => ({
        key: `colors.${c}.images.${s}`,
        shownDefault: RELEASE_STATE,
        description: `The image ${s} runs in the ${c} colour, pinned by digest (\`<repository>[:<tag>]@sha256:<digest>\`). Its tag (else the digest's start) becomes the app.kubernetes.io/version label.`,
      })),
    ),
    ...autoscaled.flatMap((s) => [
      {
        key: `autoscaling.${s}.minReplicas`,
        description: `Fewest ${s} pods per colour (the HPA's minReplicas); ${MIN_SERVICE_REPLICAS} to ${MAX_SERVICE_REPLICAS}, at most maxReplicas.`,
      },
      {
        key: `autoscaling.${s}.maxReplicas`,
        description: `Most ${s} pods per colour (the HPA's maxReplicas); ${MIN_SERVICE_REPLICAS} to ${MAX_SERVICE_REPLICAS}.`,
      },
    ]),
    ...fixed.map((s) => ({
      key: `replicas.${s}`,
      description: `The fixed number of ${s} pods per colour (the Deployment's replicas; it has no HPA); ${MIN_SERVICE_REPLICAS} to ${MAX_SERVICE_REPLICAS}.`,
    })),
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

/** Each service's HPA bounds in this cluster; both colours must agree (they do: blue/green parity). */
function autoscalingValues(objects: readonly RenderedObject[], placement: ClusterPlacement, services: readonly string[]) {
  const bounds: Record<string, { minReplicas: number; maxReplicas: number }> = {};
  const hpasByService = new Map<string, RenderedObject[]>();
  for (const o of objects) {
    if (o.manifest.kind !== 'HorizontalPodAutoscaler' || !placement.colors.includes(o.component as Color)) continue;
    const service = o.manifest.spec.scaleTargetRef.name;
    hpasByService.set(service, [...(hpasByService.get(service) ?? []), o]);
  }
  for (const service of services) {
    const hpas = hpasByService.get(service) ?? [];
    const found = new Set(hpas.map((o) => `${o.manifest.spec.minReplicas}/${o.manifest.spec.maxReplicas}`));
    if (found.size !== 1)
      throw new Error(
        `cluster ${placement.cluster.name}: expected one autoscaling range for ${service}, found ${[...found].join(', ') || 'none'}`,
      );
    bounds[service] = { minReplicas: hpas[0].manifest.spec.minReplicas, maxReplicas: hpas[0].manifest.spec.maxReplicas };
  }
  return bounds;
}

/** Each fixed-count service's Deployment replicas in this cluster; both colours must agree (blue/green parity). */
function replicaValues(objects: readonly RenderedObject[], placement: ClusterPlacement, services: readonly string[]) {
  const counts: Record<string, number> = {};
  for (const service of services) {
    const deployments = objects.filter(
      (o) => o.manifest.kind === 'Deployment' && placement.colors.includes(o.component as Color) && o.manifest.metadata.name === service,
    );
    const found = new Set(deployments.map((o) => o.manifest.spec.replicas));
    if (found.size !== 1 || typeof deployments[0].manifest.spec.replicas !== 'number') {
      throw new Error(
        `cluster ${placement.cluster.name}: expected one replica count for ${service}, found ${[...found].join(', ') || 'none'}`,
      );
    }
    counts[service] = deployments[0].manifest.spec.replicas;
  }
  return counts;
}

/** The values behind an object's fields: images and their version labels, HPA bounds, fixed replica counts, the CNPG PodMonitor switch. */
function fieldValues(object: RenderedObject, release: ReleaseState, colors: readonly Color[], fixed: readonly string[]) {
  const { manifest } = object;
  const color = colors.find((c) => c === object.component);
  return (path: FieldPath, value: unknown): string | undefined => {
    const last = path[path.length - 1];
    if (color) {
      const images = release.colors[color].images;
      const imageOf = (service: string) => `index .Values.colors.${color}.images ${JSON.stringify(service)}`;
      if (last === 'image' && typeof value === 'string') {
        const service = Object.keys(images).find((s) => images[s] === value);
        if (service) return `${imageOf(service)} | quote`;
      }
      const service = manifest.metadata.labels?.[LABEL_NAME];
      const image = manifest.kind === 'Deployment' && images[service] ? parseImage(images[service]) : undefined;
      if (image && typeof value === 'string') {
        const version = versionLabel(image);
        const versionOf = `include "alp.versionLabel" (${imageOf(service)})`;
        if (last === LABEL_VERSION && path[path.length - 2] === 'labels' && value === version) return `${versionOf} | quote`;
        // The OpenTelemetry resource attributes name the version too: `…,service.version=<version>,…`.
        const attribute = `service.version=${version}`;
        const at = value.split(',').indexOf(attribute);
        if (last === 'value' && path[path.length - 3] === 'env' && at >= 0) {
          const format = value
            .split(',')
            .map((part, i) => (i === at ? 'service.version=%s' : part.replace(/%/g, '%%')))
            .join(',');
          return `printf ${JSON.stringify(format)} (${versionOf}) | quote`;
        }
      }
      if (
        manifest.kind === 'HorizontalPodAutoscaler'
        && path.length === 2
        && path[0] === 'spec'
        && (last === 'minReplicas' || last === 'maxReplicas')
      ) {
        const target = JSON.stringify(manifest.spec.scaleTargetRef.name);
        // minReplicas goes through the helper that refuses it above maxReplicas.
        return last === 'minReplicas'
          ? `include "alp.minReplicas" (list .Values.autoscaling ${target}) | int`
          : `index .Values.autoscaling ${target} "maxReplicas" | int`;
      }
      if (
        manifest.kind === 'Deployment'
        && fixed.includes(manifest.metadata.name)
        && path.length === 2
        && path[0] === 'spec'
        && last === 'replicas'
      ) {
        return `index .Values.replicas ${JSON.stringify(manifest.metadata.name)} | int`;
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
      colors: object(
        Object.fromEntries(
          colors.map((c) => [
            c,
            object({ images: object(Object.fromEntries(services.map((s) => [s, { $ref: '#/definitions/pinnedImage' }]))) }),
          ]),
        ),
      ),
      autoscaling: object(Object.fromEntries(autoscaled.map((s) => [s, { $ref: '#/definitions/replicaRange' }]))),
      ...(fixed.length > 0 ? { replicas: object(Object.fromEntries(fixed.map((s) => [s, { $ref: '#/definitions/replicaCount' }]))) } : {}),
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
      pinnedImage: PINNED_IMAGE,
      replicaCount: { type: 'integer', minimum: MIN_SERVICE_REPLICAS, maximum: MAX_SERVICE_REPLICAS },
      // minReplicas above maxReplicas: JSON Schema cannot compare two values; the template refuses it.
      replicaRange: object({ minReplicas: { $ref: '#/definitions/replicaCount' }, maxReplicas: { $ref: '#/definitions/replicaCount' } }),
    },
  };
}

function usage(name: string): string {
  return `## Usage

\`\`\`sh
helm lint --strict dist/helm/${name}
helm template ${name} dist/helm/${name} > rendered.yaml                 # the committed manifests
helm template ${name} dist/helm/${name} --set activeColor=green         # only the routes change
helm install ${name} dist/helm/${name} --set extraLabels.team=learning  # or: helm upgrade --install
\`\`\`

Objects carry their own namespaces; the release's namespace is not used. Argo CD syncs
\`dist/manifests/\` directly: the chart is for installs that go through Helm instead, and helm's
\`--set\` is where its values differ from the committed release state (\`release.yaml\`).
`;
}

const otherColor = (color: Color): Color => (color === 'blue' ? 'green' : 'blue');

import { App } from 'cdk8s';
import {
  applyArgoSyncPolicy, ClusterPlacement, clusterPlacements, Color, COLORS, FieldPath, LABEL_NAME, parseImage, PlatformModel, ReleaseState, RenderedObject,
  renderApp, renderHelmChart, TemplateSource, versionLabel,
} from '../lib';
import { version as packageVersion } from '../package.json';
import { EdgeChart } from './edge-chart';

/** The highest replica count the charts' schema accepts: it can compare min and max only in a bounded range. */
const MAX_REPLICAS = 100;
const REPOSITORY = '[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*';
const TAG = ':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '@sha256:[a-f0-9]{64}';
/** The platform's pinning rule (lib/core/image.ts) in RE2: a tag other than latest, or a digest. */
const PINNED_IMAGE = {
  type: 'string',
  allOf: [{ pattern: `^${REPOSITORY}(${TAG})?(${DIGEST})?$` }, { pattern: `(${TAG}|${DIGEST})$` }],
  not: { pattern: ':latest$' },
  description: 'A pinned image: <repository>:<tag other than latest>, or <repository>[:<tag>]@sha256:<64 hex digits>.',
};
const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
const VERSION_LABEL = 'app.kubernetes.io/version';
/** How the README shows a default that comes from the release state: repeating it would change the README with every release. */
const RELEASE_STATE = 'from `release.yaml` (see values.yaml)';

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
    const chart = clusterChart(placement, objects.filter((o) => o.cluster === placement.cluster.name && o.path.startsWith('manifests/')), model, flippedEdge);
    for (const [path, content] of renderHelmChart(chart)) files.set(`helm/${chart.name}/${path}`, content);
  }
  return files;
}

/** The edge objects of every cluster with the other colour live in every region, by path. */
function flippedEdgeObjects(model: PlatformModel): Map<string, any> {
  const { spec, release } = model;
  const flipped: ReleaseState = {
    ...release,
    regions: Object.fromEntries(Object.entries(release.regions).map(([name, r]) => [name, { activeColor: otherColor(r.activeColor) }])),
  };
  const app = new App();
  for (const placement of clusterPlacements(spec)) new EdgeChart(app, `${placement.cluster.name}-edge`, { spec, release: flipped, placement });
  applyArgoSyncPolicy(app);
  return new Map(renderApp(app).objects.map((o) => [o.path, o.manifest]));
}

function clusterChart(placement: ClusterPlacement, objects: readonly RenderedObject[], model: PlatformModel, flippedEdge: Map<string, any>) {
  const { spec, release } = model;
  const activeColor = release.regions[placement.region.name].activeColor;
  const services = spec.services.map((s) => s.name);
  const name = placement.cluster.name;
  const colors = placement.colors;
  const autoscaling = autoscalingValues(objects, placement, services);
  const values = {
    activeColor,
    colors: Object.fromEntries(colors.map((c) => [c, { images: Object.fromEntries(services.map((s) => [s, release.colors[c].images[s]])) }])),
    autoscaling,
    monitoring: { enabled: true },
    mesh: { enabled: true },
    extraLabels: {},
  };
  const usedLabelKeys = [...new Set(objects.flatMap((o) => Object.keys(o.manifest.metadata.labels ?? {})))].sort();
  const templates = new Map<string, TemplateSource>();
  const prefix = `manifests/${placement.region.name}/`;
  for (const object of objects) {
    const flipped = flippedEdge.get(object.path);
    const changesWithColour = object.component === placement.componentOf('edge') && flipped && JSON.stringify(flipped) !== JSON.stringify(object.manifest);
    // Written the same way whichever colour is live now, so that a switch changes values.yaml, not the templates.
    const [blueLive, greenLive] = activeColor === 'blue' ? [object.manifest, flipped] : [flipped, object.manifest];
    templates.set(object.path.slice(prefix.length), {
      manifest: changesWithColour ? blueLive : object.manifest,
      fieldValue: fieldValues(object, release, colors),
      condition: conditionOf(object.manifest),
      alternative: changesWithColour ? { when: 'eq .Values.activeColor "green"', manifest: greenLive } : undefined,
      extraLabels: '.Values.extraLabels',
    });
  }
  return {
    name,
    version: packageVersion,
    appVersion: packageVersion,
    description: `The ${spec.name} platform in cluster ${placement.cluster.name} (region ${placement.region.name}, ${colors.join(' and ')}), as synthesized by alp-deploy.`,
    kubeVersion: '>=1.28.0-0',
    values,
    valuesSchema: valuesSchema(colors, services, usedLabelKeys, autoscaling),
    valueDocs: [
      { key: 'activeColor', shownDefault: RELEASE_STATE, description: `The colour that serves the live hosts: ${COLORS.join(' or ')}. The other colour answers on the preview hosts.` },
      ...colors.flatMap((c) => services.map((s) => ({ key: `colors.${c}.images.${s}`, shownDefault: RELEASE_STATE, description: `The image ${s} runs in the ${c} colour, pinned by a tag other than \`latest\` or by digest. Its tag becomes the app.kubernetes.io/version label.` }))),
      ...services.flatMap((s) => [
        { key: `autoscaling.${s}.minReplicas`, description: `Fewest ${s} pods per colour (the HPA's minReplicas); 2 to ${MAX_REPLICAS}, at most maxReplicas.` },
        { key: `autoscaling.${s}.maxReplicas`, description: `Most ${s} pods per colour (the HPA's maxReplicas); at most ${MAX_REPLICAS}.` },
      ]),
      { key: 'monitoring.enabled', description: 'Render the Prometheus Operator objects (ServiceMonitors, PodMonitors, PrometheusRules, Probes, AlertmanagerConfigs), the Grafana dashboard ConfigMaps and the CloudNativePG PodMonitor. Turn off where the monitoring stack is not installed.' },
      { key: 'mesh.enabled', description: 'Render the Istio objects (PeerAuthentications and AuthorizationPolicies). Turn off only where Istio is not installed: it removes mTLS and the mesh authorization.' },
      { key: 'extraLabels', description: 'Labels added to every object\'s metadata (not to pod templates or selectors). The labels alp-deploy sets itself are refused.' },
    ],
    helpers: HELPERS,
    templates,
    readmeSections: usage(name),
  };
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
    if (found.size !== 1) throw new Error(`cluster ${placement.cluster.name}: expected one autoscaling range for ${service}, found ${[...found].join(', ') || 'none'}`);
    bounds[service] = { minReplicas: hpas[0].manifest.spec.minReplicas, maxReplicas: hpas[0].manifest.spec.maxReplicas };
  }
  return bounds;
}

/** The values behind an object's fields: images and their version labels, HPA bounds, the CNPG PodMonitor switch. */
function fieldValues(object: RenderedObject, release: ReleaseState, colors: readonly Color[]) {
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
        if (last === VERSION_LABEL && path[path.length - 2] === 'labels' && value === version) return `${versionOf} | quote`;
        // The OpenTelemetry resource attributes name the version too: `…,service.version=<version>,…`.
        const attribute = `service.version=${version}`;
        const at = value.split(',').indexOf(attribute);
        if (last === 'value' && path[path.length - 3] === 'env' && at >= 0) {
          const format = value.split(',').map((part, i) => (i === at ? 'service.version=%s' : part.replace(/%/g, '%%'))).join(',');
          return `printf ${JSON.stringify(format)} (${versionOf}) | quote`;
        }
      }
      if (manifest.kind === 'HorizontalPodAutoscaler' && path.length === 2 && path[0] === 'spec' && (last === 'minReplicas' || last === 'maxReplicas')) {
        return `index .Values.autoscaling ${JSON.stringify(manifest.spec.scaleTargetRef.name)} "${last}" | int`;
      }
    }
    if (manifest.apiVersion.startsWith('postgresql.cnpg.io/') && manifest.kind === 'Cluster' && path.join('.') === 'spec.monitoring.enablePodMonitor' && value === true) {
      return '.Values.monitoring.enabled';
    }
    return undefined;
  };
}

function conditionOf(manifest: any): string | undefined {
  const group = String(manifest.apiVersion).split('/')[0];
  if (group === 'monitoring.coreos.com' || (manifest.kind === 'ConfigMap' && manifest.metadata.labels?.grafana_dashboard !== undefined)) return '.Values.monitoring.enabled';
  if (group.endsWith('.istio.io')) return '.Values.mesh.enabled';
  return undefined;
}

function valuesSchema(colors: readonly Color[], services: readonly string[], usedLabelKeys: readonly string[], autoscaling: Record<string, { maxReplicas: number }>) {
  const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type: 'object', additionalProperties: false, required: Object.keys(properties), properties, ...extra,
  });
  const maxReplicas = Math.max(MAX_REPLICAS, ...Object.values(autoscaling).map((a) => a.maxReplicas));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'alp-deploy cluster chart values',
    ...object({
      activeColor: { type: 'string', enum: [...COLORS], description: 'The colour that serves the live hosts.' },
      colors: object(Object.fromEntries(colors.map((c) => [c, object({ images: object(Object.fromEntries(services.map((s) => [s, { $ref: '#/definitions/pinnedImage' }]))) })]))),
      autoscaling: object(Object.fromEntries(services.map((s) => [s, { $ref: '#/definitions/replicaRange' }]))),
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
      replicaRange: object(
        {
          minReplicas: { type: 'integer', minimum: 2, maximum: maxReplicas },
          maxReplicas: { type: 'integer', minimum: 2, maximum: maxReplicas },
        },
        {
          // JSON Schema cannot compare two fields, so "maxReplicas >= minReplicas" is spelt out for every possible minimum.
          allOf: Array.from({ length: maxReplicas - 2 }, (_, i) => ({ if: { properties: { minReplicas: { minimum: i + 3 } } }, then: { properties: { maxReplicas: { minimum: i + 3 } } } })),
        },
      ),
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

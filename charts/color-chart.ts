import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  BackendGrant,
  Color,
  otelEnvironment,
  parseImage,
  ServiceScrape,
  HardenedServiceProps,
  ServiceSecret,
  HardenedService,
  LABEL_MANAGED_BY,
  LABEL_PART_OF,
  PlacedChart,
  AutoscalingOptions,
} from '../lib';
// Installs the grant writer (Role, RoleBinding) behind HardenedService.grant.
import '../lib/rbac/service-grants';
import { ApiResource, KubernetesApiServer } from '../lib/workload/grants';
import { COLOR_ATTRIBUTE, PRIORITY_CLASSES, SECRET_MOUNT_ROOT } from '../platform/names';
import { SECRET_STORE_NAME } from './platform-chart';
import { connectColorServices } from './service-connectivity';
import {
  clusterModel,
  clusterPlacements,
  colorServices,
  colorState,
  featureFlagEnv,
  stagedAspects,
  edgeGateways,
  PlatformSpec,
  regionalMinReplicas,
  RegionSpec,
  ReleaseState,
  scalingMetricsOf,
  ServiceConfig,
  ServiceSecretSpec,
  ServiceSpec,
} from '../platform';
import { versionLabel } from '../lib/core/image';
import { ANNOTATION_COLOR_CONFIG, ColorConfigAspect, MANAGED_BY, STANDBY_SCALING_ANNOTATION } from '../lib/core/labels';
import { pascalCase } from '../lib/core/names';

export interface ColorChartProps {
  readonly spec: PlatformSpec;
  readonly release: ReleaseState;
  readonly region: RegionSpec;
  readonly color: Color;
  /**
   * The cluster the colour runs in.
   * @default - the region's name
   */
  readonly cluster?: string;
}

/**
 * One colour's complete set of stateless services in one region, each with its ServiceMonitor
 * and OpenTelemetry settings. The blue and green charts
 * differ only in the colour label and in the images release.yaml gives each colour.
 */
export class ColorChart extends PlacedChart {
  public readonly services: HardenedService[];

  constructor(scope: Construct, id: string, props: ColorChartProps) {
    const labels = { [LABEL_PART_OF]: props.spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    super(scope, id, {
      region: props.region.name,
      cluster: props.cluster,
      component: props.color,
      namespace: props.spec.namespaces[props.color],
      labels,
    });
    const { images, config } = colorState(props.release, props.region.name, props.color);
    // The cluster this colour runs in, for its own addresses (the API server of an API grant).
    const clusterSpec = clusterPlacements(props.spec).find(
      (p) => p.region.name === props.region.name && p.colors.includes(props.color),
    )?.cluster;
    if (props.spec.services.some((s) => s.kubernetesApi)) {
      const apiServer = clusterModel(
        props.spec,
        edgeGateways(props.spec).map((g) => g.name),
        clusterSpec,
      ).components['api-server'];
      new KubernetesApiServer(this, 'KubernetesApiServer', { cidrs: apiServer.cidrs ?? [], ports: apiServer.ports });
    }
    this.services = colorServices(props.spec, props.release, props.region.name, props.color).map((service) => {
      const workload = new HardenedService(this, pascalCase(service.name), workloadProps(service, images[service.name], props));
      ServiceScrape.forService(workload, 'Scrape', workload);
      for (const secret of service.secrets) {
        new ServiceSecret(workload, `${pascalCase(secret.name)}Secret`, {
          name: secretName(service, secret),
          storeName: SECRET_STORE_NAME,
          remoteKey: secret.vaultKey,
          keys: secret.keys,
          refreshInterval: props.spec.vault.refreshInterval,
        });
      }
      // The spec names its rules' objects: ones outside the app (its externalObjects) or the service's own.
      for (const rule of service.kubernetesApi?.rules ?? []) {
        workload.grant(ApiResource.named({ ...rule, allowSecretAccess: service.kubernetesApi!.allowSecretAccess }), ...rule.verbs);
      }
      markStagedConfig(workload, service, Object.hasOwn(config, service.name) ? config[service.name] : undefined);
      return workload;
    });
    connectColorServices(new Map(this.services.map((w) => [w.name, w])), props.spec, props.color);
    const publicServices = props.spec.services.filter((s) => s.public).map((s) => s.name);
    if (publicServices.length > 0) {
      new BackendGrant(this, 'EdgeRoutes', {
        name: 'edge-routes',
        routeNamespace: props.spec.namespaces.edge,
        serviceNames: publicServices,
      });
    }
  }
}

/** The HardenedService props of a service in one colour: its spec's, its image, and the tracing settings. */
function workloadProps(service: ServiceSpec, image: string, props: ColorChartProps): HardenedServiceProps {
  const live = props.release.regions[props.region.name]?.activeColor === props.color;
  const base = serviceProps(service, props.region, props.spec, live);
  return {
    ...base,
    ...secretProps(service),
    // Tracing: the OpenTelemetry SDK settings (service name, colour, version, region, collector);
    // the spec's own env wins, so a team can tune e.g. its sampling.
    env: {
      ...otelEnvironment({
        serviceName: service.name,
        version: versionLabel(parseImage(image)!),
        region: props.region.name,
        color: props.color,
        colorAttribute: COLOR_ATTRIBUTE,
        platform: props.spec.name,
        collectorNamespace: props.spec.namespaces.monitoring,
      }),
      ...featureFlagEnv(service),
      ...base.env,
    },
    image,
    color: props.color,
  };
}

/**
 * Marks the objects a colour's staged configuration changes (`ANNOTATION_COLOR_CONFIG`), so that
 * blue/green parity allows exactly those differences: the Deployment (env, resources, replicas),
 * the HPA (autoscaling bounds) and the ExternalSecrets of the staged secrets (Vault paths).
 */
function markStagedConfig(workload: HardenedService, service: ServiceSpec, staged: ServiceConfig | undefined): void {
  const aspects = stagedAspects(staged);
  const mark = (object: ApiObject, kinds: readonly ColorConfigAspect[]) => {
    const marked = aspects.filter((a) => kinds.includes(a));
    if (marked.length > 0) object.metadata.addAnnotation(ANNOTATION_COLOR_CONFIG, marked.join(','));
  };
  mark(workload.deployment, ['env', 'resources', 'replicas']);
  if (workload.autoscaler) mark(workload.autoscaler.resource, ['autoscaling']);
  const stagedSecrets = new Set(Object.keys(staged?.secrets ?? {}).map((name) => secretName(service, { name })));
  if (stagedSecrets.size === 0) return;
  for (const child of workload.node.findAll()) {
    if (child instanceof ServiceSecret && stagedSecrets.has(child.secretName)) mark(child.resource, ['vaultKey']);
  }
}

/** The Kubernetes Secret (written by its ExternalSecret) of one of a service's secrets. */
function secretName(service: Pick<ServiceSpec, 'name'>, secret: Pick<ServiceSecretSpec, 'name'>): string {
  return `${service.name}-${secret.name}`;
}

/**
 * How the service reads its secrets: files under /var/run/secrets/alp/<secret>/ by default;
 * environment variables `<SECRET>_<KEY>` (upper case, "-" and "." as "_") where declared.
 */
function secretProps(service: ServiceSpec): Pick<HardenedServiceProps, 'secretMounts' | 'secretEnv'> {
  const envName = (...parts: string[]) => parts.join('_').toUpperCase().replace(/[-.]/g, '_');
  return {
    secretMounts: service.secrets.filter((s) => s.as === 'file').map((s) => ({ name: s.name, secretName: secretName(service, s) })),
    secretEnv: service.secrets
      .filter((s) => s.as === 'env')
      .flatMap((s) =>
        s.keys.map((key) => ({
          name: envName(s.name, key),
          secretName: secretName(service, s),
          key,
        })),
      ),
  };
}

/**
 * A service's HPA minimum, scale-down window and annotations in one colour of a region, given its
 * region's minimum and whether the colour is live there. With `delivery.standby.mode: floor`, the
 * idle colour's minimum is the floor (where lower) and its scale-down window the soak; both
 * colours carry the floor's annotation (STANDBY_SCALING_ANNOTATION, which blue/green parity reads).
 */
export function colorScaling(
  spec: PlatformSpec,
  live: boolean,
  minReplicas: number,
): Pick<AutoscalingOptions, 'minReplicas' | 'scaleDownStabilizationSeconds' | 'annotations'> {
  const standby = spec.delivery.standby;
  if (standby.mode === 'full') return { minReplicas };
  const soakSeconds = standby.soakMinutes * 60;
  const annotations = { [STANDBY_SCALING_ANNOTATION]: JSON.stringify({ floorReplicas: standby.floorReplicas, soakSeconds }) };
  if (live) return { minReplicas, annotations };
  return { minReplicas: Math.min(standby.floorReplicas, minReplicas), scaleDownStabilizationSeconds: soakSeconds, annotations };
}

/** HardenedService props from a service's spec (replica floor scaled for the region) (everything but the image and colour). */
function serviceProps(service: ServiceSpec, region: RegionSpec, spec: PlatformSpec, live: boolean) {
  const scaling = service.autoscaling;
  return {
    name: service.name,
    tier: service.tier,
    port: service.port,
    metricsPort: service.metricsPort,
    resources: service.resources,
    replicas: service.replicas && regionalMinReplicas(service.replicas, region),
    autoscaling: scaling && {
      ...colorScaling(spec, live, regionalMinReplicas(scaling.minReplicas, region)),
      maxReplicas: scaling.maxReplicas,
      targetCpuUtilizationPercentage: scaling.targetCPUUtilizationPercentage,
      targetMemoryUtilizationPercentage: scaling.targetMemoryUtilizationPercentage,
      metrics: scalingMetricsOf(service),
    },
    readinessPath: service.health.readinessPath,
    livenessPath: service.health.livenessPath,
    automountServiceAccountToken: service.kubernetesApi !== undefined,
    priorityClassName: PRIORITY_CLASSES[service.priority],
    secretMountRoot: SECRET_MOUNT_ROOT,
    terminationGracePeriodSeconds: service.terminationGracePeriodSeconds,
    env: service.env,
  };
}

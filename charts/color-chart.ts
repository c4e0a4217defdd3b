import { Construct } from 'constructs';
import {
  Color, HardenedService, LABEL_MANAGED_BY, LABEL_PART_OF, MANAGED_BY, PlacedChart, PlatformSpec,
  PRIORITY_CRITICAL, PRIORITY_STANDARD, pascalCase, ReleaseState, ScalingMetric, ServiceSpec,
} from '../lib';

export interface ColorChartProps {
  readonly spec: PlatformSpec;
  readonly release: ReleaseState;
  readonly region: string;
  readonly color: Color;
}

/**
 * One colour's complete set of stateless services in one region. The blue and green charts
 * differ only in the colour label and in the images release.yaml gives each colour.
 */
export class ColorChart extends PlacedChart {
  public readonly services: HardenedService[];

  constructor(scope: Construct, id: string, props: ColorChartProps) {
    const labels = { [LABEL_PART_OF]: props.spec.name, [LABEL_MANAGED_BY]: MANAGED_BY };
    super(scope, id, { region: props.region, component: props.color, namespace: props.spec.namespaces[props.color], labels });
    const images = props.release.colors[props.color].images;
    this.services = props.spec.services.map((service) => new HardenedService(this, pascalCase(service.name), {
      ...serviceProps(service),
      image: images[service.name],
      color: props.color,
    }));
  }
}

/** HardenedService props from a service's spec (everything but the image and colour). */
function serviceProps(service: ServiceSpec) {
  const scaling = service.autoscaling;
  return {
    name: service.name,
    tier: service.tier,
    port: service.port,
    metricsPort: service.metricsPort,
    resources: service.resources,
    replicas: service.replicas,
    autoscaling: scaling && {
      minReplicas: scaling.minReplicas,
      maxReplicas: scaling.maxReplicas,
      targetCpuUtilizationPercentage: scaling.targetCPUUtilizationPercentage,
      targetMemoryUtilizationPercentage: scaling.targetMemoryUtilizationPercentage,
      metrics: scaling.metrics.map((m) => (m.type === 'pods' ? ScalingMetric.pods : ScalingMetric.external)(m.name, m.averageValue, m.selector)),
    },
    readinessPath: service.health.readinessPath,
    livenessPath: service.health.livenessPath,
    automountServiceAccountToken: service.kubernetesApi.length > 0,
    priorityClassName: service.priority === 'critical' ? PRIORITY_CRITICAL : PRIORITY_STANDARD,
    terminationGracePeriodSeconds: service.terminationGracePeriodSeconds,
    env: service.env,
  };
}

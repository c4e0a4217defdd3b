import { ServiceSpec } from './spec';
import { ScalingMetric } from '../lib/autoscaling/hpa';

/**
 * The custom and external metrics a service's spec declares under `autoscaling.metrics`, as the
 * HPA scales on them. The one translation of the spec's metrics: the colours' HPAs and the metrics
 * adapter's rules both come from it, so that every metric an HPA asks for has its rule.
 */
export function scalingMetricsOf(service: Pick<ServiceSpec, 'autoscaling'>): ScalingMetric[] {
  return (service.autoscaling?.metrics ?? []).map((m) =>
    (m.type === 'pods' ? ScalingMetric.pods : ScalingMetric.external)(m.name, m.averageValue, m.selector),
  );
}

import { Construct } from 'constructs';
import { Color, MetricsAdapterConfig, RuleGroupSet, scalingMetricRules, ScalingMetricUse } from '../lib';
import { PlatformSpec, scalingMetricsOf } from '../platform';
import { SWITCH_TRAFFIC_COMMAND } from '../platform/names';

/**
 * The metrics adapter's side of the colours' autoscaling, in the monitoring component of one
 * cluster: prometheus-adapter's config (ConfigMap `prometheus-adapter-config`) with a rule for
 * every custom and external metric the HPAs of its colours scale on, and the `autoscaling`
 * rules that page when such a metric is absent or an HPA cannot read its metrics. Both come from
 * `scalingMetricsOf`, the translation the colour charts build their HPAs with.
 */
export function addMetricsAdapter(scope: Construct, spec: PlatformSpec, colors: readonly Color[], runbookBaseUrl: string): void {
  const namespaces = colors.map((color) => spec.namespaces[color]);
  const uses: ScalingMetricUse[] = spec.services.flatMap((service) =>
    scalingMetricsOf(service).map((metric) => ({ service: service.name, metric, namespaces })),
  );
  new MetricsAdapterConfig(scope, 'MetricsAdapterConfig', { metrics: uses });
  new RuleGroupSet(scope, 'AutoscalingRules', {
    component: 'autoscaling',
    runbookBaseUrl,
    rules: scalingMetricRules({
      metrics: uses,
      hpaNamespaces: namespaces,
      adapterNamespace: spec.namespaces.monitoring,
      switchTrafficCommand: SWITCH_TRAFFIC_COMMAND,
    }),
  });
}

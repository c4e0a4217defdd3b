// What the other areas of lib/ import from autoscaling/ (an explicit list, no `export *`). Not the
// package's API, which is lib/index.ts.
export {
  adapterConfigFor,
  METRICS_ADAPTER_CONFIG_KEY,
  METRICS_ADAPTER_CONFIG_LABEL,
  METRICS_ADAPTER_CONFIG_NAME,
  PROMETHEUS_ADAPTER,
  scalingMetricSource,
} from './adapter-config';
export type { AdapterConfig, AdapterRule, AdapterRuleRequest } from './adapter-config';
export { adapterServes } from './adapter-coverage';
export { HorizontalAutoscaler, ScalingMetric } from './hpa';
export type { AutoscalingOptions } from './hpa';
export { DisruptionBudget } from './pdb';
export type { DisruptionBudgetOptions } from './pdb';

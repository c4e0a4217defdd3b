/**
 * The configuration of prometheus-adapter, the component that serves the custom metrics API
 * (`custom.metrics.k8s.io`, the HPA's `Pods` metrics) and the external metrics API
 * (`external.metrics.k8s.io`, its `External` metrics) from Prometheus. Its config file holds
 * `rules:` (custom metrics) and `externalRules:` (external metrics); each rule discovers series
 * (`seriesQuery`), associates their labels with Kubernetes resources (`resources`), names the
 * API metric (`name.matches`/`name.as`) and queries the values (`metricsQuery`, a Go template
 * with `<<.Series>>`, `<<.LabelMatchers>>` and `<<.GroupBy>>`).
 *
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md
 * @see https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/externalmetrics.md
 */
import { ScalingMetric } from './hpa';

export { METRICS_ADAPTER_CONFIG_LABEL } from '../core/labels';
/** The value of `METRICS_ADAPTER_CONFIG_LABEL`: the adapter whose format the config is in. */
export const PROMETHEUS_ADAPTER = 'prometheus-adapter';
/** The name of the adapter's config ConfigMap (the chart's `rules.existing`). */
export const METRICS_ADAPTER_CONFIG_NAME = `${PROMETHEUS_ADAPTER}-config`;
/** The key of the config file in the ConfigMap: the chart mounts it as `/etc/adapter/config.yaml`. */
export const METRICS_ADAPTER_CONFIG_KEY = 'config.yaml';

/** A Prometheus label associated with a Kubernetes resource. */
export interface AdapterResourceOverride {
  readonly group?: string;
  readonly resource: string;
}

/** One rule of prometheus-adapter's config file. */
export interface AdapterRule {
  readonly seriesQuery: string;
  readonly seriesFilters?: readonly ({ readonly is: string } | { readonly isNot: string })[];
  readonly resources?: {
    readonly overrides?: Readonly<Record<string, AdapterResourceOverride>>;
    readonly template?: string;
    /** External rules only: `false` ignores the HPA's namespace. */
    readonly namespaced?: boolean;
  };
  readonly name?: { readonly matches?: string; readonly as?: string };
  readonly metricsQuery: string;
}

/** prometheus-adapter's config file (the parts this library writes and reads). */
export interface AdapterConfig {
  /** Custom metrics (`custom.metrics.k8s.io`): the HPA's `Pods` and `Object` metrics. */
  readonly rules?: readonly AdapterRule[];
  /** External metrics (`external.metrics.k8s.io`): the HPA's `External` metrics. */
  readonly externalRules?: readonly AdapterRule[];
}

/** Which series a scaling metric is computed from, and how. */
export interface ScalingMetricSource {
  /** The series the pods emit. */
  readonly series: string;
  /** `rate`: a counter, served as its per-second rate; `value`: a gauge, served as it is. */
  readonly aggregation: 'rate' | 'value';
}

/**
 * The series a scaling metric reads, by prometheus-adapter's naming convention: a metric named
 * `<base>_per_second` is the rate of the counter `<base>_total` (e.g. `http_requests_per_second`
 * from `http_requests_total`); any other name is a gauge of the same name.
 */
export function scalingMetricSource(name: string): ScalingMetricSource {
  const perSecond = /^(.+)_per_second$/.exec(name);
  return perSecond ? { series: `${perSecond[1]}_total`, aggregation: 'rate' } : { series: name, aggregation: 'value' };
}

/** What an adapter rule is generated for: a metric and the namespaces whose HPAs use it. */
export interface AdapterRuleRequest {
  readonly metric: ScalingMetric;
  /** The namespaces of the HPAs that scale on it; the rule discovers series there only. */
  readonly namespaces: readonly string[];
}

export interface AdapterRuleOptions {
  /**
   * The range of `rate()` for counters, as a Prometheus duration: at least four scrape intervals.
   * @default '2m'
   */
  readonly rateWindow?: string;
}

/**
 * The adapter rule that serves exactly one scaling metric, under exactly its name, for its kind:
 * a `Pods` metric per pod (the `namespace` and `pod` labels that scraping adds associated with
 * those resources, summed per pod); an `External` metric per namespace (the HPA's namespace and
 * `selector` become label matchers), one value for the whole namespace: counters summed over the
 * pods, gauges their maximum (a queue's length, reported alike by every replica that reports it).
 */
export function adapterRuleFor(request: AdapterRuleRequest, options: AdapterRuleOptions = {}): AdapterRule {
  const { metric } = request;
  const source = scalingMetricSource(metric.name);
  const window = options.rateWindow ?? '2m';
  const namespaces = [...new Set(request.namespaces)].sort();
  const nsMatcher = namespaces.length === 1 ? `namespace="${namespaces[0]}"` : `namespace=~"${namespaces.join('|')}"`;
  const series = '<<.Series>>{<<.LabelMatchers>>}';
  const value = source.aggregation === 'rate' ? `rate(${series}[${window}])` : series;
  const name = { matches: `^${source.series}$`, as: metric.name };
  if (metric.type === 'Pods') {
    return {
      seriesQuery: `${source.series}{${nsMatcher},pod!=""}`,
      resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
      name,
      metricsQuery: `sum(${value}) by (<<.GroupBy>>)`,
    };
  }
  return {
    seriesQuery: `${source.series}{${nsMatcher}}`,
    resources: { overrides: { namespace: { resource: 'namespace' } } },
    name,
    metricsQuery: `${source.aggregation === 'rate' ? 'sum' : 'max'}(${value})`,
  };
}

/**
 * The adapter config that serves every requested metric: one rule per metric name and kind
 * (requests for the same metric are merged, their namespaces united), sorted by name.
 */
export function adapterConfigFor(requests: readonly AdapterRuleRequest[], options: AdapterRuleOptions = {}): AdapterConfig {
  const merged = new Map<string, { metric: ScalingMetric; namespaces: Set<string> }>();
  for (const request of requests) {
    const key = `${request.metric.type}/${request.metric.name}`;
    const entry = merged.get(key) ?? { metric: request.metric, namespaces: new Set<string>() };
    for (const ns of request.namespaces) entry.namespaces.add(ns);
    merged.set(key, entry);
  }
  const rulesOf = (type: ScalingMetric['type']) =>
    [...merged.values()]
      .filter((e) => e.metric.type === type)
      .sort((a, b) => (a.metric.name < b.metric.name ? -1 : a.metric.name > b.metric.name ? 1 : 0))
      .map((e) => adapterRuleFor({ metric: e.metric, namespaces: [...e.namespaces] }, options));
  return { rules: rulesOf('Pods'), externalRules: rulesOf('External') };
}

/**
 * The metrics the platform's rules and dashboards read, and so the metrics the services must
 * emit on their `metrics` port (Prometheus text format at `/metrics`). Labels added by
 * scraping (`namespace`, `service`, `pod`, `color`, `version`) are not listed: services must
 * not emit labels with those names themselves.
 */

/** One metric a service emits. */
export interface MetricDefinition {
  /** The metric name as exposed (histograms without the `_bucket`/`_sum`/`_count` suffix). */
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** Labels the service sets, with their values where they are fixed. */
  readonly labels: readonly string[];
  /** What it counts or measures. */
  readonly help: string;
  /** Which services are expected to emit it. */
  readonly emittedBy: string;
}

/** The label that ServiceScrape copies from the pods' `alp-deploy.io/color` label. */
export const COLOR_LABEL = 'color';
/** The label that ServiceScrape copies from the pods' `app.kubernetes.io/version` label. */
export const VERSION_LABEL = 'version';

/**
 * Names of a service's HTTP metrics, for services whose instrumentation differs from the
 * defaults (those of the Prometheus client libraries' HTTP middleware).
 */
export interface HttpMetricNames {
  /**
   * Counter of handled requests with the status code as a label.
   * @default 'http_requests_total'
   */
  readonly requestsTotal?: string;
  /**
   * Histogram of request durations in seconds (without the `_bucket` suffix).
   * @default 'http_request_duration_seconds'
   */
  readonly requestDuration?: string;
  /**
   * The label of `requestsTotal` that holds the HTTP status code.
   * @default 'code'
   */
  readonly statusCodeLabel?: string;
}

/** HttpMetricNames with every default applied. */
export interface ResolvedHttpMetricNames {
  readonly requestsTotal: string;
  readonly requestDuration: string;
  readonly statusCodeLabel: string;
}

export const DEFAULT_HTTP_METRICS: ResolvedHttpMetricNames = {
  requestsTotal: 'http_requests_total',
  requestDuration: 'http_request_duration_seconds',
  statusCodeLabel: 'code',
};

/** The names with defaults applied. */
export function resolveHttpMetrics(names: HttpMetricNames | undefined): ResolvedHttpMetricNames {
  return { ...DEFAULT_HTTP_METRICS, ...Object.fromEntries(Object.entries(names ?? {}).filter(([, v]) => v !== undefined)) };
}

/** Every service: the golden signals and the SLO are computed from these. */
export const SERVICE_METRICS: readonly MetricDefinition[] = [
  {
    name: DEFAULT_HTTP_METRICS.requestsTotal,
    type: 'counter',
    labels: ['code (HTTP status, e.g. "200", "503")', 'method'],
    help: 'HTTP requests handled. 5xx responses count against the availability objective; 401 and 403 feed the security rules.',
    emittedBy: 'every service',
  },
  {
    name: DEFAULT_HTTP_METRICS.requestDuration,
    type: 'histogram',
    labels: ['le', 'method'],
    help: "HTTP request duration in seconds. The buckets must include the service's p99 latency target (e.g. 0.5 for 500 ms), so that the p99 is exact at the threshold.",
    emittedBy: 'every service',
  },
];

/** A group of metrics in the catalog: a table under its own heading. */
export interface MetricCatalogGroup {
  readonly title: string;
  readonly metrics: readonly MetricDefinition[];
}

/**
 * The metric catalog as Markdown (one table per group), for the services' developers. The
 * output is deterministic.
 * @param groups the tables, e.g. `SERVICE_METRICS` and a platform's own business metrics
 *   (default: only `SERVICE_METRICS`, titled "Every service")
 */
export function renderMetricCatalog(
  groups: readonly MetricCatalogGroup[] = [{ title: 'Every service', metrics: SERVICE_METRICS }],
): string {
  const table = ({ title, metrics }: MetricCatalogGroup) => [
    `## ${title}`,
    '',
    '| metric | type | labels | emitted by | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...metrics.map(
      (m) => `| \`${m.name}\` | ${m.type} | ${m.labels.length === 0 ? '-' : m.labels.join(', ')} | ${m.emittedBy} | ${m.help} |`,
    ),
    '',
  ];
  return [
    '# Metrics the services emit',
    '',
    "Served on each service's `metrics` port at `/metrics`. Scraping adds `namespace`, `service`, `pod`,",
    '`color` and `version`; services must not set labels with those names.',
    '',
    ...groups.flatMap(table),
  ].join('\n');
}

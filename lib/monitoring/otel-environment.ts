import { Color, PropProblem, TRACE_COLLECTOR } from '../core';
import { promNumber } from './promql';
import { throwOptionProblems } from './service-options';
import { DNS_1035_LABEL as DNS_LABEL } from '../core/validation';

export interface OtelEnvironmentOptions {
  /** The service's name: `OTEL_SERVICE_NAME` (the service in Jaeger). */
  readonly serviceName: string;
  /** The version it runs (`service.version`), e.g. the image tag. */
  readonly version: string;
  /** The region it runs in (`cloud.region`), e.g. `primary`. */
  readonly region: string;
  /** The namespace of the OpenTelemetry Collector (the monitoring namespace). */
  readonly collectorNamespace: string;
  /**
   * The blue/green colour, written as the resource attribute `colorAttribute`.
   * @default - no colour attribute
   */
  readonly color?: Color;
  /**
   * The resource attribute that carries `color`, e.g. `shop.color`.
   * @default 'color'
   */
  readonly colorAttribute?: string;
  /**
   * The platform name (`service.namespace`), e.g. `shop`.
   * @default - no service.namespace attribute
   */
  readonly platform?: string;
  /**
   * Share of new traces sampled (parent-based: a sampled caller's trace is always continued).
   * @default 0.1
   */
  readonly samplingRatio?: number;
}

/**
 * The OpenTelemetry SDK environment of a workload: traces over OTLP/gRPC to the collector
 * Service in the monitoring namespace (`http://otel-collector.<ns>.svc.cluster.local:4317`;
 * inside the mesh, mutual TLS encrypts it), the service name, and resource attributes for
 * colour, version and region. Metrics stay with Prometheus and logs with stdout, so their
 * OTLP exporters are off. Keys are sorted; pass the result as HardenedService's `env`.
 *
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
export function otelEnvironment(options: OtelEnvironmentOptions): Record<string, string> {
  const ratio = options.samplingRatio ?? 0.1;
  throwOptionProblems('otelEnvironment', environmentProblems(options, ratio));
  const attributes: Array<[string, string]> = [
    ['cloud.region', options.region],
    ['service.version', options.version],
  ];
  if (options.color) attributes.push([options.colorAttribute ?? 'color', options.color]);
  if (options.platform) attributes.push(['service.namespace', options.platform]);
  attributes.sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${TRACE_COLLECTOR.name}.${options.collectorNamespace}.svc.cluster.local:${TRACE_COLLECTOR.port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_PROPAGATORS: 'tracecontext,baggage',
    OTEL_RESOURCE_ATTRIBUTES: attributes.map(([k, v]) => `${k}=${v}`).join(','),
    OTEL_SERVICE_NAME: options.serviceName,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: promNumber(ratio),
  };
}

// Resource attribute values are W3C baggage values: no comma, semicolon, equals sign, space or quote.
const ATTRIBUTE_VALUE = /^[A-Za-z0-9._:/@+-]+$/;
// Resource attribute keys as the semantic conventions write them: dot-separated names.
const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

function environmentProblems(options: OtelEnvironmentOptions, ratio: number): PropProblem[] {
  const problems: PropProblem[] = [];
  if (typeof options.serviceName !== 'string' || !DNS_LABEL.test(options.serviceName))
    problems.push({ prop: 'serviceName', value: options.serviceName, rule: 'must be a DNS label' });
  if (typeof options.collectorNamespace !== 'string' || !DNS_LABEL.test(options.collectorNamespace)) {
    problems.push({ prop: 'collectorNamespace', value: options.collectorNamespace, rule: 'must be a namespace name' });
  }
  if (options.colorAttribute !== undefined && (typeof options.colorAttribute !== 'string' || !ATTRIBUTE_KEY.test(options.colorAttribute))) {
    problems.push({
      prop: 'colorAttribute',
      value: options.colorAttribute,
      rule: 'must be an attribute name of letters, digits, "_" and dots, such as "shop.color"',
    });
  }
  for (const prop of ['version', 'region', 'platform'] as const) {
    const value = options[prop];
    if ((prop !== 'platform' || value !== undefined) && (typeof value !== 'string' || !ATTRIBUTE_VALUE.test(value))) {
      problems.push({
        prop,
        value,
        rule: 'must be a non-empty value of letters, digits and . _ : / @ + -',
        fix: 'it is written into OTEL_RESOURCE_ATTRIBUTES',
      });
    }
  }
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1))
    problems.push({ prop: 'samplingRatio', value: ratio, rule: 'must be a ratio above 0 and at most 1' });
  return problems;
}

/**
 * Alerts and dashboard of the OpenTelemetry Collector, from its own metrics (`otelcol_*`,
 * collector v0.100 and later, scraped by the collector's ServiceScrape).
 */
import { DashboardNaming, PanelQuery, platformDashboard, timeseriesPanel, withRowOfPanels } from './dashboard-panels';
import { DashboardBuilder, PanelSource } from './grafana-sdk';
import { labelEq, seriesSelector } from './promql';
import { AlertRule, Rule, Runbook } from './rule';
import { Severity } from './severity';

/** The collector whose metrics the rules and dashboard read. */
export interface TraceCollectorSignalOptions {
  /** The collector's Service (the `service` label scraping adds) and container. */
  readonly service: string;
  /** Its namespace. */
  readonly namespace: string;
}

/** The collector's alerts (all `warning`: losing traces hurts diagnosis, not users). */
export function traceCollectorRules(options: TraceCollectorSignalOptions): Rule[] {
  const own = [labelEq('service', options.service), labelEq('namespace', options.namespace)];
  const m = (metric: string) => seriesSelector(metric, own);
  const alert = (
    name: string,
    expr: string,
    forDuration: string,
    summary: string,
    description: string,
    runbook: Runbook,
    labels?: Record<string, string>,
  ) => new AlertRule({ alert: name, expr, for: forDuration, severity: Severity.ticket(), labels, summary, description, runbook });
  return [
    alert(
      'OtelCollectorDown',
      `absent(${m('up')} == 1)`,
      '5m',
      'No OpenTelemetry Collector is up: traces are lost.',
      `Prometheus has scraped no running ${options.service} in ${options.namespace} for 5 minutes; the services' spans are dropped.`,
      COLLECTOR_DOWN_RUNBOOK,
      { namespace: options.namespace, service: options.service },
    ),
    alert(
      'OtelCollectorRefusingSpans',
      `sum by (namespace, pod) (rate(${m('otelcol_receiver_refused_spans_total')}[5m])) > 0`,
      '10m',
      'The OpenTelemetry Collector {{ $labels.pod }} refuses spans.',
      'Collector {{ $labels.namespace }}/{{ $labels.pod }} has refused {{ $value | humanize }} spans/s for 10 minutes, usually because its memory limiter is at the limit.',
      REFUSING_SPANS_RUNBOOK,
    ),
    alert(
      'OtelCollectorExportFailing',
      `sum by (namespace, exporter) (rate(${m('otelcol_exporter_send_failed_spans_total')}[5m])) > 0`,
      '10m',
      'The OpenTelemetry Collector fails to export spans to {{ $labels.exporter }}.',
      'The collectors in {{ $labels.namespace }} have failed to send {{ $value | humanize }} spans/s to {{ $labels.exporter }} for 10 minutes.',
      EXPORT_FAILING_RUNBOOK,
    ),
    alert(
      'OtelCollectorQueueNearlyFull',
      `max by (namespace, pod, exporter) (${m('otelcol_exporter_queue_size')} / ${m('otelcol_exporter_queue_capacity')}) > 0.8`,
      '10m',
      'The export queue of collector {{ $labels.pod }} is over 80 % full.',
      'The sending queue of {{ $labels.exporter }} in {{ $labels.namespace }}/{{ $labels.pod }} has been over 80 % full for 10 minutes; when full, spans are dropped.',
      QUEUE_NEARLY_FULL_RUNBOOK,
    ),
  ];
}

const COLLECTOR_VARIABLES = { NAMESPACE: 'namespace' };
const COLLECTOR_POD_VARIABLES = { ...COLLECTOR_VARIABLES, POD: 'pod' };
/** The spans the collector accepts per second. */
const ACCEPTED_SPANS_RATE = 'sum(rate(otelcol_receiver_accepted_spans_total{service="otel-collector"}[5m]))';

const COLLECTOR_DOWN_RUNBOOK: Runbook = {
  meaning: 'Prometheus finds no healthy OpenTelemetry Collector pod to scrape.',
  impact:
    "Every service's spans are dropped (the SDKs drop them when the export fails): no traces in Jaeger for the time it lasts. Requests themselves are not affected.",
  variables: COLLECTOR_VARIABLES,
  diagnosis: [
    {
      text: 'Check the pods, their events and the last logs (a configuration error stops the collector at start).',
      commands: [
        'kubectl get pods --namespace "$NAMESPACE" -l app.kubernetes.io/name=otel-collector',
        'kubectl describe deployment --namespace "$NAMESPACE" otel-collector',
        'kubectl logs --namespace "$NAMESPACE" deployment/otel-collector --tail=100',
      ],
      queries: ['up{service="otel-collector"}'],
    },
  ],
  mitigation: [
    {
      text: 'Fix the cause (configuration, image pull, scheduling); if a new collector version broke it, roll the image back in the platform code and synthesize.',
    },
  ],
};

const REFUSING_SPANS_RUNBOOK: Runbook = {
  meaning: 'The collector rejects incoming spans, almost always because the memory limiter reached its soft limit.',
  impact: "Part of the traces is lost; the services' SDKs retry and then drop.",
  variables: COLLECTOR_POD_VARIABLES,
  diagnosis: [
    {
      text: 'Compare memory with the limit and look at the incoming rate.',
      commands: ['kubectl top pod --namespace "$NAMESPACE" "$POD"'],
      queries: [ACCEPTED_SPANS_RATE, 'container_memory_working_set_bytes{namespace="$NAMESPACE",container="otel-collector"}'],
    },
  ],
  mitigation: [
    {
      text: "Add collector replicas or memory (TraceCollector `replicas` and `resources`), or lower the services' sampling ratio (`otelEnvironment` `samplingRatio`).",
    },
  ],
};

const EXPORT_FAILING_RUNBOOK: Runbook = {
  meaning: "The collector cannot deliver spans to Jaeger's collector: it is down, unreachable (network policy, DNS) or refusing them.",
  impact: "Traces are lost once the collector's retry queue is full.",
  variables: COLLECTOR_VARIABLES,
  diagnosis: [
    {
      text: "Read the export errors in the collector logs and check Jaeger's collector.",
      commands: [
        'kubectl logs --namespace "$NAMESPACE" deployment/otel-collector --since=15m | grep -i "export"',
        'kubectl get pods,services --all-namespaces | grep jaeger-collector',
      ],
      queries: ['sum by (exporter) (rate(otelcol_exporter_sent_spans_total{service="otel-collector"}[5m]))'],
    },
  ],
  mitigation: [{ text: "Restore Jaeger's collector or its storage (Elasticsearch), or the network path to it on port 4317." }],
};

const QUEUE_NEARLY_FULL_RUNBOOK: Runbook = {
  meaning: 'The collector receives spans faster than it can export them.',
  impact: 'When the queue is full, new spans are dropped.',
  variables: COLLECTOR_POD_VARIABLES,
  diagnosis: [
    {
      text: 'Compare the incoming and outgoing rates and look for export failures.',
      queries: [ACCEPTED_SPANS_RATE, 'sum(rate(otelcol_exporter_sent_spans_total{service="otel-collector"}[5m]))'],
    },
  ],
  mitigation: [
    {
      text: 'If exports fail, follow OtelCollectorExportFailing; if Jaeger is just slow, scale its collector or lower the sampling ratio.',
    },
  ],
};

/**
 * The collector's dashboard (uid `otel-collector`, prefixed as `naming` says): spans in,
 * refused, out, failed; queue and memory.
 */
export function traceCollectorDashboard(options: TraceCollectorSignalOptions & { readonly naming?: DashboardNaming }): DashboardBuilder {
  const builder = platformDashboard('otel-collector', 'OpenTelemetry Collector', ['tracing'], options.naming);
  withRowOfPanels(builder, 'Spans', spanPanels(options));
  return withRowOfPanels(builder, 'Resources', collectorResourcePanels(options));
}

/** A selector of one of the collector's own metrics (its service in its namespace). */
function collectorSeries(options: TraceCollectorSignalOptions, metric: string): string {
  return seriesSelector(metric, [labelEq('service', options.service), labelEq('namespace', options.namespace)]);
}

/** A panel of per-second rates, from 0. */
function ratePanel(title: string, description: string, queries: readonly PanelQuery[]): PanelSource {
  return timeseriesPanel({ title, description, unit: 'short', min: 0, queries });
}

/** Spans received (accepted, refused) and exported (sent, failed per exporter) per second. */
function spanPanels(options: TraceCollectorSignalOptions): PanelSource[] {
  const m = (metric: string) => collectorSeries(options, metric);
  return [
    ratePanel('Spans received', 'Spans accepted and refused per second.', [
      { expr: `sum(rate(${m('otelcol_receiver_accepted_spans_total')}[5m]))`, legend: 'accepted' },
      { expr: `sum(rate(${m('otelcol_receiver_refused_spans_total')}[5m]))`, legend: 'refused' },
    ]),
    ratePanel('Spans exported', 'Spans sent and failed per second, per exporter.', [
      { expr: `sum by (exporter) (rate(${m('otelcol_exporter_sent_spans_total')}[5m]))`, legend: '{{exporter}} sent' },
      { expr: `sum by (exporter) (rate(${m('otelcol_exporter_send_failed_spans_total')}[5m]))`, legend: '{{exporter}} failed' },
    ]),
  ];
}

/** The exporters' queue usage and the memory of the collector's pods. */
function collectorResourcePanels(options: TraceCollectorSignalOptions): PanelSource[] {
  const m = (metric: string) => collectorSeries(options, metric);
  return [
    timeseriesPanel({
      title: 'Export queue usage',
      description: "Share of each exporter's sending queue in use, per pod.",
      unit: 'percentunit',
      min: 0,
      thresholds: [
        [0, 'green'],
        [0.8, 'orange'],
      ],
      queries: [
        {
          expr: `max by (pod, exporter) (${m('otelcol_exporter_queue_size')} / ${m('otelcol_exporter_queue_capacity')})`,
          legend: '{{pod}} {{exporter}}',
        },
      ],
    }),
    timeseriesPanel({
      title: 'Memory',
      description: 'Working set per pod.',
      unit: 'bytes',
      min: 0,
      queries: [
        {
          expr: `max by (pod) (${seriesSelector('container_memory_working_set_bytes', [labelEq('namespace', options.namespace), labelEq('container', options.service)])})`,
          legend: '{{pod}}',
        },
      ],
    }),
  ];
}

import { createHash } from 'node:crypto';
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as yaml from 'js-yaml';
import { DisruptionBudget } from '../autoscaling';
import {
  memoryKiB,
  PropProblem,
  TRACE_COLLECTOR,
  TRACE_COLLECTOR_METRICS_PORT,
  selectorLabels,
  throwIfProblems,
  unpinnedReason,
} from '../core';
import * as pod from '../workload/pod-template';
import { PRIORITY_STANDARD } from '../workload/priority-classes';
import { ContainerResources, containerResourceProblems } from '../workload/resources';
import { GrafanaDashboard } from './grafana-dashboard';
import { RuleGroupSet } from './rule-group-set';
import { ServiceScrape } from './service-scrape';
import { DashboardNaming } from './dashboard-panels';
import { traceCollectorDashboard, traceCollectorRules } from './trace-collector-rules';
import { DNS_1035_LABEL as DNS_LABEL } from '../core/validation';

/**
 * The collector image: the Kubernetes distribution of the OpenTelemetry Collector (it has the
 * OTLP receiver and exporter, the batch and memory_limiter processors and the health_check
 * extension). Pinned by tag; pass `image` with a digest to pin it exactly.
 */
export const DEFAULT_OTEL_COLLECTOR_IMAGE = 'otel/opentelemetry-collector-k8s:0.161.0';

/** The collector's ports. */
export const OTEL_COLLECTOR_PORTS = { otlpGrpc: TRACE_COLLECTOR.port, metrics: TRACE_COLLECTOR_METRICS_PORT, health: 13133 } as const;

/** TLS towards Jaeger's collector, when it serves TLS itself. */
export interface JaegerTls {
  /** The Secret with the CA certificate that signed Jaeger's collector certificate. */
  readonly caSecretName: string;
  /** @default 'ca.crt' */
  readonly caKey?: string;
}

export interface TraceCollectorProps {
  /** The namespace of Jaeger's collector. */
  readonly jaegerNamespace: string;
  /** Where the collector's own runbooks are published (see RuleGroupSetProps.runbookBaseUrl). */
  readonly runbookBaseUrl: string;
  /**
   * The Service name of Jaeger's collector.
   * @default 'jaeger-collector'
   */
  readonly jaegerService?: string;
  /**
   * The OTLP/gRPC port of Jaeger's collector.
   * @default 4317
   */
  readonly jaegerPort?: number;
  /**
   * Verify Jaeger's certificate with this CA.
   * @default - plaintext gRPC inside the cluster, encrypted by the mesh's mutual TLS
   */
  readonly jaegerTls?: JaegerTls;
  /**
   * Pinned image reference.
   * @default DEFAULT_OTEL_COLLECTOR_IMAGE
   */
  readonly image?: string;
  /**
   * Number of collector pods (a PodDisruptionBudget keeps all but one through drains).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Requests and limits of the collector container. The memory limiter keeps the heap at 80 %
   * of the memory limit.
   * @default - requests 100m CPU and 256Mi, limits 1 CPU and 512Mi
   */
  readonly resources?: ContainerResources;
  /**
   * PriorityClass of the pods.
   * @default PRIORITY_STANDARD ('standard')
   */
  readonly priorityClassName?: string;
  /**
   * How the collector's dashboard is named in Grafana (uid `otel-collector`, title
   * `OpenTelemetry Collector`, tag `tracing`, each prefixed as it says).
   * @default - no prefixes or extra tags
   */
  readonly dashboardNaming?: DashboardNaming;
  /** Grafana folder of the collector's dashboard. @default - the Grafana sidecar's default folder */
  readonly dashboardFolder?: string;
}

const DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const CONFIG_DIR = '/etc/otelcol';
const CA_DIR = '/etc/otelcol/jaeger-ca';

/**
 * The OpenTelemetry Collector that receives the services' traces over OTLP/gRPC and forwards
 * them to Jaeger's collector: `otlp` receiver → `memory_limiter` → `batch` → `otlp/jaeger`
 * exporter. Its identity is `TRACE_COLLECTOR` (name, pod label `app.kubernetes.io/name:
 * otel-collector`, service account, port 4317), which the network and mesh policies select.
 *
 * Emits, all named `otel-collector`: ConfigMap (config), ServiceAccount (no token), Deployment
 * (Pod Security Standards restricted, read-only root, probes on the health_check extension),
 * Service (`grpc-otlp` 4317, `metrics` 8888), PodDisruptionBudget, ServiceMonitor; and its own
 * PrometheusRule (`otel-collector-rules`) and dashboard (`grafana-dashboard-otel-collector`).
 * Place it in a chart whose namespace is the monitoring namespace.
 *
 * It does not use HardenedService: that construct probes and names its main port `http`, while
 * the collector's main port speaks gRPC (the mesh must see `grpc`) and its health lives on a
 * separate port. Its pod is the same restricted pod template (`restrictedPodTemplate`).
 *
 * @see https://opentelemetry.io/docs/collector/configuration/
 */
export class TraceCollector extends Construct {
  public readonly name = TRACE_COLLECTOR.name;
  /** The labels that select the collector's pods (they include TRACE_COLLECTOR.podLabels). */
  public readonly selector: Record<string, string>;
  /** The collector configuration (YAML) in the ConfigMap. */
  public readonly config: string;
  public readonly deployment: ApiObject;
  public readonly service: ApiObject;
  public readonly rules: RuleGroupSet;
  public readonly dashboard: GrafanaDashboard;

  constructor(scope: Construct, id: string, props: TraceCollectorProps) {
    super(scope, id);
    const namespace = Chart.of(this).namespace;
    const image = props.image ?? DEFAULT_OTEL_COLLECTOR_IMAGE;
    const replicas = props.replicas ?? 2;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    throwIfProblems(this, collectorProblems(props, namespace, image, replicas, resources));

    this.selector = { ...selectorLabels({ name: this.name }), ...TRACE_COLLECTOR.podLabels };
    const { labels, versionedLabels: podLabels } = pod.workloadLabels(this.selector, 'trace-collector', image);
    this.config = collectorConfig(props);
    new k8s.KubeConfigMap(this, 'Config', { metadata: { name: this.name, labels }, data: { 'config.yaml': this.config } });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: TRACE_COLLECTOR.serviceAccount, labels },
      automountServiceAccountToken: false,
    });
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: this.name, labels: podLabels },
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: pod.surgeRollout(),
        template: this.podTemplate(props, podLabels, image, resources),
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        // The `grpc-` prefix and appProtocol tell the mesh the protocol: gRPC is HTTP/2.
        ports: [
          { ...pod.servicePort('grpc-otlp', OTEL_COLLECTOR_PORTS.otlpGrpc, 'otlp-grpc'), appProtocol: 'grpc' },
          pod.servicePort('metrics', OTEL_COLLECTOR_PORTS.metrics),
        ],
      },
    });
    new DisruptionBudget(this, 'DisruptionBudget', { name: this.name, labels, selector: this.selector, minReplicas: replicas });
    new ServiceScrape(this, 'Scrape', { name: this.name, selector: this.selector, namespace });
    this.rules = new RuleGroupSet(this, 'Rules', {
      component: this.name,
      runbookBaseUrl: props.runbookBaseUrl,
      rules: traceCollectorRules({ service: this.name, namespace: namespace! }),
    });
    this.dashboard = new GrafanaDashboard(this, 'Dashboard', {
      name: this.name,
      dashboard: traceCollectorDashboard({ service: this.name, namespace: namespace!, naming: props.dashboardNaming }),
      folder: props.dashboardFolder,
    });
  }

  private podTemplate(
    props: TraceCollectorProps,
    podLabels: Record<string, string>,
    image: string,
    resources: ContainerResources,
  ): k8s.PodTemplateSpec {
    const caKey = props.jaegerTls?.caKey ?? 'ca.crt';
    return pod.restrictedPodTemplate({
      labels: podLabels,
      // A changed configuration rolls the pods; the ConfigMap keeps its stable name.
      annotations: { 'checksum/config': createHash('sha256').update(this.config).digest('hex') },
      serviceAccountName: TRACE_COLLECTOR.serviceAccount,
      priorityClassName: props.priorityClassName ?? PRIORITY_STANDARD,
      topologySpreadConstraints: pod.zoneAndHostSpread(this.selector, true),
      container: {
        name: this.name,
        image,
        args: [`--config=${CONFIG_DIR}/config.yaml`],
        ports: [
          pod.tcpPort('otlp-grpc', OTEL_COLLECTOR_PORTS.otlpGrpc),
          pod.tcpPort('metrics', OTEL_COLLECTOR_PORTS.metrics),
          pod.tcpPort('health', OTEL_COLLECTOR_PORTS.health),
        ],
        env: pod.containerEnv({ GOMEMLIMIT: `${Math.floor((memoryKiB(resources.limits.memory) * 0.8) / 1024)}MiB` }, undefined, [
          { name: 'MY_POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        ]),
        resources,
        probes: pod.httpProbes('health', '/'),
      },
      volumes: [
        pod.configMapVolume('config', this.name, CONFIG_DIR),
        ...(props.jaegerTls ? [pod.secretVolume('jaeger-ca', props.jaegerTls.caSecretName, CA_DIR, [caKey])] : []),
      ],
    });
  }
}

/** The collector configuration, deterministic YAML. */
function collectorConfig(props: TraceCollectorProps): string {
  const caKey = props.jaegerTls?.caKey ?? 'ca.crt';
  const config = {
    extensions: { health_check: { endpoint: `\${env:MY_POD_IP}:${OTEL_COLLECTOR_PORTS.health}` } },
    receivers: { otlp: { protocols: { grpc: { endpoint: `\${env:MY_POD_IP}:${OTEL_COLLECTOR_PORTS.otlpGrpc}` } } } },
    processors: {
      // First in the pipeline: refuses data before the heap outgrows the container's limit.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      batch: { send_batch_size: 8192, timeout: '5s' },
    },
    exporters: {
      'otlp/jaeger': {
        endpoint: `${props.jaegerService ?? 'jaeger-collector'}.${props.jaegerNamespace}.svc.cluster.local:${props.jaegerPort ?? 4317}`,
        tls: props.jaegerTls ? { ca_file: `${CA_DIR}/${caKey}` } : { insecure: true },
        sending_queue: { enabled: true, queue_size: 5000 },
        retry_on_failure: { enabled: true, max_elapsed_time: '300s' },
      },
    },
    service: {
      extensions: ['health_check'],
      telemetry: {
        logs: { encoding: 'json' },
        metrics: {
          level: 'normal',
          readers: [{ pull: { exporter: { prometheus: { host: '${env:MY_POD_IP}', port: OTEL_COLLECTOR_PORTS.metrics } } } }],
        },
      },
      pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] } },
    },
  };
  return yaml.dump(config, { lineWidth: 0, noRefs: true });
}

function collectorProblems(
  props: TraceCollectorProps,
  namespace: string | undefined,
  image: string,
  replicas: number,
  resources: ContainerResources,
): PropProblem[] {
  const problems: PropProblem[] = [];
  if (namespace === undefined)
    problems.push({
      prop: 'namespace',
      value: namespace,
      rule: 'must be set on the chart',
      fix: 'place the collector in a chart of the monitoring namespace',
    });
  if (typeof props.jaegerNamespace !== 'string' || !DNS_LABEL.test(props.jaegerNamespace)) {
    problems.push({ prop: 'jaegerNamespace', value: props.jaegerNamespace, rule: 'must be a namespace name' });
  }
  if (props.jaegerService !== undefined && !DNS_LABEL.test(props.jaegerService))
    problems.push({ prop: 'jaegerService', value: props.jaegerService, rule: 'must be a Service name' });
  const port = props.jaegerPort;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    problems.push({ prop: 'jaegerPort', value: port, rule: 'must be an integer from 1 to 65535' });
  const unpinned = unpinnedReason(image);
  if (unpinned)
    problems.push({ prop: 'image', value: image, rule: unpinned, fix: 'pin the image so that every synth deploys the same collector' });
  if (!Number.isInteger(replicas) || replicas < 2) {
    problems.push({
      prop: 'replicas',
      value: replicas,
      rule: 'must be an integer of at least 2',
      fix: 'one collector pod would drop every trace during its restarts',
    });
  }
  problems.push(...containerResourceProblems(resources));
  return problems;
}

/**
 * The cluster the platform runs on, as one declared model: every component the generated
 * objects rely on but do not run (the API server, the kubelets, CoreDNS, Istio, cert-manager and
 * its HTTP-01 solver, External Secrets, the CloudNativePG operator, the monitoring installation,
 * Velero, Jaeger, Elasticsearch), where its pods run and listen, what it must reach and be
 * reached by (`CLUSTER_FLOWS`), and what it needs at install time. NetworkPolicies,
 * AuthorizationPolicies, RBAC egress, the reachability check and `reports/cluster-prerequisites.md`
 * are derived from this table (resolved against a spec by `clusterModel` in platform/spec): a flow is
 * written here once.
 *
 * The values are the upstream defaults (Helm charts and operators as their docs describe them);
 * an installation that differs changes them here, or through the spec where it has the field.
 */
import {
  ALERTMANAGER,
  ARGO_ROLLOUTS_METRICS_PORT,
  BLACKBOX_EXPORTER,
  GRAFANA,
  KUBE_STATE_METRICS,
  METRICS_ADAPTER,
  NamespaceRole,
  PlatformEndpoint,
  PROMETHEUS,
  TRACE_COLLECTOR,
  TRACE_COLLECTOR_METRICS_PORT,
  jaegerCollectorPodLabels,
} from './endpoints';
import { LABEL_COMPONENT, LABEL_NAME } from './labels';

/** A port a component listens on, named for the flows that use it. */
export interface ComponentPort {
  readonly name: string;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Where a component's pods run: a platform namespace (by role) or a namespace of its own installation. */
export type ComponentNamespace = { readonly role: NamespaceRole } | { readonly name: string };

/**
 * Addresses a component is reached at instead of pods: the API server's endpoints
 * (`cluster.apiServer.cidrs`) or the nodes (`cluster.nodeCidrs`, where the kubelets listen).
 */
export type ComponentAddresses = 'api-server' | 'nodes' | 'elasticsearch';

/** One component of the cluster. */
export interface ClusterComponent {
  /** Its workload name (Deployment, DaemonSet or operator object), or the address set's name. */
  readonly name: string;
  /** What it is, for reports. */
  readonly title: string;
  /** Where its pods run. @default - not pods: see `addresses` */
  readonly namespace?: ComponentNamespace;
  /** The labels of its pods, as its installation sets them. @default - not pods */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** The service account its pods run as (its mesh identity). @default - not pods, or not in the mesh */
  readonly serviceAccount?: string;
  /** Addresses instead of pods. @default - pods */
  readonly addresses?: ComponentAddresses;
  /** The ports it listens on. */
  readonly ports: readonly ComponentPort[];
  /** What its installation must set for the generated objects to work, one sentence each. */
  readonly prerequisites: readonly string[];
  /** Its upstream documentation. */
  readonly docs: string;
}

/** The components the model knows. */
export type ComponentId =
  | 'api-server'
  | 'kubelet'
  | 'coredns'
  | 'istiod'
  | 'ztunnel'
  | 'edge-gateway'
  | 'cert-manager'
  | 'acme-solver'
  | 'external-secrets'
  | 'cnpg-operator'
  | 'prometheus'
  | 'alertmanager'
  | 'grafana'
  | 'metrics-adapter'
  | 'kube-state-metrics'
  | 'blackbox-exporter'
  | 'trace-collector'
  | 'velero'
  | 'argo-rollouts'
  | 'jaeger'
  | 'elasticsearch';

/** A connection one component opens to another, on some of the server's ports (by name). */
export interface ComponentFlow {
  readonly from: ComponentId;
  readonly to: ComponentId;
  /** Names of `to`'s ports. */
  readonly ports: readonly string[];
  /** Why the connection exists, for reports and policy comments. */
  readonly why: string;
}

function endpointComponent(
  endpoint: PlatformEndpoint,
  title: string,
  portName: string,
  extra: Partial<ClusterComponent> = {},
): ClusterComponent {
  return {
    name: endpoint.name,
    title,
    namespace: { role: endpoint.namespaceRole },
    podLabels: endpoint.podLabels,
    serviceAccount: endpoint.serviceAccount,
    ports: [{ name: portName, port: endpoint.port, protocol: endpoint.protocol }],
    prerequisites: [],
    docs: '',
    ...extra,
  };
}

/** The pods of a component: their workload's name, labels and service account (none: not in the mesh). */
interface ComponentPods {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
}

/** Pods labelled `app.kubernetes.io/name: <name>` (as most Helm charts label them), running as the account `<name>`. */
function chartPods(name: string, serviceAccount: string | undefined = name): ComponentPods {
  return { name, labels: { [LABEL_NAME]: name }, serviceAccount };
}

const ISTIO_NAMESPACE: ComponentNamespace = { name: 'istio-system' };

/** A component whose pods its own installation runs in `namespace`. */
function installedComponent(
  title: string,
  namespace: ComponentNamespace,
  pods: ComponentPods,
  ports: ComponentPort[],
  docs: string,
  prerequisites: string[] = [],
): ClusterComponent {
  return { name: pods.name, title, namespace, podLabels: pods.labels, serviceAccount: pods.serviceAccount, ports, prerequisites, docs };
}

/**
 * The default components: upstream defaults, plus the platform's own endpoints (`PROMETHEUS`,
 * `ALERTMANAGER`, … in endpoints.ts) where the platform's namespaces hold them.
 */
export const CLUSTER_COMPONENTS: Readonly<Record<ComponentId, ClusterComponent>> = {
  'api-server': {
    name: 'kube-apiserver',
    title: 'Kubernetes API server',
    addresses: 'api-server',
    // NetworkPolicies see the endpoint's address after the Service `kubernetes` is translated:
    // 443 on managed control planes, 6443 on kubeadm's.
    ports: [
      { name: 'https', port: 443 },
      { name: 'https-alt', port: 6443 },
    ],
    prerequisites: [
      "`cluster.apiServer.cidrs` lists the API server's endpoint addresses (`kubectl get endpoints kubernetes -n default`) and `cluster.apiServer.ports` their ports: NetworkPolicies match the endpoint after the Service address is translated.",
    ],
    docs: 'https://kubernetes.io/docs/concepts/security/controlling-access/',
  },
  kubelet: {
    name: 'kubelet',
    title: 'kubelet (and cAdvisor)',
    addresses: 'nodes',
    ports: [{ name: 'https-metrics', port: 10250 }],
    prerequisites: [
      "`cluster.nodeCidrs` lists the nodes' addresses: Prometheus scrapes the kubelets' `/metrics` and `/metrics/cadvisor` there.",
    ],
    docs: 'https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/',
  },
  coredns: installedComponent(
    'CoreDNS (the cluster DNS)',
    { name: 'kube-system' },
    { name: 'coredns', labels: { 'k8s-app': 'kube-dns' } },
    [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53 },
    ],
    'https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/',
    ['The cluster DNS pods are labelled `k8s-app: kube-dns` in `kube-system` (every namespace baseline allows DNS to exactly those pods).'],
  ),
  istiod: installedComponent(
    'Istio control plane',
    ISTIO_NAMESPACE,
    { name: 'istiod', labels: { app: 'istiod' }, serviceAccount: 'istiod' },
    [
      { name: 'grpc-xds', port: 15012 },
      { name: 'http-monitoring', port: 15014 },
    ],
    'https://istio.io/latest/docs/ops/deployment/architecture/',
  ),
  ztunnel: installedComponent(
    "Istio's ambient dataplane (ztunnel, with the Istio CNI node agent)",
    ISTIO_NAMESPACE,
    { name: 'ztunnel', labels: { app: 'ztunnel' }, serviceAccount: 'ztunnel' },
    [{ name: 'hbone', port: 15008 }],
    'https://istio.io/latest/docs/ambient/overview/',
    [
      'Istio installed with the ambient profile (`istioctl install --set profile=ambient`, or the Helm charts base, istiod with `profile=ambient`, cni with `profile=ambient`, ztunnel): istiod, the Istio CNI node agent and ztunnel on every node. The namespaces labelled `istio.io/dataplane-mode: ambient` (every namespace with STRICT mutual TLS, and the monitoring namespace) are enrolled; nothing is injected into pods, so PSS restricted holds.',
      'The Kubernetes Gateway API CRDs installed before Istio (the edge Gateways and any waypoint are Gateway API objects).',
      "On Cilium: `cni.exclusive=false` (Cilium must not remove the Istio CNI plugin); the kubelet probes, which ambient rewrites to come from 169.254.7.127, are admitted by every enrolled namespace's `<namespace>-allow-mesh-dataplane` NetworkPolicy. On EKS with security groups for pods: `POD_SECURITY_GROUP_ENFORCING_MODE=standard`. Other platforms: the platform-specific prerequisites of Istio's ambient install guide.",
      'The generated AuthorizationPolicies use only Layer 4 attributes (principals, ports), which ztunnel enforces; no waypoint is needed (`alp verify` rule NET-MESH-AMBIENT-L4-AUTHZ).',
    ],
  ),
  'edge-gateway': {
    name: 'edge-gateway',
    title: "the edge Gateways' pods (Istio's Gateway API implementation)",
    namespace: { role: 'edge' },
    // Resolved per Gateway: `gateway.networking.k8s.io/gateway-name: <gateway>`.
    ports: [
      { name: 'http', port: 80 },
      { name: 'https', port: 443 },
    ],
    prerequisites: [],
    docs: 'https://istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/',
  },
  'cert-manager': installedComponent(
    'cert-manager controller',
    { name: 'cert-manager' },
    { name: 'cert-manager', labels: { [LABEL_NAME]: 'cert-manager', [LABEL_COMPONENT]: 'controller' }, serviceAccount: 'cert-manager' },
    [{ name: 'http-metrics', port: 9402 }],
    'https://cert-manager.io/docs/configuration/acme/http01/',
    [
      "cert-manager with the Gateway API enabled (`config.enableGatewayAPI: true` in the Helm values, or `--enable-gateway-api`): the ClusterIssuer's HTTP-01 solver answers through the edge Gateway's HTTP listener (`gatewayHTTPRoute`).",
    ],
  ),
  'acme-solver': installedComponent(
    "cert-manager's HTTP-01 solver pods",
    // cert-manager creates them in the Certificate's namespace, for the length of a challenge.
    { role: 'edge' },
    // They run as the namespace's default service account.
    { name: 'cm-acme-http-solver', labels: { 'acme.cert-manager.io/http01-solver': 'true' }, serviceAccount: 'default' },
    [{ name: 'http', port: 8089 }],
    'https://cert-manager.io/docs/configuration/acme/http01/',
  ),
  'external-secrets': installedComponent(
    'External Secrets Operator',
    { name: 'external-secrets' },
    chartPods('external-secrets'),
    [{ name: 'metrics', port: 8080 }],
    'https://external-secrets.io/latest/',
  ),
  'cnpg-operator': installedComponent(
    'CloudNativePG operator',
    { name: 'cnpg-system' },
    { ...chartPods('cloudnative-pg', 'cnpg-manager'), name: 'cnpg-controller-manager' },
    [{ name: 'metrics', port: 8080 }],
    'https://cloudnative-pg.io/documentation/current/installation_upgrade/',
    [
      "The operator's namespace `cnpg-system` labelled `istio.io/dataplane-mode: ambient`: the data namespace requires mutual TLS, so the operator reaches the instances' status port only through the mesh, with the principal `cluster.local/ns/cnpg-system/sa/cnpg-manager` that the instances' AuthorizationPolicy admits.",
    ],
  ),
  prometheus: endpointComponent(PROMETHEUS, 'Prometheus (Prometheus Operator)', 'web', {
    prerequisites: [
      'The Prometheus Operator runs the Prometheus `prometheus` in the monitoring namespace with pods labelled `app.kubernetes.io/name: prometheus`, service account `prometheus`, and selects the generated ServiceMonitors, PodMonitors, Probes and PrometheusRules.',
    ],
    docs: 'https://prometheus-operator.dev/docs/developer/getting-started/',
  }),
  alertmanager: endpointComponent(ALERTMANAGER, 'Alertmanager (Prometheus Operator)', 'web', {
    docs: 'https://prometheus-operator.dev/docs/developer/alerting/',
  }),
  grafana: endpointComponent(GRAFANA, 'Grafana', 'http', {
    prerequisites: [
      'Grafana runs in the monitoring namespace with pods labelled `app.kubernetes.io/name: grafana`, its dashboard sidecar loading the ConfigMaps labelled `grafana_dashboard` and Prometheus as its data source.',
    ],
    docs: 'https://github.com/grafana/helm-charts/tree/main/charts/grafana',
  }),
  'metrics-adapter': endpointComponent(METRICS_ADAPTER, 'prometheus-adapter (custom and external metrics API)', 'https', {
    prerequisites: [
      'prometheus-adapter runs in the monitoring namespace with pods labelled `app.kubernetes.io/name: prometheus-adapter`, its secure port 6443, and serves `custom.metrics.k8s.io` and `external.metrics.k8s.io` (APIServices) from Prometheus.',
    ],
    docs: 'https://github.com/kubernetes-sigs/prometheus-adapter',
  }),
  'kube-state-metrics': endpointComponent(KUBE_STATE_METRICS, 'kube-state-metrics', 'http-metrics', {
    prerequisites: [
      'kube-state-metrics runs in the monitoring namespace with pods labelled `app.kubernetes.io/name: kube-state-metrics` (the golden-signal, autoscaler and job alerts read its series).',
    ],
    docs: 'https://github.com/kubernetes/kube-state-metrics',
  }),
  'blackbox-exporter': endpointComponent(BLACKBOX_EXPORTER, 'blackbox exporter', 'http', {
    docs: 'https://github.com/prometheus/blackbox_exporter',
  }),
  'trace-collector': endpointComponent(TRACE_COLLECTOR, 'OpenTelemetry Collector', 'otlp-grpc', {
    ports: [
      { name: 'otlp-grpc', port: TRACE_COLLECTOR.port },
      { name: 'metrics', port: TRACE_COLLECTOR_METRICS_PORT },
    ],
    docs: 'https://opentelemetry.io/docs/collector/',
  }),
  velero: installedComponent(
    'Velero',
    { name: 'velero' },
    chartPods('velero'),
    [{ name: 'http-monitoring', port: 8085 }],
    'https://velero.io/docs/main/',
    [
      'Velero runs in `velero` with pods labelled `app.kubernetes.io/name: velero` (its Helm chart) and metrics on 8085 (the backup-age alerts read `velero_backup_last_successful_timestamp`).',
    ],
  ),
  'argo-rollouts': installedComponent(
    'Argo Rollouts controller',
    { name: 'argo-rollouts' },
    chartPods('argo-rollouts'),
    [{ name: 'metrics', port: ARGO_ROLLOUTS_METRICS_PORT }],
    'https://argo-rollouts.readthedocs.io/en/stable/features/analysis/',
    [
      "Argo Rollouts v1.9 installed in `argo-rollouts` (its upstream manifests or Helm chart: pods labelled `app.kubernetes.io/name: argo-rollouts`, service account `argo-rollouts`, metrics on 8090) with its CRDs (`analysisruns.argoproj.io` among them): it runs the edge Applications' `switch-gate` and `switch-watch` AnalysisRuns. Argo CD's health check of AnalysisRun is built in (resource_customizations/argoproj.io/AnalysisRun/health.lua): Successful is Healthy, Failed and Error Degraded, Inconclusive Unknown, so a failing gate fails the sync before the routes change.",
    ],
  ),
  // Namespace, Service and port come from `monitoring.jaeger`.
  jaeger: installedComponent(
    "Jaeger's collector",
    { name: 'jaeger' },
    { name: 'jaeger-collector', labels: jaegerCollectorPodLabels('jaeger-collector') },
    [{ name: 'otlp-grpc', port: 4317 }],
    'https://www.jaegertracing.io/docs/latest/deployment/',
  ),
  elasticsearch: {
    // Address and port come from `monitoring.elasticsearch`.
    name: 'elasticsearch',
    title: 'Elasticsearch (outside the cluster)',
    addresses: 'elasticsearch',
    ports: [{ name: 'https', port: 9200 }],
    prerequisites: [],
    docs: 'https://www.elastic.co/guide/en/elasticsearch/reference/current/index.html',
  },
};

/** The API server's endpoint ports as pods reach them (managed control planes 443, kubeadm 6443). */
export const API_SERVER_PORTS: readonly number[] = CLUSTER_COMPONENTS['api-server'].ports.map((p) => p.port);

/**
 * The connections between the cluster's components that the platform's NetworkPolicies and
 * AuthorizationPolicies must allow, besides the services' own graph (platform/spec/graph.ts). Each
 * is written once here; the policies of both ends, the reachability check and the reports are
 * derived from it.
 */
export const CLUSTER_FLOWS: readonly ComponentFlow[] = [
  {
    from: 'prometheus',
    to: 'api-server',
    ports: ['https', 'https-alt'],
    why: 'service discovery: the endpoints, pods and services its ServiceMonitors, PodMonitors and Probes select',
  },
  {
    from: 'prometheus',
    to: 'kubelet',
    ports: ['https-metrics'],
    why: "the kubelets' and cAdvisor's metrics (containers' CPU, memory and restarts)",
  },
  {
    from: 'prometheus',
    to: 'kube-state-metrics',
    ports: ['http-metrics'],
    why: "the objects' state (Deployments, autoscalers, budgets, Jobs)",
  },
  { from: 'prometheus', to: 'cert-manager', ports: ['http-metrics'], why: 'certificate expiry and readiness' },
  { from: 'prometheus', to: 'velero', ports: ['http-monitoring'], why: 'backup age' },
  { from: 'prometheus', to: 'alertmanager', ports: ['web'], why: 'alerts' },
  { from: 'prometheus', to: 'blackbox-exporter', ports: ['http'], why: 'uptime probes of the public hosts' },
  { from: 'prometheus', to: 'trace-collector', ports: ['metrics'], why: "the collector's own metrics" },
  { from: 'prometheus', to: 'argo-rollouts', ports: ['metrics'], why: "the switch analyses' phases (`analysis_run_metric_phase`)" },
  { from: 'argo-rollouts', to: 'prometheus', ports: ['web'], why: "the switch analyses query the colours' SLO signals and replicas" },
  {
    from: 'argo-rollouts',
    to: 'edge-gateway',
    ports: ['https'],
    why: "the switch analyses' smoke tests request the preview and live hosts",
  },
  { from: 'grafana', to: 'prometheus', ports: ['web'], why: 'dashboards query Prometheus' },
  { from: 'grafana', to: 'api-server', ports: ['https', 'https-alt'], why: 'its sidecar loads the dashboard ConfigMaps' },
  { from: 'metrics-adapter', to: 'prometheus', ports: ['web'], why: 'custom and external metrics for the autoscalers' },
  {
    from: 'metrics-adapter',
    to: 'api-server',
    ports: ['https', 'https-alt'],
    why: 'discovery and delegated authentication of an aggregated API server',
  },
  {
    from: 'api-server',
    to: 'metrics-adapter',
    ports: ['https'],
    why: 'the aggregated custom.metrics.k8s.io and external.metrics.k8s.io APIs',
  },
  { from: 'kube-state-metrics', to: 'api-server', ports: ['https', 'https-alt'], why: 'it lists and watches the objects it reports on' },
  { from: 'trace-collector', to: 'jaeger', ports: ['otlp-grpc'], why: 'trace export' },
  {
    from: 'edge-gateway',
    to: 'acme-solver',
    ports: ['http'],
    why: "HTTP-01 challenges: the ACME server's request for /.well-known/acme-challenge/ reaches the solver through the Gateway's HTTP listener",
  },
];

/**
 * One install-time setting a component of the cluster needs for the generated objects to work,
 * for `reports/cluster-prerequisites.md`. Each area contributes its own entries (the model's
 * components theirs, the mesh its dataplane, alerting its operator settings, …).
 */
export interface ClusterPrerequisite {
  /** The component, e.g. `cert-manager`. */
  readonly component: string;
  /** The setting or fact, as an administrator applies or checks it. */
  readonly setting: string;
  /** What breaks without it. @default - not stated */
  readonly why?: string;
  /** Where to read more. @default - none */
  readonly docs?: string;
}

/** A component resolved against a spec: its namespace, pods or addresses, and ports. */
export interface ResolvedComponent {
  readonly id: ComponentId;
  /** Workload name; with several Gateways, the Gateway's name. */
  readonly name: string;
  readonly title: string;
  /** Its namespace, for pods. */
  readonly namespace?: string;
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  /** Its addresses, for components that are not pods. */
  readonly cidrs?: readonly string[];
  readonly ports: readonly ComponentPort[];
  readonly prerequisites: readonly string[];
  readonly docs: string;
  /** `<namespace>/<name>`, the reachability evaluation's workload id (pods only). */
  readonly workloadId?: string;
}

/** A flow of `CLUSTER_FLOWS` between resolved components, with the server's ports. */
export interface ResolvedFlow {
  readonly from: ResolvedComponent;
  readonly to: ResolvedComponent;
  readonly ports: readonly ComponentPort[];
  readonly why: string;
}

/** The model of one cluster: its components and the flows between them. */
export interface ClusterModel {
  /** Components by id; `edge-gateway` is the first Gateway (see `gateways`). */
  readonly components: Readonly<Record<ComponentId, ResolvedComponent>>;
  /** One resolved component per edge Gateway. */
  readonly gateways: readonly ResolvedComponent[];
  /** `CLUSTER_FLOWS` resolved, one per Gateway where an end is the edge gateway. */
  readonly flows: readonly ResolvedFlow[];
}

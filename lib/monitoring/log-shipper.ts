import { createHash } from 'node:crypto';
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  LOG_SHIPPER_METRICS_PORT,
  LOG_SHIPPER_NAME,
  PROMETHEUS,
  PropProblem,
  selectorLabels,
  throwIfProblems,
  unpinnedReason,
} from '../core';
import { NetworkPeer } from '../network';
import { ServiceSecret } from '../security';
import { clusterDnsEgress, podSecurityLabels } from '../workload/namespace-baseline';
import * as pod from '../workload/pod-template';
import { PRIORITY_CRITICAL } from '../workload/priority-classes';
import { ContainerResources, containerResourceProblems } from '../workload/resources';
import { DEFAULT_RUN_AS_USER } from '../workload/security-context';
import { ServiceScrape } from './service-scrape';
import { POD_SECURITY_EXCEPTION_ANNOTATION } from '../core/labels';
import { DNS_1035_LABEL as DNS_LABEL, DNS_SUBDOMAIN as HOST } from '../core/validation';

/** Fluent Bit, pinned by tag; pass `image` with a digest to pin it exactly. */
export const DEFAULT_FLUENT_BIT_IMAGE = 'cr.fluentbit.io/fluent/fluent-bit:4.1.1';

/** Fluent Bit's HTTP server: health and Prometheus metrics. */
export const FLUENT_BIT_HTTP_PORT = LOG_SHIPPER_METRICS_PORT;

/**
 * A reviewed permission for one object to break one policy rule, with the reason: the input of
 * the policy checks' exceptions (which add an expiry date when they are recorded).
 */
export interface RequiredPolicyException {
  /** The rule id, e.g. `PSS-BASELINE-HOST-PATH`. */
  readonly rule: string;
  /** The object as the policy findings name it: `<kind>/<namespace>/<name>`, or `<kind>/<name>`. */
  readonly object: string;
  /** Why the object must break the rule, and what limits the damage. */
  readonly reason: string;
}

/** Elasticsearch, where the logs go. */
export interface ElasticsearchTarget {
  /** Host name of Elasticsearch's HTTPS endpoint, e.g. `logs.es.example.com`. */
  readonly host: string;
  /** @default 9200 */
  readonly port?: number;
  /** The network peer that holds `host`, for the egress rule (its CIDR, or its pods). */
  readonly peer: NetworkPeer;
  /**
   * Index prefix: logs go to `<prefix>-YYYY.MM.DD`.
   * @default 'logs'
   */
  readonly indexPrefix?: string;
  /**
   * A Secret holding the CA that signed Elasticsearch's certificate, with the key of the CA file.
   * @default - the image's public CAs verify the certificate
   */
  readonly caSecret?: { readonly secretName: string; readonly key: string };
}

export interface LogShipperProps {
  /** Where the logs go. */
  readonly elasticsearch: ElasticsearchTarget;
  /**
   * Where Elasticsearch's credentials live: a Vault path with the properties `username` and
   * `password`, read through an ExternalSecret `<name>-elasticsearch`.
   */
  readonly credentials: { readonly storeName: string; readonly remoteKey: string };
  /** The monitoring namespace, whose Prometheus may scrape Fluent Bit's metrics. */
  readonly monitoringNamespace: string;
  /**
   * The log shipper's own namespace (created here). It is the only namespace whose Pod Security
   * Standards level is `privileged`, because reading the node's logs takes hostPath volumes.
   */
  readonly namespace: string;
  /**
   * Name of the DaemonSet and its other objects.
   * @default 'fluent-bit'
   */
  readonly name?: string;
  /** @default DEFAULT_FLUENT_BIT_IMAGE */
  readonly image?: string;
  /** @default - requests 50m CPU and 64Mi, limits 500m CPU and 256Mi */
  readonly resources?: ContainerResources;
  /**
   * Supplementary group that may read the container logs on the nodes. The container runtime
   * (containerd, CRI-O) writes them as `root:root` mode 0640, so group 0 reads them while the
   * process runs as the unprivileged UID 10001. Set another GID if the nodes' logs are owned
   * by a dedicated group.
   * @default 0
   */
  readonly logReaderGroup?: number;
  /**
   * Run as root, for nodes whose runtime writes the logs readable by root only (CRI-O writes
   * them mode 0600). Loosens the default and adds the exceptions to `policyExceptions`; every
   * other restriction stays (no capabilities, read-only, no escalation).
   * @default false
   */
  readonly runAsRoot?: boolean;
  /**
   * PriorityClass: log shipping must keep a place on every node.
   * @default PRIORITY_CRITICAL ('critical')
   */
  readonly priorityClassName?: string;
  /** Labels of every object. @default - none */
  readonly labels?: Record<string, string>;
}

const DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const CONTAINER_LOGS = '/var/log/containers';
const POD_LOGS = '/var/log/pods';
const STATE_DIR = '/fluent-bit/state';
// Beside the image's own files in /fluent-bit/etc, not over them.
const CONFIG_DIR = '/fluent-bit/etc/conf';
const CA_DIR = '/fluent-bit/elasticsearch-ca';

/**
 * A log shipper: a Fluent Bit DaemonSet that tails the JSON logs the services write to stdout
 * (`/var/log/containers/*.log` on every node) and ships them to Elasticsearch over verified TLS,
 * with the namespace, pod and container taken from the log file's name.
 *
 * Reading the node's files needs hostPath volumes, which Pod Security Standards forbid from
 * `baseline` up. So it runs in its own namespace whose PSS `enforce` level is `privileged`
 * (`audit` and `warn` stay at `baseline`, so the exception stays visible), and everything else
 * is minimised: the two hostPath volumes (`/var/log/containers` and `/var/log/pods`, where the
 * former's symlinks point) are read-only and of type Directory; it runs as UID 10001 (non-root)
 * with only the log group added (containerd writes the logs root:root 0640; for runtimes that
 * write 0600, `runAsRoot` is the named loosening); all capabilities dropped, no privilege escalation, read-only
 * root filesystem, RuntimeDefault seccomp, no host network/PID/IPC, no Kubernetes API access
 * (no token). Its namespace is default-deny with DNS, egress to Elasticsearch, and ingress from
 * Prometheus on the metrics port. `policyExceptions` records the one rule it breaks.
 *
 * Read positions and the buffer live in an emptyDir: they survive container restarts, not pod
 * replacement (a replaced pod starts at the end of each file).
 *
 * @see https://docs.fluentbit.io/manual/pipeline/inputs/tail
 */
export class LogShipper extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** The labels that select the shipper's pods. */
  public readonly selector: Record<string, string>;
  /** The policy rules the shipper breaks on purpose, with the reason: give them to the policy checks. */
  public readonly policyExceptions: RequiredPolicyException[];
  /** `fluent-bit.conf` */
  public readonly config: string;
  public readonly daemonSet: ApiObject;
  public readonly credentials: ServiceSecret;
  /** Labels of every object. */
  private readonly labels: Record<string, string>;
  /** Labels of the DaemonSet and its pods: `labels` and the image's version. */
  private readonly versionedLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: LogShipperProps) {
    super(scope, id);
    const name = props.name ?? LOG_SHIPPER_NAME;
    const namespace = props.namespace;
    const image = props.image ?? DEFAULT_FLUENT_BIT_IMAGE;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const group = props.logReaderGroup ?? 0;
    throwIfProblems(this, shipperProblems(props, name, namespace, image, resources, group));
    this.name = name;
    this.namespace = namespace;
    this.selector = selectorLabels({ name });
    this.policyExceptions = logShipperPolicyExceptions(namespace, name, props.runAsRoot ?? false);
    const { labels, versionedLabels } = pod.workloadLabels(this.selector, 'log-shipper', image, props.labels);
    this.labels = labels;
    this.versionedLabels = versionedLabels;
    const es = props.elasticsearch;

    this.createNamespace(props.labels);
    this.credentials = new ServiceSecret(this, 'Credentials', {
      name: `${name}-elasticsearch`,
      storeName: props.credentials.storeName,
      remoteKey: props.credentials.remoteKey,
      keys: ['password', 'username'],
      labels: this.labels,
    });
    // ServiceSecret takes the chart's namespace; the Secret must be in the shipper's.
    this.credentials.resource.addJsonPatch(JsonPatch.add('/metadata/namespace', namespace));

    this.config = fluentBitConfig(
      es.host,
      es.port ?? 9200,
      es.indexPrefix ?? 'logs',
      es.caSecret ? `${CA_DIR}/${es.caSecret.key}` : undefined,
    );
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: this.metadata(name),
      data: { 'fluent-bit.conf': this.config, 'parsers.conf': PARSERS },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: this.metadata(name), automountServiceAccountToken: false });
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { ...this.metadata(name), labels: this.versionedLabels },
      spec: {
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: this.podTemplate(props, image, resources, group),
      },
    });
    this.createMetricsEndpoint();
    this.createNetworkPolicies(props);
  }

  private metadata(objectName: string): k8s.ObjectMeta {
    return { name: objectName, namespace: this.namespace, labels: this.labels };
  }

  /** The shipper's own namespace: PSS `privileged` enforced (hostPath), `baseline` audited and warned. */
  private createNamespace(labels: Record<string, string> | undefined): void {
    const ns = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: this.namespace,
        labels: { ...labels, ...podSecurityLabels('privileged', 'baseline') },
        annotations: { [POD_SECURITY_EXCEPTION_ANNOTATION]: this.policyExceptions[0].reason },
      },
    });
    // A Namespace is cluster-scoped, but cdk8s gives every object the chart's namespace.
    if (Chart.of(this).namespace !== undefined) ns.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }

  private podTemplate(props: LogShipperProps, image: string, resources: ContainerResources, group: number): k8s.PodTemplateSpec {
    const caSecret = props.elasticsearch.caSecret;
    const template = pod.restrictedPodTemplate({
      labels: this.versionedLabels,
      annotations: {
        'checksum/config': createHash('sha256')
          .update(this.config + PARSERS)
          .digest('hex'),
      },
      serviceAccountName: this.name,
      priorityClassName: props.priorityClassName ?? PRIORITY_CRITICAL,
      runAsUser: props.runAsRoot ? 0 : DEFAULT_RUN_AS_USER,
      // The container runtime writes the logs root:root 0640: group 0 may read them.
      supplementalGroups: [group],
      container: {
        name: this.name,
        image,
        command: ['/fluent-bit/bin/fluent-bit'],
        args: [`--config=${CONFIG_DIR}/fluent-bit.conf`],
        ports: [pod.tcpPort('http', FLUENT_BIT_HTTP_PORT)],
        env: pod.containerEnv(undefined, [
          { name: 'ES_PASSWORD', secretName: this.credentials.secretName, key: 'password' },
          { name: 'ES_USERNAME', secretName: this.credentials.secretName, key: 'username' },
        ]),
        resources,
        probes: pod.httpProbes('http', '/api/v1/health'),
      },
      volumes: [
        pod.configMapVolume('config', this.name, CONFIG_DIR),
        pod.emptyDirVolume('state', STATE_DIR, '256Mi'),
        pod.hostDirectoryVolume('container-logs', CONTAINER_LOGS),
        pod.hostDirectoryVolume('pod-logs', POD_LOGS),
        ...(caSecret ? [pod.secretVolume('elasticsearch-ca', caSecret.secretName, CA_DIR, [caSecret.key])] : []),
      ],
    });
    // The one pod with hostPath volumes says explicitly that it takes nothing else of the host.
    const hostNamespaces = { hostNetwork: false, hostPid: false, hostIpc: false };
    // Every node, also those with taints: their pods log too.
    const tolerations = [
      { operator: 'Exists', effect: 'NoSchedule' },
      { operator: 'Exists', effect: 'NoExecute' },
    ];
    return { ...template, spec: { ...template.spec!, ...hostNamespaces, tolerations } };
  }

  /** Fluent Bit's metrics: a Service and the ServiceMonitor that scrapes it. */
  private createMetricsEndpoint(): void {
    new k8s.KubeService(this, 'Service', {
      metadata: this.metadata(this.name),
      spec: { type: 'ClusterIP', selector: this.selector, ports: [pod.servicePort('metrics', FLUENT_BIT_HTTP_PORT, 'http')] },
    });
    const scrape = new ServiceScrape(this, 'Scrape', {
      name: this.name,
      selector: this.selector,
      namespace: this.namespace,
      path: '/api/v2/metrics/prometheus',
    });
    scrape.resource.addJsonPatch(JsonPatch.add('/metadata/namespace', this.namespace));
  }

  /** Default-deny; the shipper may reach DNS and Elasticsearch, and Prometheus may scrape it. */
  private createNetworkPolicies(props: LogShipperProps): void {
    const es = props.elasticsearch;
    const policy = (policyId: string, suffix: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, policyId, { metadata: this.metadata(`${this.name}-${suffix}`), spec });
    policy('DefaultDeny', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('Allow', 'allow', {
      podSelector: { matchLabels: this.selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [NetworkPeer.pods({ ...PROMETHEUS.podLabels }, props.monitoringNamespace)._toKube()],
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLUENT_BIT_HTTP_PORT) }],
        },
      ],
      egress: [
        clusterDnsEgress(),
        { to: [es.peer._toKube()], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(es.port ?? 9200) }] },
      ],
    });
  }
}

/**
 * The policy exceptions of a LogShipper: hostPath volumes and nothing else, or, with
 * `runAsRoot`, also the two rules about root.
 */
export function logShipperPolicyExceptions(namespace: string, name: string, runAsRoot = false): RequiredPolicyException[] {
  const object = `DaemonSet/${namespace}/${name}`;
  const exceptions: RequiredPolicyException[] = [
    {
      rule: 'PSS-BASELINE-HOST-PATH',
      object,
      reason:
        "The log shipper reads every pod's logs from the node (/var/log/containers and /var/log/pods), which only hostPath volumes give. "
        + `Both are read-only; the pod runs ${runAsRoot ? 'as root (runAsRoot)' : 'as UID 10001'} without capabilities, privilege escalation, host namespaces or API access, `
        + 'in its own namespace (PSS enforce privileged, audit and warn baseline) that allows only DNS, Elasticsearch and Prometheus.',
    },
  ];
  if (runAsRoot) {
    const reason =
      "The nodes' container runtime writes the logs readable by root only (mode 0600), so the log shipper must run as UID 0 to read them; "
      + 'it keeps no capabilities, a read-only root filesystem and no privilege escalation.';
    exceptions.push({ rule: 'PSS-RESTRICTED-RUN-AS-NON-ROOT', object, reason }, { rule: 'PSS-RESTRICTED-RUN-AS-USER', object, reason });
  }
  return exceptions;
}

/**
 * Fluent Bit's parsers: namespace, pod and container from the log file's name, and the JSON a
 * service logs (the timestamp stays the container runtime's).
 */
const PARSERS = [
  '[PARSER]',
  '    Name        kube-log-file',
  '    Format      regex',
  // /var/log/containers/<pod>_<namespace>_<container>-<64 hex container id>.log
  `    Regex       ^${CONTAINER_LOGS}/(?<pod>[^_]+)_(?<namespace>[^_]+)_(?<container>.+)-(?<container_id>[a-f0-9]{64})\\.log$`,
  '',
  '[PARSER]',
  '    Name        json',
  '    Format      json',
  '',
].join('\n');

/** One section of Fluent Bit's classic configuration: `[NAME]`, then aligned `key value` lines. */
function configSection(name: string, entries: ReadonlyArray<readonly [string, string | number]>): string[] {
  return [`[${name}]`, ...entries.map(([k, v]) => `    ${k.padEnd(24)} ${v}`), ''];
}

function fluentBitConfig(host: string, port: number, indexPrefix: string, caFile: string | undefined): string {
  return [
    ...configSection('SERVICE', [
      ['Flush', 5],
      ['Daemon', 'Off'],
      ['Log_Level', 'info'],
      ['Parsers_File', `${CONFIG_DIR}/parsers.conf`],
      ['HTTP_Server', 'On'],
      ['HTTP_Listen', '0.0.0.0'],
      ['HTTP_Port', FLUENT_BIT_HTTP_PORT],
      ['Health_Check', 'On'],
      ['storage.path', `${STATE_DIR}/buffer`],
      ['storage.sync', 'normal'],
      ['storage.backlog.mem_limit', '16M'],
    ]),
    ...configSection('INPUT', [
      ['Name', 'tail'],
      ['Tag', 'kube.*'],
      ['Path', `${CONTAINER_LOGS}/*.log`],
      ['Path_Key', 'file'],
      // containerd's and CRI-O's line format (and Docker's), joining partial lines.
      ['multiline.parser', 'cri, docker'],
      ['DB', `${STATE_DIR}/tail.db`],
      ['DB.locking', 'true'],
      ['Mem_Buf_Limit', '32MB'],
      ['Skip_Long_Lines', 'On'],
      ['Refresh_Interval', 10],
      ['storage.type', 'filesystem'],
    ]),
    ...configSection('FILTER', parserFilter('file', 'kube-log-file')),
    // The services log JSON: its fields become the document's fields.
    ...configSection('FILTER', parserFilter('log', 'json')),
    ...configSection('OUTPUT', elasticsearchOutput(host, port, indexPrefix, caFile)),
  ].join('\n');
}

/** A filter that parses the record's `key` with `parser`, keeping the other fields. */
function parserFilter(key: string, parser: string): Array<[string, string]> {
  return [
    ['Name', 'parser'],
    ['Match', 'kube.*'],
    ['Key_Name', key],
    ['Parser', parser],
    ['Reserve_Data', 'On'],
  ];
}

function elasticsearchOutput(
  host: string,
  port: number,
  indexPrefix: string,
  caFile: string | undefined,
): Array<[string, string | number]> {
  return [
    ['Name', 'es'],
    ['Match', 'kube.*'],
    ['Host', host],
    ['Port', port],
    ['HTTP_User', '${ES_USERNAME}'],
    ['HTTP_Passwd', '${ES_PASSWORD}'],
    ['tls', 'On'],
    ['tls.verify', 'On'],
    ...(caFile ? [['tls.ca_file', caFile] as [string, string]] : []),
    ['Logstash_Format', 'On'],
    ['Logstash_Prefix', indexPrefix],
    ['Suppress_Type_Name', 'On'],
    ['Replace_Dots', 'On'],
    ['Trace_Error', 'On'],
    ['Retry_Limit', 10],
  ];
}

function shipperProblems(
  props: LogShipperProps,
  name: string,
  namespace: string,
  image: string,
  resources: ContainerResources,
  group: number,
): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const [prop, value] of [
    ['name', name],
    ['namespace', namespace],
    ['monitoringNamespace', props.monitoringNamespace],
  ] as const) {
    if (typeof value !== 'string' || !DNS_LABEL.test(value)) problems.push({ prop, value, rule: 'must be a DNS label' });
  }
  const es = props.elasticsearch;
  if (typeof es?.host !== 'string' || !HOST.test(es.host))
    problems.push({ prop: 'elasticsearch.host', value: es?.host, rule: 'must be a host name such as "logs.es.example.com"' });
  if (es?.port !== undefined && !(Number.isInteger(es.port) && es.port >= 1 && es.port <= 65535))
    problems.push({ prop: 'elasticsearch.port', value: es.port, rule: 'must be an integer from 1 to 65535' });
  if (es?.indexPrefix !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(es.indexPrefix))
    problems.push({ prop: 'elasticsearch.indexPrefix', value: es.indexPrefix, rule: 'must be lowercase letters, digits, "-" and "_"' });
  if (!(es?.peer instanceof NetworkPeer))
    problems.push({
      prop: 'elasticsearch.peer',
      value: es?.peer,
      rule: 'must be a NetworkPeer',
      fix: 'use NetworkPeer.cidr(...) for an external cluster or NetworkPeer.pods(...) for one in the cluster',
    });
  const unpinned = unpinnedReason(image);
  if (unpinned)
    problems.push({ prop: 'image', value: image, rule: unpinned, fix: 'pin the image so that every synth deploys the same shipper' });
  if (!Number.isInteger(group) || group < 0)
    problems.push({ prop: 'logReaderGroup', value: group, rule: 'must be a group id (an integer of at least 0)' });
  problems.push(...containerResourceProblems(resources));
  return problems;
}

import { createHash } from 'node:crypto';
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  LABEL_COMPONENT, LABEL_VERSION, LOG_SHIPPER_METRICS_PORT, LOG_SHIPPER_NAME, PROMETHEUS, PropProblem, parseImage, selectorLabels, throwIfProblems, unpinnedReason, versionLabel,
} from '../core';
import { NetworkPeer } from '../network';
import { ServiceSecret } from '../security';
import { ContainerResources, containerResourceProblems, DEFAULT_RUN_AS_USER, PRIORITY_CRITICAL, PSS_VERSION } from '../workload';
import { ServiceScrape } from './service-scrape';

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
    const root = props.runAsRoot ?? false;
    const uid = root ? 0 : DEFAULT_RUN_AS_USER;
    this.policyExceptions = logShipperPolicyExceptions(namespace, name, root);
    const labels = { ...props.labels, ...this.selector, [LABEL_COMPONENT]: 'log-shipper' };
    const podLabels = { ...labels, [LABEL_VERSION]: versionLabel(parseImage(image)!) };
    const meta = (objectName: string) => ({ name: objectName, namespace, labels });
    const es = props.elasticsearch;
    const esPort = es.port ?? 9200;

    const ns = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: namespace,
        labels: {
          ...props.labels,
          'pod-security.kubernetes.io/enforce': 'privileged',
          'pod-security.kubernetes.io/enforce-version': PSS_VERSION,
          'pod-security.kubernetes.io/audit': 'baseline',
          'pod-security.kubernetes.io/audit-version': PSS_VERSION,
          'pod-security.kubernetes.io/warn': 'baseline',
          'pod-security.kubernetes.io/warn-version': PSS_VERSION,
        },
        annotations: { 'alp-deploy.io/pod-security-exception': this.policyExceptions[0].reason },
      },
    });
    // A Namespace is cluster-scoped, but cdk8s gives every object the chart's namespace.
    if (Chart.of(this).namespace !== undefined) ns.addJsonPatch(JsonPatch.remove('/metadata/namespace'));

    this.credentials = new ServiceSecret(this, 'Credentials', {
      name: `${name}-elasticsearch`,
      storeName: props.credentials.storeName,
      remoteKey: props.credentials.remoteKey,
      keys: ['password', 'username'],
      labels,
    });
    // ServiceSecret takes the chart's namespace; the Secret must be in the shipper's.
    this.credentials.resource.addJsonPatch(JsonPatch.add('/metadata/namespace', namespace));

    this.config = fluentBitConfig(es.host, esPort, es.indexPrefix ?? 'logs', es.caSecret ? `${CA_DIR}/${es.caSecret.key}` : undefined);
    new k8s.KubeConfigMap(this, 'Config', { metadata: meta(name), data: { 'fluent-bit.conf': this.config, 'parsers.conf': PARSERS } });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(name), automountServiceAccountToken: false });

    const probe = (periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path: '/api/v1/health', port: k8s.IntOrString.fromString('http') },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 2,
    });
    const hostDir = (volumeName: string, path: string) => ({ name: volumeName, hostPath: { path, type: 'Directory' } });
    this.daemonSet = new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { ...meta(name), labels: podLabels },
      spec: {
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels: podLabels, annotations: { 'checksum/config': createHash('sha256').update(this.config + PARSERS).digest('hex') } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            hostNetwork: false,
            hostPid: false,
            hostIpc: false,
            priorityClassName: props.priorityClassName ?? PRIORITY_CRITICAL,
            terminationGracePeriodSeconds: 30,
            // Every node, also those with taints: their pods log too.
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute' }],
            securityContext: {
              runAsNonRoot: !root,
              runAsUser: uid,
              runAsGroup: uid,
              fsGroup: uid,
              fsGroupChangePolicy: 'OnRootMismatch',
              // The container runtime writes the logs root:root 0640: group 0 may read them.
              supplementalGroups: [group],
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name,
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/fluent-bit/bin/fluent-bit'],
              args: [`--config=${CONFIG_DIR}/fluent-bit.conf`],
              ports: [{ name: 'http', containerPort: FLUENT_BIT_HTTP_PORT, protocol: 'TCP' }],
              env: [
                { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: this.credentials.secretName, key: 'password' } } },
                { name: 'ES_USERNAME', valueFrom: { secretKeyRef: { name: this.credentials.secretName, key: 'username' } } },
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString(resources.requests.cpu), memory: k8s.Quantity.fromString(resources.requests.memory) },
                limits: { cpu: k8s.Quantity.fromString(resources.limits.cpu), memory: k8s.Quantity.fromString(resources.limits.memory) },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: !root,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              readinessProbe: probe(10, 3),
              livenessProbe: probe(10, 3),
              startupProbe: probe(5, 30),
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'state', mountPath: STATE_DIR },
                { name: 'container-logs', mountPath: CONTAINER_LOGS, readOnly: true },
                { name: 'pod-logs', mountPath: POD_LOGS, readOnly: true },
                ...(es.caSecret ? [{ name: 'elasticsearch-ca', mountPath: CA_DIR, readOnly: true }] : []),
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name, defaultMode: 0o444 } },
              { name: 'state', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
              hostDir('container-logs', CONTAINER_LOGS),
              hostDir('pod-logs', POD_LOGS),
              ...(es.caSecret ? [{ name: 'elasticsearch-ca', secret: { secretName: es.caSecret.secretName, defaultMode: 0o440, items: [{ key: es.caSecret.key, path: es.caSecret.key }] } }] : []),
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: meta(name),
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: 'metrics', port: FLUENT_BIT_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
    const scrape = new ServiceScrape(this, 'Scrape', { name, selector: this.selector, namespace, path: '/api/v2/metrics/prometheus' });
    scrape.resource.addJsonPatch(JsonPatch.add('/metadata/namespace', namespace));

    const dns = { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) };
    const policy = (policyId: string, suffix: string, spec: k8s.NetworkPolicySpec) =>
      new k8s.KubeNetworkPolicy(this, policyId, { metadata: meta(`${name}-${suffix}`), spec });
    policy('DefaultDeny', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    policy('Allow', 'allow', {
      podSelector: { matchLabels: this.selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{
        from: [NetworkPeer.pods({ ...PROMETHEUS.podLabels }, props.monitoringNamespace)._toKube()],
        ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(FLUENT_BIT_HTTP_PORT) }],
      }],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [dns, { ...dns, protocol: 'TCP' }],
        },
        { to: [es.peer._toKube()], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(esPort) }] },
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
  const exceptions: RequiredPolicyException[] = [{
    rule: 'PSS-BASELINE-HOST-PATH',
    object,
    reason: 'The log shipper reads every pod\'s logs from the node (/var/log/containers and /var/log/pods), which only hostPath volumes give. '
      + `Both are read-only; the pod runs ${runAsRoot ? 'as root (runAsRoot)' : 'as UID 10001'} without capabilities, privilege escalation, host namespaces or API access, `
      + 'in its own namespace (PSS enforce privileged, audit and warn baseline) that allows only DNS, Elasticsearch and Prometheus.',
  }];
  if (runAsRoot) {
    const reason = 'The nodes\' container runtime writes the logs readable by root only (mode 0600), so the log shipper must run as UID 0 to read them; '
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

function fluentBitConfig(host: string, port: number, indexPrefix: string, caFile: string | undefined): string {
  const section = (name: string, entries: Array<[string, string | number]>) => [`[${name}]`, ...entries.map(([k, v]) => `    ${k.padEnd(24)} ${v}`), ''];
  return [
    ...section('SERVICE', [
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
    ...section('INPUT', [
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
    ...section('FILTER', [
      ['Name', 'parser'],
      ['Match', 'kube.*'],
      ['Key_Name', 'file'],
      ['Parser', 'kube-log-file'],
      ['Reserve_Data', 'On'],
    ]),
    // The services log JSON: its fields become the document's fields.
    ...section('FILTER', [
      ['Name', 'parser'],
      ['Match', 'kube.*'],
      ['Key_Name', 'log'],
      ['Parser', 'json'],
      ['Reserve_Data', 'On'],
    ]),
    ...section('OUTPUT', [
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
    ]),
  ].join('\n');
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function shipperProblems(props: LogShipperProps, name: string, namespace: string, image: string, resources: ContainerResources, group: number): PropProblem[] {
  const problems: PropProblem[] = [];
  for (const [prop, value] of [['name', name], ['namespace', namespace], ['monitoringNamespace', props.monitoringNamespace]] as const) {
    if (typeof value !== 'string' || !DNS_LABEL.test(value)) problems.push({ prop, value, rule: 'must be a DNS label' });
  }
  const es = props.elasticsearch;
  if (typeof es?.host !== 'string' || !HOST.test(es.host)) problems.push({ prop: 'elasticsearch.host', value: es?.host, rule: 'must be a host name such as "logs.es.example.com"' });
  if (es?.port !== undefined && !(Number.isInteger(es.port) && es.port >= 1 && es.port <= 65535)) problems.push({ prop: 'elasticsearch.port', value: es.port, rule: 'must be an integer from 1 to 65535' });
  if (es?.indexPrefix !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(es.indexPrefix)) problems.push({ prop: 'elasticsearch.indexPrefix', value: es.indexPrefix, rule: 'must be lowercase letters, digits, "-" and "_"' });
  if (!(es?.peer instanceof NetworkPeer)) problems.push({ prop: 'elasticsearch.peer', value: es?.peer, rule: 'must be a NetworkPeer', fix: 'use NetworkPeer.cidr(...) for an external cluster or NetworkPeer.pods(...) for one in the cluster' });
  const unpinned = unpinnedReason(image);
  if (unpinned) problems.push({ prop: 'image', value: image, rule: unpinned, fix: 'pin the image so that every synth deploys the same shipper' });
  if (!Number.isInteger(group) || group < 0) problems.push({ prop: 'logReaderGroup', value: group, rule: 'must be a group id (an integer of at least 0)' });
  problems.push(...containerResourceProblems(resources));
  return problems;
}

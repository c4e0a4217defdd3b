/**
 * The pods and namespaces that plain Kubernetes manifests imply, for reachability evaluation.
 *
 * Import from `./reachability`, which re-exports the public functions of this file.
 */
import { AlpError, formatProblem } from '../core';
import { CNPG_PORTS } from '../core/endpoints';
import { portProblem } from '../core/validation';
import { asArray, stringMap } from './rules/_selectors';

/** The protocols NetworkPolicy ports and container ports may have. */
export type WorkloadProtocol = 'TCP' | 'UDP' | 'SCTP';

/** A port the pods of a workload listen on. */
export interface WorkloadPort {
  readonly port: number;
  readonly protocol: WorkloadProtocol;
  /** The container port's name, which named NetworkPolicy ports refer to. @default - unnamed */
  readonly name?: string;
}

/** A set of identical pods (the pods of one Deployment, Gateway, database cluster, …). */
export interface Workload {
  /** `${namespace}/${name}`, e.g. `shop-blue/cart`. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** The pods' labels. */
  readonly labels: Record<string, string>;
  /** The ports the pods listen on (container ports). */
  readonly ports: readonly WorkloadPort[];
}

/** The label the API server puts on every namespace, with the namespace's name as value. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The namespace of a namespaced object whose manifest does not name one (what `kubectl apply` uses). */
export const DEFAULT_NAMESPACE = 'default';

/** The protocols a container port and a NetworkPolicy port may have. */
export const PROTOCOLS: readonly WorkloadProtocol[] = ['TCP', 'UDP', 'SCTP'];

/** Kinds whose pods are described by a pod template in the manifest itself. */
const POD_TEMPLATE_KINDS: readonly { readonly group: string; readonly kind: string; readonly template: (m: any) => any }[] = [
  { group: 'apps', kind: 'Deployment', template: (m) => m.spec?.template },
  { group: 'apps', kind: 'StatefulSet', template: (m) => m.spec?.template },
  { group: 'apps', kind: 'DaemonSet', template: (m) => m.spec?.template },
  { group: 'apps', kind: 'ReplicaSet', template: (m) => m.spec?.template },
  { group: 'batch', kind: 'Job', template: (m) => m.spec?.template },
  { group: 'batch', kind: 'CronJob', template: (m) => m.spec?.jobTemplate?.spec?.template },
  { group: '', kind: 'Pod', template: (m) => ({ metadata: m.metadata, spec: m.spec }) },
];

/** A custom resource whose pods an operator creates; the manifest has no pod template to read. */
interface OperatorWorkloadKind {
  /** API group of the custom resource. */
  readonly group: string;
  readonly kind: string;
  /** The labels the operator puts on the pods. */
  readonly podLabels: (m: any) => Record<string, string>;
  /** The ports the pods listen on. */
  readonly ports: (m: any) => WorkloadPort[];
}

/**
 * Operator-managed kinds: what their pods look like, as the operators document it. To add one,
 * add a row with the pod labels and listening ports the operator gives the pods. The workload's
 * name is the custom resource's name.
 */
const OPERATOR_WORKLOAD_KINDS: readonly OperatorWorkloadKind[] = [
  {
    // Gateway API implementations such as Istio run the gateway's pods in the Gateway's
    // namespace, labelled with the gateway's name (plus `spec.infrastructure.labels`), and
    // listen on the listeners' ports.
    // @see https://gateway-api.sigs.k8s.io/reference/spec/#gateway
    // @see https://istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/#automated-deployment
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    podLabels: (m) => ({ ...stringMap(m.spec?.infrastructure?.labels), 'gateway.networking.k8s.io/gateway-name': m.metadata.name }),
    ports: (m) => asArray(m.spec?.listeners).map((l: any) => ({ port: l?.port, protocol: l?.protocol === 'UDP' ? 'UDP' : 'TCP' })),
  },
  {
    // CloudNativePG instance pods, labelled `cnpg.io/cluster` (plus `spec.inheritedMetadata.labels`).
    // @see https://cloudnative-pg.io/documentation/current/labels_annotations/
    group: 'postgresql.cnpg.io',
    kind: 'Cluster',
    podLabels: (m) => ({ ...stringMap(m.spec?.inheritedMetadata?.labels), 'cnpg.io/cluster': m.metadata.name }),
    // PostgreSQL, the instance manager's status API and the metrics exporter.
    ports: () => [
      { port: CNPG_PORTS.postgres, protocol: 'TCP', name: 'postgresql' },
      { port: CNPG_PORTS.instanceManager, protocol: 'TCP', name: 'status' },
      { port: CNPG_PORTS.instanceMetrics, protocol: 'TCP', name: 'metrics' },
    ],
  },
  {
    // CloudNativePG PgBouncer pods, labelled `cnpg.io/poolerName` (plus `spec.template.metadata.labels`).
    // @see https://cloudnative-pg.io/documentation/current/connection_pooling/
    group: 'postgresql.cnpg.io',
    kind: 'Pooler',
    podLabels: (m) => ({ ...stringMap(m.spec?.template?.metadata?.labels), 'cnpg.io/poolerName': m.metadata.name }),
    // PgBouncer and its metrics exporter.
    ports: () => [
      { port: CNPG_PORTS.postgres, protocol: 'TCP', name: 'pgbouncer' },
      { port: CNPG_PORTS.poolerMetrics, protocol: 'TCP', name: 'metrics' },
    ],
  },
];

/**
 * The pods the manifests imply, one workload per object, sorted by id.
 *
 * Pod-template kinds: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob and Pod (labels
 * of the pod template; ports of the containers and of sidecar init containers, i.e. those with
 * `restartPolicy: Always`). Operator-managed kinds: Gateway API `Gateway`, CloudNativePG `Cluster`
 * and `Pooler` (see `OPERATOR_WORKLOAD_KINDS`).
 *
 * An object whose controlling owner (`ownerReferences[].controller`) is also in the manifests is
 * skipped, so a dump of a live cluster (Deployment + ReplicaSet + Pods) yields one workload.
 * `List` objects (`kubectl get -o json`) are flattened.
 *
 * @throws AlpError when two workloads share an id or a container port is invalid.
 */
export function workloadsFromManifests(manifests: readonly any[]): Workload[] {
  const objects = flattenManifests(manifests);
  const modelled = objects.filter((m) => podTemplateKind(m) !== undefined || operatorKind(m) !== undefined);
  const present = new Set(modelled.map((m) => `${namespaceOf(m)}/${m.kind}/${m.metadata?.name}`));
  const problems: string[] = [];
  const workloads: Workload[] = [];
  const definedBy = new Map<string, string>();

  for (const m of modelled) {
    const namespace = namespaceOf(m);
    const owner = asArray(m.metadata?.ownerReferences).find((o: any) => o?.controller === true);
    if (owner && present.has(`${namespace}/${owner.kind}/${owner.name}`)) continue;

    const name: string = m.metadata?.name;
    const where = `${m.kind} ${namespace}/${name}`;
    if (typeof name !== 'string' || name === '') {
      problems.push(
        `${m.kind} in namespace ${namespace}: ${formatProblem({ prop: 'metadata.name', value: name, rule: 'must be a non-empty string' })}`,
      );
      continue;
    }
    let labels: Record<string, string>;
    let ports: WorkloadPort[];
    const templated = podTemplateKind(m);
    if (templated) {
      const template = templated.template(m);
      if (!isObject(template)) {
        problems.push(`${where}: ${formatProblem({ prop: 'pod template', value: template, rule: 'must be an object' })}`);
        continue;
      }
      labels = stringMap(template.metadata?.labels);
      ports = containerPorts(template.spec, where, problems);
    } else {
      const operator = operatorKind(m)!;
      labels = operator.podLabels(m);
      ports = operator.ports(m);
      ports.forEach((p, i) => checkPort(p, `${where}: port #${i + 1}`, problems));
    }

    const id = `${namespace}/${name}`;
    const earlier = definedBy.get(id);
    if (earlier !== undefined) {
      problems.push(`workload id '${id}' is defined by both ${earlier} and ${m.kind}; rename one of them`);
      continue;
    }
    definedBy.set(id, m.kind);
    workloads.push({ id, namespace, name, labels, ports: uniquePorts(ports) });
  }

  if (problems.length > 0) throw new AlpError('Cannot derive workloads from the manifests:', problems);
  return workloads.sort((a, b) => compareStrings(a.id, b.id));
}

/**
 * Namespace labels by namespace name, keys sorted. Namespace manifests contribute their labels;
 * every namespace gets `kubernetes.io/metadata.name` (set by the API server, so it always wins).
 * Namespaces that only appear in `metadata.namespace` of other objects get just that label.
 */
export function namespaceLabelsFromManifests(manifests: readonly any[]): Record<string, Record<string, string>> {
  const labels = new Map<string, Record<string, string>>();
  for (const m of flattenManifests(manifests)) {
    if (m.kind === 'Namespace' && groupOf(m.apiVersion) === '' && typeof m.metadata?.name === 'string') {
      const name: string = m.metadata.name;
      labels.set(name, { ...labels.get(name), ...stringMap(m.metadata.labels), [NAMESPACE_NAME_LABEL]: name });
    } else if (typeof m.metadata?.namespace === 'string' && !labels.has(m.metadata.namespace)) {
      labels.set(m.metadata.namespace, { [NAMESPACE_NAME_LABEL]: m.metadata.namespace });
    }
  }
  const result: Record<string, Record<string, string>> = {};
  for (const name of [...labels.keys()].sort(compareStrings)) result[name] = labels.get(name)!;
  return result;
}

/** The objects of the manifests, with `List` objects (`kubectl get -o json`) flattened and non-objects dropped. */
export function flattenManifests(manifests: readonly unknown[]): any[] {
  const out: any[] = [];
  for (const m of manifests) {
    if (!isObject(m)) continue;
    if (typeof m.kind === 'string' && m.kind.endsWith('List') && Array.isArray(m.items)) out.push(...flattenManifests(m.items));
    else out.push(m);
  }
  return out;
}

/** The object's namespace, `default` when the manifest names none. */
export function namespaceOf(m: any): string {
  const ns = m?.metadata?.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : DEFAULT_NAMESPACE;
}

/** The API group of an `apiVersion`: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Locale-independent string order, for deterministic output. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function podTemplateKind(m: any) {
  return POD_TEMPLATE_KINDS.find((k) => k.kind === m.kind && k.group === groupOf(m.apiVersion));
}

function operatorKind(m: any) {
  return OPERATOR_WORKLOAD_KINDS.find((k) => k.kind === m.kind && k.group === groupOf(m.apiVersion));
}

function containerPorts(spec: any, where: string, problems: string[]): WorkloadPort[] {
  const containers = [
    ...asArray(spec?.containers),
    // Sidecar (restartable) init containers run for the pod's lifetime and may serve traffic.
    ...asArray(spec?.initContainers).filter((c: any) => c?.restartPolicy === 'Always'),
  ];
  const ports: WorkloadPort[] = [];
  for (const c of containers) {
    asArray(c?.ports).forEach((p: any, i: number) => {
      const port: WorkloadPort = {
        port: p?.containerPort,
        protocol: p?.protocol ?? 'TCP',
        ...(typeof p?.name === 'string' ? { name: p.name } : {}),
      };
      if (checkPort(port, `${where}: container '${c?.name}' port #${i + 1}`, problems)) ports.push(port);
    });
  }
  return ports;
}

function checkPort(p: WorkloadPort, where: string, problems: string[]): boolean {
  const before = problems.length;
  const badPort = portProblem('port', p.port);
  if (badPort) problems.push(`${where}: ${formatProblem(badPort)}`);
  if (!PROTOCOLS.includes(p.protocol)) {
    problems.push(`${where}: ${formatProblem({ prop: 'protocol', value: p.protocol, rule: `must be one of ${PROTOCOLS.join(', ')}` })}`);
  }
  return problems.length === before;
}

/** Ports without duplicates (the first name wins), sorted by protocol and port. */
function uniquePorts(ports: readonly WorkloadPort[]): WorkloadPort[] {
  const seen = new Map<string, WorkloadPort>();
  for (const p of ports) {
    const key = `${p.protocol}/${p.port}`;
    if (!seen.has(key)) seen.set(key, p);
  }
  return [...seen.values()].sort((a, b) => compareStrings(a.protocol, b.protocol) || a.port - b.port);
}

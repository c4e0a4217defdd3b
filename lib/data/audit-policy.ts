/**
 * The API server's audit policy: what is recorded, at which level, for cluster administrators
 * to install (`--audit-policy-file`). Rules are evaluated in order; the first match decides.
 *
 * @see https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/#audit-policy
 */

/** How much of a request is recorded. */
export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

/** A group of resources in an audit rule. */
export interface AuditGroupResources {
  readonly group: string;
  readonly resources: string[];
}

/** One rule of an audit policy (the fields this policy uses). */
export interface AuditRule {
  readonly level: AuditLevel;
  /** Users the rule applies to. @default - every user */
  readonly users?: string[];
  /** Groups the rule applies to. @default - every group */
  readonly userGroups?: string[];
  /** Verbs the rule applies to. @default - every verb */
  readonly verbs?: string[];
  /** Namespaces the rule applies to. @default - every namespace, and cluster-scoped resources */
  readonly namespaces?: string[];
  /** Resources the rule applies to. @default - every resource */
  readonly resources?: AuditGroupResources[];
  /** Non-resource URLs the rule applies to (a trailing `*` is a prefix). @default - every URL */
  readonly nonResourceURLs?: string[];
}

/** An `audit.k8s.io/v1` Policy document. */
export interface AuditPolicyDocument {
  readonly apiVersion: 'audit.k8s.io/v1';
  readonly kind: 'Policy';
  readonly omitStages: string[];
  readonly rules: AuditRule[];
}

export interface AuditPolicyOptions {
  /** Level of every request no earlier rule matches. @default 'Metadata' */
  readonly defaultLevel?: AuditLevel;
}

const READ_VERBS = ['get', 'list', 'watch'];
const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * The platform's audit policy, in order:
 * 1. nothing for noise: health and metrics endpoints, kube-proxy's watches, lease renewals,
 *    events, and the nodes' and control plane's own reads;
 * 2. `Metadata` for Secrets, ConfigMaps, service-account tokens and token reviews, so that
 *    no secret value is ever written to the log;
 * 3. `RequestResponse` for RBAC changes and for exec, attach, port-forward and ephemeral
 *    containers (who opened a shell where, and what permission changed to what);
 * 4. `Request` for every other write, and the default level for everything else.
 * `RequestReceived` is omitted: each request's `ResponseComplete` event holds the same.
 */
export function auditPolicy(options: AuditPolicyOptions = {}): AuditPolicyDocument {
  const rules: AuditRule[] = [
    { level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/metrics', '/readyz*', '/version'] },
    {
      level: 'None',
      users: ['system:kube-proxy'],
      verbs: ['watch'],
      resources: [
        { group: '', resources: ['endpoints', 'services', 'services/status'] },
        { group: 'discovery.k8s.io', resources: ['endpointslices'] },
      ],
    },
    {
      level: 'None',
      verbs: ['get', 'update'],
      namespaces: ['kube-node-lease', 'kube-system'],
      resources: [{ group: 'coordination.k8s.io', resources: ['leases'] }],
    },
    {
      level: 'None',
      resources: [
        { group: '', resources: ['events'] },
        { group: 'events.k8s.io', resources: ['events'] },
      ],
    },
    {
      level: 'None',
      userGroups: ['system:nodes'],
      verbs: READ_VERBS,
      resources: [{ group: '', resources: ['nodes', 'nodes/status', 'pods', 'pods/status'] }],
    },
    { level: 'None', users: ['system:kube-controller-manager', 'system:kube-scheduler'], verbs: READ_VERBS },
    {
      level: 'Metadata',
      resources: [
        { group: '', resources: ['configmaps', 'secrets', 'serviceaccounts/token'] },
        { group: 'authentication.k8s.io', resources: ['tokenreviews'] },
      ],
    },
    {
      level: 'RequestResponse',
      resources: [
        { group: '', resources: ['pods/attach', 'pods/ephemeralcontainers', 'pods/exec', 'pods/portforward'] },
        { group: 'rbac.authorization.k8s.io', resources: ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'] },
      ],
    },
    { level: 'Request', verbs: WRITE_VERBS },
    { level: options.defaultLevel ?? 'Metadata' },
  ];
  return { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules };
}
